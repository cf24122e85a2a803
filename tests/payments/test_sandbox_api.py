"""The sandbox provider: POST /api/v1/payments/{id}/sandbox/confirm and GET /api/v1/payments/{id}."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.payments import service as payments
from quanzi.payments.events import PaymentSucceeded
from tests.helpers import problem, register
from tests.payments.conftest import load_payment, notification_count, open_payment


def confirm_url(payment_id: uuid.UUID) -> str:
    return f"/api/v1/payments/{payment_id}/sandbox/confirm"


async def test_confirm_pays_once_and_replays_change_nothing(
    client: httpx.AsyncClient, published: list[object], clock: FrozenClock
) -> None:
    buyer, payment_id = await open_payment(client, amount_fen=1500, provider="sandbox")

    prepared = await client.post(
        f"/api/v1/payments/{payment_id}/prepare", json={"channel": "h5"}, headers=buyer.headers
    )
    assert prepared.status_code == 200, prepared.text
    assert prepared.json()["confirm_url"].endswith(confirm_url(payment_id))

    first = await client.post(confirm_url(payment_id), headers=buyer.headers)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "succeeded"
    assert first.json()["amount_fen"] == 1500
    assert first.json()["paid_at"] is not None

    again = await client.post(confirm_url(payment_id), headers=buyer.headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert [type(e) for e in published] == [PaymentSucceeded]
    assert await notification_count() == 1

    shown = await client.get(f"/api/v1/payments/{payment_id}", headers=buyer.headers)
    assert shown.json()["status"] == "succeeded"


async def test_concurrent_confirms_pay_once(
    client: httpx.AsyncClient, published: list[object]
) -> None:
    buyer, payment_id = await open_payment(client, provider="sandbox")
    responses = await asyncio.gather(
        *(client.post(confirm_url(payment_id), headers=buyer.headers) for _ in range(4))
    )
    assert [r.status_code for r in responses] == [200] * 4
    assert len(published) == 1


async def test_someone_elses_payment_is_404(
    client: httpx.AsyncClient, published: list[object]
) -> None:
    _, payment_id = await open_payment(client, provider="sandbox")
    stranger = await register(client, name="Stranger")
    problem(
        await client.post(confirm_url(payment_id), headers=stranger.headers),
        404,
        "payment_not_found",
    )
    problem(
        await client.get(f"/api/v1/payments/{payment_id}", headers=stranger.headers),
        404,
        "payment_not_found",
    )
    assert (await load_payment(payment_id)).status == "pending"
    assert published == []


async def test_unknown_payment_and_no_token(client: httpx.AsyncClient) -> None:
    buyer = await register(client)
    problem(
        await client.post(confirm_url(uuid.uuid4()), headers=buyer.headers),
        404,
        "payment_not_found",
    )
    _, payment_id = await open_payment(client, provider="sandbox")
    problem(await client.post(confirm_url(payment_id)), 401, "unauthorized")


async def test_closed_payment_is_409(client: httpx.AsyncClient, published: list[object]) -> None:
    buyer, payment_id = await open_payment(client, provider="sandbox")
    assert await db.transaction(lambda session: payments.close_payment(session, payment_id))
    problem(
        await client.post(confirm_url(payment_id), headers=buyer.headers), 409, "payment_closed"
    )
    assert (await load_payment(payment_id)).status == "closed"
    assert published == []
    prepare = await client.post(
        f"/api/v1/payments/{payment_id}/prepare", json={"channel": "h5"}, headers=buyer.headers
    )
    problem(prepare, 409, "payment_not_pending")


async def test_a_wechatpay_payment_cannot_be_confirmed_in_the_sandbox(
    client: httpx.AsyncClient, published: list[object]
) -> None:
    buyer, payment_id = await open_payment(client, provider="wechatpay")
    problem(
        await client.post(confirm_url(payment_id), headers=buyer.headers), 404, "payment_not_found"
    )
    assert (await load_payment(payment_id)).status == "pending"
    assert published == []
