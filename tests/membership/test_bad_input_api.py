"""Buying refused or replayed: unknown and inactive plans, other people's orders,
Idempotency-Key replays, prepaying too far ahead, unauthenticated calls."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from quanzi.core.clock import FrozenClock
from quanzi.membership import rules
from tests.helpers import Account, problem, register
from tests.membership.support import (
    PLANS,
    become_member,
    bought,
    buy,
    confirm,
    create_plan,
    log_in_again,
)
from tests.orders.support import count_orders


async def test_unknown_and_inactive_plans(
    client: httpx.AsyncClient, op: Account, buyer: Account, plan: dict[str, Any]
) -> None:
    problem(await buy(client, buyer, str(uuid.uuid4())), 404, "plan_not_found")
    response = await client.post(
        "/api/v1/memberships", json={"plan_id": "not-a-uuid"}, headers=buyer.headers
    )
    problem(response, 422, "validation_error")
    response = await client.post(
        "/api/v1/memberships", json={"plan_id": plan["id"], "months": 2}, headers=buyer.headers
    )
    problem(response, 422, "validation_error")
    await client.patch(f"{PLANS}/{plan['id']}", json={"active": False}, headers=op.headers)
    problem(await buy(client, buyer, plan["id"]), 409, "plan_inactive")
    problem(
        await client.post("/api/v1/memberships", json={"plan_id": plan["id"]}), 401, "unauthorized"
    )
    assert await count_orders() == 0


async def test_someone_elses_membership_order_is_not_found(
    client: httpx.AsyncClient, buyer: Account, plan: dict[str, Any]
) -> None:
    order = await bought(client, buyer, plan["id"])
    stranger = await register(client, name="Stranger")
    response = await client.get(f"/api/v1/orders/{order['id']}", headers=stranger.headers)
    problem(response, 404, "order_not_found")
    response = await client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={}, headers=stranger.headers
    )
    problem(response, 404, "order_not_found")
    response = await client.post(
        f"/api/v1/payments/{order['payment']['id']}/sandbox/confirm", headers=stranger.headers
    )
    assert response.status_code == 404, response.text
    assert await client.get("/api/v1/me/membership", headers=stranger.headers) is not None
    assert (await client.get("/api/v1/me/membership", headers=stranger.headers)).json() == {
        "membership": None
    }


async def test_membership_orders_are_never_shipped_nor_cancelled_once_paid(
    client: httpx.AsyncClient, op: Account, buyer: Account, plan: dict[str, Any]
) -> None:
    order = await become_member(client, buyer, plan["id"])
    response = await client.post(
        f"/api/v1/admin/orders/{order['id']}/ship",
        json={"carrier": "SF", "tracking_no": "1"},
        headers=op.headers,
    )
    problem(response, 409, "illegal_transition")
    response = await client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={}, headers=buyer.headers
    )
    problem(response, 409, "illegal_transition")


async def test_replayed_idempotency_key(
    client: httpx.AsyncClient, op: Account, buyer: Account, plan: dict[str, Any]
) -> None:
    first = await buy(client, buyer, plan["id"], key="buy-1")
    again = await buy(client, buyer, plan["id"], key="buy-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await count_orders() == 1
    other = await create_plan(client, op, name="Trial", price_fen=990, duration_days=30)
    problem(await buy(client, buyer, other["id"], key="buy-1"), 409, "idempotency_key_reused")
    # The key is the buyer's own: another buyer may use the same string.
    stranger = await register(client, name="Stranger")
    assert (await buy(client, stranger, plan["id"], key="buy-1")).status_code == 201
    assert await count_orders() == 2
    # Paying the replayed order once activates it once.
    await confirm(client, buyer, first.json()["order"])
    response = await client.get("/api/v1/me/membership", headers=buyer.headers)
    assert response.json()["membership"]["status"] == "active"


@pytest.mark.parametrize("key", ["", " ", "x" * 201])
async def test_bad_idempotency_keys(
    client: httpx.AsyncClient, buyer: Account, plan: dict[str, Any], key: str
) -> None:
    response = await buy(client, buyer, plan["id"], key=key)
    assert response.status_code == 400, response.text
    assert await count_orders() == 0


async def test_cannot_prepay_beyond_the_limit(
    client: httpx.AsyncClient, op: Account, buyer: Account, clock: FrozenClock
) -> None:
    decade = await create_plan(
        client, op, name="Decade", price_fen=300000, duration_days=rules.MAX_DURATION_DAYS
    )
    await become_member(client, buyer, decade["id"])
    # Exactly at the limit one more purchase is still fine...
    assert rules.MAX_DURATION_DAYS == rules.MAX_PREPAID_DAYS
    assert (await buy(client, buyer, decade["id"])).status_code == 201
    await become_member(client, buyer, decade["id"])
    # ...beyond it, it is refused until time catches up.
    problem(await buy(client, buyer, decade["id"]), 409, "membership_prepaid_limit")
    clock.advance(timedelta(days=rules.MAX_DURATION_DAYS))
    await log_in_again(client, buyer)
    assert (await buy(client, buyer, decade["id"])).status_code == 201
