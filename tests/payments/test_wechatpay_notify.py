"""POST /api/v1/payments/notify/wechatpay: WeChat Pay's payment notifications."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from quanzi.core import db, events
from quanzi.core.clock import FrozenClock
from quanzi.core.errors import Conflict
from quanzi.payments import service as payments
from quanzi.payments.events import PaymentSucceeded
from quanzi.payments.wechatpay import WeChatPayProvider
from tests.helpers import problem
from tests.payments.conftest import (
    APPID,
    MCHID,
    Keys,
    Notifier,
    load_payment,
    notification_count,
    open_payment,
)

NOTIFY = "/api/v1/payments/notify/wechatpay"

pytestmark = pytest.mark.usefixtures("wechatpay")


async def assert_untouched(payment_id: uuid.UUID, published: list[object]) -> None:
    payment = await load_payment(payment_id)
    assert payment.status == "pending"
    assert payment.provider_txn_id is None
    assert payment.paid_at is None
    assert await notification_count() == 0
    assert published == []


async def test_valid_notification_marks_the_payment_succeeded(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object], clock: FrozenClock
) -> None:
    _, payment_id = await open_payment(client, amount_fen=2990)
    resource = notifier.transaction(payment_id, 2990)
    headers, body = notifier.signed(resource)

    response = await client.post(NOTIFY, content=body, headers=headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"code": "SUCCESS", "message": "成功"}
    payment = await load_payment(payment_id)
    assert payment.status == "succeeded"
    assert payment.provider_txn_id == resource["transaction_id"]
    assert payment.paid_at == clock.now()
    assert published == [
        PaymentSucceeded(
            payment_id=payment_id,
            payable_type="order",
            payable_id=payment.payable_id,
            amount_fen=2990,
            provider="wechatpay",
        )
    ]
    assert await notification_count() == 1


async def test_replays_and_redeliveries_change_nothing(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object], clock: FrozenClock
) -> None:
    _, payment_id = await open_payment(client)
    resource = notifier.transaction(payment_id, 2990)
    headers, body = notifier.signed(resource)
    assert (await client.post(NOTIFY, content=body, headers=headers)).status_code == 200
    paid_at = (await load_payment(payment_id)).paid_at

    clock.advance(timedelta(seconds=30))
    # The very same request again (a replay inside the window) ...
    again = await client.post(NOTIFY, content=body, headers=headers)
    # ... and WeChat Pay's own retry: a new envelope, signature and time, same transaction.
    retry_headers, retry_body = notifier.signed(resource)
    redelivered = await client.post(NOTIFY, content=retry_body, headers=retry_headers)

    assert again.status_code == 200
    assert again.json()["code"] == "SUCCESS"
    assert redelivered.status_code == 200
    payment = await load_payment(payment_id)
    assert payment.status == "succeeded"
    assert payment.paid_at == paid_at
    assert len(published) == 1
    assert await notification_count() == 1


async def test_concurrent_duplicates_record_the_payment_once(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object]
) -> None:
    _, payment_id = await open_payment(client)
    resource = notifier.transaction(payment_id, 2990)
    deliveries = [notifier.signed(resource) for _ in range(5)]

    responses = await asyncio.gather(
        *(client.post(NOTIFY, content=body, headers=headers) for headers, body in deliveries)
    )

    assert [r.status_code for r in responses] == [200] * 5
    assert (await load_payment(payment_id)).status == "succeeded"
    assert len(published) == 1
    assert await notification_count() == 1


@pytest.mark.postgres_only
async def test_duplicate_arriving_while_the_first_is_uncommitted_changes_nothing(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object]
) -> None:
    """The first delivery holds its transaction open (in the PaymentSucceeded handler)
    until the duplicates are seen waiting on its locks; they must then change nothing."""
    _, payment_id = await open_payment(client)
    resource = notifier.transaction(payment_id, 2990)
    deliveries = [notifier.signed(resource) for _ in range(4)]
    overlapped: list[bool] = []

    async def blocked_duplicates() -> int:
        async with db.engine().connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        return int(waiting or 0)

    async def hold_open(_: Any, event: PaymentSucceeded) -> None:
        for _attempt in range(500):
            if await blocked_duplicates() >= 3:
                overlapped.append(True)
                return
            await asyncio.sleep(0.02)
        overlapped.append(False)

    events.subscribe(PaymentSucceeded, hold_open)
    responses = await asyncio.gather(
        *(client.post(NOTIFY, content=body, headers=headers) for headers, body in deliveries)
    )

    assert overlapped == [True], "the duplicates never ran against an uncommitted first"
    assert [r.status_code for r in responses] == [200] * 4
    assert len(published) == 1
    assert await notification_count() == 1
    assert (await load_payment(payment_id)).provider_txn_id == resource["transaction_id"]


def _flip(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


async def test_tampered_body_is_refused(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object]
) -> None:
    _, payment_id = await open_payment(client)
    headers, body = notifier.signed(notifier.transaction(payment_id, 2990))
    envelope = json.loads(body)
    envelope["event_type"] = "TRANSACTION.SUCCESS "
    tampered = json.dumps(envelope, ensure_ascii=False).encode()

    problem(await client.post(NOTIFY, content=tampered, headers=headers), 400, "invalid_signature")
    await assert_untouched(payment_id, published)


async def test_tampered_ciphertext_fails_decryption_even_when_signed(
    client: httpx.AsyncClient, notifier: Notifier, keys: Keys, published: list[object]
) -> None:
    _, payment_id = await open_payment(client)
    envelope = json.loads(notifier.body(notifier.transaction(payment_id, 2990)))
    envelope["resource"]["ciphertext"] = _flip(envelope["resource"]["ciphertext"])
    body = json.dumps(envelope).encode()
    problem(
        await client.post(NOTIFY, content=body, headers=notifier.headers(body)),
        400,
        "decryption_failed",
    )
    # Encrypted with another APIv3 key (not ours), correctly signed: still undecryptable.
    other = notifier.body(notifier.transaction(payment_id, 2990), apiv3_key="k" * 32)
    problem(
        await client.post(NOTIFY, content=other, headers=notifier.headers(other)),
        400,
        "decryption_failed",
    )
    await assert_untouched(payment_id, published)


@pytest.mark.parametrize("how", ["flipped", "not_base64", "other_key", "other_type"])
async def test_tampered_signature_is_refused(
    client: httpx.AsyncClient,
    notifier: Notifier,
    keys: Keys,
    published: list[object],
    how: str,
) -> None:
    _, payment_id = await open_payment(client)
    body = notifier.body(notifier.transaction(payment_id, 2990))
    headers = notifier.headers(body, signer=keys.rogue if how == "other_key" else None)
    if how == "flipped":
        headers["Wechatpay-Signature"] = _flip(headers["Wechatpay-Signature"])
    elif how == "not_base64":
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    elif how == "other_type":
        headers["Wechatpay-Signature-Type"] = "WECHATPAY2-SM2-WITH-SM3"

    problem(await client.post(NOTIFY, content=body, headers=headers), 400, "invalid_signature")
    await assert_untouched(payment_id, published)


async def test_unknown_serial_is_refused_even_with_a_matching_signature(
    client: httpx.AsyncClient, notifier: Notifier, keys: Keys, published: list[object]
) -> None:
    _, payment_id = await open_payment(client)
    body = notifier.body(notifier.transaction(payment_id, 2990))
    for signer in (keys.rogue, keys.platform):
        headers = notifier.headers(body, signer=signer, serial="PUB_KEY_ID_ATTACKER")
        problem(await client.post(NOTIFY, content=body, headers=headers), 400, "unknown_serial")
    await assert_untouched(payment_id, published)


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-301, False), (301, False), (-300, True), (300, True)]
)
async def test_replay_window_is_measured_on_quanzis_clock(
    client: httpx.AsyncClient,
    notifier: Notifier,
    clock: FrozenClock,
    published: list[object],
    offset: int,
    accepted: bool,
) -> None:
    _, payment_id = await open_payment(client)
    body = notifier.body(notifier.transaction(payment_id, 2990))
    stamp = str(int(clock.now().timestamp()) + offset)
    response = await client.post(
        NOTIFY, content=body, headers=notifier.headers(body, timestamp=stamp)
    )
    if accepted:
        assert response.status_code == 200, response.text
        assert (await load_payment(payment_id)).status == "succeeded"
    else:
        problem(response, 400, "stale_notification")
        await assert_untouched(payment_id, published)


async def test_a_captured_notification_goes_stale_as_the_clock_moves(
    client: httpx.AsyncClient, notifier: Notifier, clock: FrozenClock, published: list[object]
) -> None:
    _, payment_id = await open_payment(client)
    headers, body = notifier.signed(notifier.transaction(payment_id, 2990))
    clock.advance(timedelta(minutes=5, seconds=1))
    problem(await client.post(NOTIFY, content=body, headers=headers), 400, "stale_notification")
    await assert_untouched(payment_id, published)


async def test_non_numeric_timestamp_is_refused(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object]
) -> None:
    _, payment_id = await open_payment(client)
    body = notifier.body(notifier.transaction(payment_id, 2990))
    headers = notifier.headers(body, timestamp="1762048800.5")
    problem(await client.post(NOTIFY, content=body, headers=headers), 400, "invalid_timestamp")
    await assert_untouched(payment_id, published)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (
            {"amount": {"total": 2989, "payer_total": 2989, "currency": "CNY"}},
            409,
            "amount_mismatch",
        ),
        (
            {"amount": {"total": 2990, "payer_total": 2990, "currency": "USD"}},
            422,
            "currency_mismatch",
        ),
        ({"appid": "wx0000000000000000"}, 422, "appid_mismatch"),
        ({"mchid": "1900000000"}, 422, "mchid_mismatch"),
        ({"out_trade_no": uuid.uuid4().hex}, 404, "unknown_payment"),
        ({"out_trade_no": "ORDER-2026-0001"}, 404, "unknown_payment"),
    ],
)
async def test_authentic_but_inconsistent_notifications_are_refused(
    client: httpx.AsyncClient,
    notifier: Notifier,
    published: list[object],
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    _, payment_id = await open_payment(client, amount_fen=2990)
    headers, body = notifier.signed(notifier.transaction(payment_id, 2990, **change))
    problem(await client.post(NOTIFY, content=body, headers=headers), status, code)
    await assert_untouched(payment_id, published)


async def test_a_notification_for_a_sandbox_payment_is_unknown(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object]
) -> None:
    _, payment_id = await open_payment(client, provider="sandbox")
    headers, body = notifier.signed(notifier.transaction(payment_id, 2990))
    problem(await client.post(NOTIFY, content=body, headers=headers), 404, "unknown_payment")
    await assert_untouched(payment_id, published)


@pytest.mark.parametrize("state", ["NOTPAY", "CLOSED", "PAYERROR", "USERPAYING", "REFUND"])
async def test_other_trade_states_are_acknowledged_and_ignored(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object], state: str
) -> None:
    _, payment_id = await open_payment(client)
    resource = notifier.transaction(payment_id, 2990, trade_state=state)
    del resource["transaction_id"]
    headers, body = notifier.signed(resource, event_type=f"TRANSACTION.{state}")
    response = await client.post(NOTIFY, content=body, headers=headers)
    assert response.status_code == 200, response.text
    await assert_untouched(payment_id, published)


async def test_money_for_a_closed_payment_is_still_recorded(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object]
) -> None:
    """The order expired while the buyer paid: the money is real, so it is recorded and
    PaymentSucceeded lets the order's owner refund it."""
    _, payment_id = await open_payment(client)
    assert await db.transaction(lambda session: payments.close_payment(session, payment_id))
    headers, body = notifier.signed(notifier.transaction(payment_id, 2990))
    assert (await client.post(NOTIFY, content=body, headers=headers)).status_code == 200
    assert (await load_payment(payment_id)).status == "succeeded"
    assert len(published) == 1


@pytest.mark.parametrize(
    "missing", ["Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial"]
)
async def test_missing_headers_are_a_400(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object], missing: str
) -> None:
    _, payment_id = await open_payment(client)
    headers, body = notifier.signed(notifier.transaction(payment_id, 2990))
    del headers[missing]
    problem(
        await client.post(NOTIFY, content=body, headers=headers), 400, "missing_signature_headers"
    )
    await assert_untouched(payment_id, published)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"id": "x", "resource_type": "plain", "resource": {}}',
        b'{"id": "x", "resource_type": "encrypt-resource", "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": 5, "nonce": "n"}}',
    ],
)
async def test_malformed_but_signed_bodies_are_a_400(
    client: httpx.AsyncClient, notifier: Notifier, published: list[object], body: bytes
) -> None:
    _, payment_id = await open_payment(client)
    problem(
        await client.post(NOTIFY, content=body, headers=notifier.headers(body)),
        400,
        "malformed_notification",
    )
    await assert_untouched(payment_id, published)


@pytest.mark.parametrize(
    "resource",
    [
        {"hello": "world"},
        {"appid": APPID, "mchid": MCHID, "out_trade_no": "x", "trade_state": "SUCCESS"},
        {
            "appid": APPID,
            "mchid": MCHID,
            "out_trade_no": "x",
            "trade_state": "SUCCESS",
            "transaction_id": "42",
            "amount": {"total": -1, "currency": "CNY"},
        },
    ],
)
async def test_decrypted_resource_that_is_not_a_transaction_is_a_400(
    client: httpx.AsyncClient, notifier: Notifier, resource: dict[str, Any]
) -> None:
    headers, body = notifier.signed(resource)
    problem(await client.post(NOTIFY, content=body, headers=headers), 400, "malformed_notification")
    assert await notification_count() == 0


async def test_oversized_body_is_refused_before_anything_else(
    client: httpx.AsyncClient, notifier: Notifier
) -> None:
    body = b"{" + b" " * (64 * 1024) + b"}"
    problem(
        await client.post(NOTIFY, content=body, headers=notifier.headers(body)),
        413,
        "notification_too_large",
    )


async def test_unsigned_garbage_is_a_400_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(NOTIFY, content=b"\x00\x01garbage")
    problem(response, 400, "missing_signature_headers")
    response = await client.post(
        NOTIFY,
        content=b"{}",
        headers={
            "Wechatpay-Signature": "x",
            "Wechatpay-Timestamp": "1",
            "Wechatpay-Nonce": "n",
            "Wechatpay-Serial": "s",
        },
    )
    problem(response, 400, "unknown_serial")


def test_provider_refuses_a_wrong_size_apiv3_key(wechatpay: WeChatPayProvider) -> None:
    with pytest.raises(Conflict) as refused:
        WeChatPayProvider(replace(wechatpay.config, apiv3_key="too-short"))
    assert refused.value.code == "provider_unavailable"
