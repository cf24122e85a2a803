"""prepare() and refund() through wechatpayv3 against a real HTTP server on 127.0.0.1
that plays the WeChat Pay API (checks merchant signatures, signs its answers)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.core.config import get_settings, reset_settings
from quanzi.core.errors import Conflict, Unprocessable
from quanzi.ledger.models import LedgerTransfer
from quanzi.payments import registry
from quanzi.payments import service as payments
from quanzi.payments.events import RefundSettled
from quanzi.payments.models import Payment, PaymentRefund
from quanzi.payments.provider import Payer
from quanzi.payments.wechatpay import WeChatPayError, WeChatPayProvider
from tests.helpers import problem
from tests.payments.conftest import (
    APPID,
    MCHID,
    PUBLIC_KEY_ID,
    SHOP,
    FakeWeChatPay,
    Keys,
    Notifier,
    load_payment,
    load_refund,
    open_payment,
    prepay_id,
    rsa_verifies,
)

NOTIFY_REFUND = "/api/v1/payments/notify/wechatpay/refund"


def prepare_url(payment_id: uuid.UUID) -> str:
    return f"/api/v1/payments/{payment_id}/prepare"


async def test_jsapi_prepare_returns_parameters_signed_with_the_merchant_key(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    keys: Keys,
    clock: FrozenClock,
) -> None:
    buyer, payment_id = await open_payment(client, amount_fen=2990)
    openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"

    response = await client.post(
        prepare_url(payment_id), json={"channel": "jsapi", "openid": openid}, headers=buyer.headers
    )

    assert response.status_code == 200, response.text
    params = response.json()
    assert params["provider"] == "wechatpay"
    assert params["channel"] == "jsapi"
    assert params["appId"] == APPID
    assert params["timeStamp"] == str(int(clock.now().timestamp()))
    assert params["package"] == f"prepay_id={prepay_id(payment_id.hex)}"
    assert params["signType"] == "RSA"
    assert len(params["nonceStr"]) == 32
    message = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert rsa_verifies(keys.merchant.public_key(), params["paySign"], message.encode())
    assert not rsa_verifies(keys.rogue.public_key(), params["paySign"], message.encode())

    [call] = fake_wechat.calls
    assert call.method == "POST"
    assert call.path == "/v3/pay/transactions/jsapi"
    assert call.signed_by_merchant
    assert call.headers["wechatpay-serial"] == PUBLIC_KEY_ID
    assert call.body == {
        "notify_url": f"{SHOP}/api/v1/payments/notify/wechatpay",
        "description": "圈子 test order",
        "out_trade_no": payment_id.hex,
        "amount": {"total": 2990, "currency": "CNY"},
        "payer": {"openid": openid},
        "appid": APPID,
        "mchid": MCHID,
    }


async def test_h5_and_native_prepare(
    client: httpx.AsyncClient, wechatpay: WeChatPayProvider, fake_wechat: FakeWeChatPay
) -> None:
    buyer, payment_id = await open_payment(client)

    h5 = await client.post(prepare_url(payment_id), json={"channel": "h5"}, headers=buyer.headers)
    native = await client.post(
        prepare_url(payment_id), json={"channel": "native"}, headers=buyer.headers
    )

    assert h5.status_code == 200, h5.text
    assert h5.json() == {
        "provider": "wechatpay",
        "channel": "h5",
        "h5_url": f"https://wx.tenpay.com/pay?t={payment_id.hex}",
    }
    assert native.json()["code_url"] == f"weixin://wxpay/bizpayurl?pr={payment_id.hex}"
    h5_call, native_call = fake_wechat.calls
    assert h5_call.path == "/v3/pay/transactions/h5"
    assert h5_call.signed_by_merchant
    # httpx's ASGI transport presents the caller as 127.0.0.1.
    assert h5_call.body["scene_info"] == {
        "payer_client_ip": "127.0.0.1",
        "h5_info": {"type": "Wap"},
    }
    assert native_call.path == "/v3/pay/transactions/native"
    assert "payer" not in native_call.body


async def test_jsapi_without_openid_is_a_422_and_nothing_is_sent(
    client: httpx.AsyncClient, wechatpay: WeChatPayProvider, fake_wechat: FakeWeChatPay
) -> None:
    buyer, payment_id = await open_payment(client)
    response = await client.post(
        prepare_url(payment_id), json={"channel": "jsapi"}, headers=buyer.headers
    )
    problem(response, 422, "openid_required")
    assert fake_wechat.calls == []


async def test_h5_without_client_ip_is_refused(
    client: httpx.AsyncClient, wechatpay: WeChatPayProvider, fake_wechat: FakeWeChatPay
) -> None:
    _, payment_id = await open_payment(client)
    payment = await load_payment(payment_id)
    with pytest.raises(Unprocessable) as refused:
        await wechatpay.prepare(payment, Payer(user_id="u"), "h5")
    assert refused.value.code == "client_ip_required"
    with pytest.raises(Unprocessable) as unknown:
        await wechatpay.prepare(payment, Payer(user_id="u", openid="o"), "app")
    assert unknown.value.code == "unsupported_channel"
    assert fake_wechat.calls == []


async def test_someone_elses_payment_cannot_be_prepared(
    client: httpx.AsyncClient, wechatpay: WeChatPayProvider, fake_wechat: FakeWeChatPay
) -> None:
    _, payment_id = await open_payment(client)
    stranger, _ = await open_payment(client)
    response = await client.post(
        prepare_url(payment_id), json={"channel": "jsapi", "openid": "o"}, headers=stranger.headers
    )
    problem(response, 404, "payment_not_found")
    assert fake_wechat.calls == []


async def test_wechat_refusal_is_a_409_with_its_code(
    client: httpx.AsyncClient, wechatpay: WeChatPayProvider, fake_wechat: FakeWeChatPay
) -> None:
    buyer, payment_id = await open_payment(client)
    fake_wechat.error = (403, "ORDERPAID")
    response = await client.post(
        prepare_url(payment_id), json={"channel": "jsapi", "openid": "o"}, headers=buyer.headers
    )
    body = problem(response, 409, "provider_refused")
    assert body["provider_code"] == "ORDERPAID"


@pytest.mark.parametrize("failure", ["answer_signed_by_another_key", "server_error", "closed_port"])
async def test_unverifiable_or_missing_answers_are_a_503(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    keys: Keys,
    forget_wechatpay: None,
    failure: str,
) -> None:
    buyer, payment_id = await open_payment(client)
    if failure == "answer_signed_by_another_key":
        # The SDK checks each 2xx answer against the platform public key.
        fake_wechat.sign_with = keys.rogue
    elif failure == "server_error":
        fake_wechat.error = (500, "SYSTEM_ERROR")
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        registry.register(
            WeChatPayProvider(replace(wechatpay.config, api_base_url=f"http://127.0.0.1:{port}"))
        )
    response = await client.post(
        prepare_url(payment_id), json={"channel": "jsapi", "openid": "o"}, headers=buyer.headers
    )
    problem(response, 503, "provider_unreachable")
    assert (await load_payment(payment_id)).status == "pending"


async def test_registry_builds_the_provider_from_settings(
    client: httpx.AsyncClient,
    wechat_settings: None,
    forget_wechatpay: None,
    fake_wechat: FakeWeChatPay,
) -> None:
    provider = registry.get("wechatpay")
    assert isinstance(provider, WeChatPayProvider)
    assert provider.config.mchid == MCHID
    assert provider.config.refund_notify_url == f"{SHOP}/api/v1/payments/notify/wechatpay/refund"
    buyer, payment_id = await open_payment(client)
    response = await client.post(
        prepare_url(payment_id), json={"channel": "jsapi", "openid": "o"}, headers=buyer.headers
    )
    assert response.status_code == 200, response.text


async def test_unconfigured_wechatpay_is_refused_cleanly(
    client: httpx.AsyncClient,
    forget_wechatpay: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    wechat_settings: None,
) -> None:
    monkeypatch.delenv("QUANZI_WECHATPAY_APIV3_KEY")
    reset_settings()
    buyer, payment_id = await open_payment(client)
    response = await client.post(
        prepare_url(payment_id), json={"channel": "jsapi", "openid": "o"}, headers=buyer.headers
    )
    body = problem(response, 409, "provider_unavailable")
    assert "QUANZI_WECHATPAY_APIV3_KEY" in body["detail"]
    notify = await client.post("/api/v1/payments/notify/wechatpay", content=b"{}")
    problem(notify, 409, "provider_unavailable")

    monkeypatch.setenv("QUANZI_WECHATPAY_APIV3_KEY", "k" * 32)
    monkeypatch.setenv("QUANZI_WECHATPAY_PUBLIC_KEY_PATH", str(tmp_path / "missing.pem"))
    reset_settings()
    with pytest.raises(Conflict) as unreadable:
        WeChatPayProvider.from_settings(get_settings())
    assert unreadable.value.code == "provider_unavailable"
    assert "QUANZI_WECHATPAY_PUBLIC_KEY_PATH" in unreadable.value.detail


# --- refunds ---------------------------------------------------------------------------


def _unsaved(
    amount_fen: int = 2990, refund_fen: int = 1000, txn: str | None = "4200001"
) -> tuple[Payment, PaymentRefund]:
    payment = Payment(id=uuid.uuid4(), amount_fen=amount_fen, provider_txn_id=txn)
    refund = PaymentRefund(id=uuid.uuid4(), amount_fen=refund_fen, reason="尺码不合适")
    return payment, refund


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("SUCCESS", "succeeded"),
        ("PROCESSING", "pending"),
        ("ABNORMAL", "pending"),
        ("CLOSED", "failed"),
    ],
)
async def test_refund_answers_map_to_outcomes(
    wechatpay: WeChatPayProvider, fake_wechat: FakeWeChatPay, answer: str, status: str
) -> None:
    payment, refund = _unsaved()
    fake_wechat.refund_status = answer

    outcome = await wechatpay.refund(payment, refund)

    assert outcome.status == status
    assert outcome.provider_refund_id == fake_wechat.refund_ids[refund.id.hex]
    [call] = fake_wechat.calls
    assert call.path == "/v3/refund/domestic/refunds"
    assert call.signed_by_merchant
    assert call.body == {
        "notify_url": f"{SHOP}/api/v1/payments/notify/wechatpay/refund",
        "out_refund_no": refund.id.hex,
        "amount": {"refund": 1000, "total": 2990, "currency": "CNY"},
        "transaction_id": "4200001",
        "reason": "尺码不合适",
    }


async def test_refund_is_asked_again_under_the_same_number(
    wechatpay: WeChatPayProvider, fake_wechat: FakeWeChatPay
) -> None:
    payment, refund = _unsaved(txn=None)
    first = await wechatpay.refund(payment, refund)
    second = await wechatpay.refund(payment, refund)
    assert first.provider_refund_id == second.provider_refund_id
    assert [c.body["out_refund_no"] for c in fake_wechat.calls] == [refund.id.hex] * 2
    # Not yet known by its WeChat transaction id: refunded by our out_trade_no.
    assert fake_wechat.calls[0].body["out_trade_no"] == payment.id.hex
    assert "transaction_id" not in fake_wechat.calls[0].body


@pytest.mark.parametrize(
    ("error", "final"),
    [
        ((400, "INVALID_REQUEST"), True),
        ((400, "PARAM_ERROR"), True),
        ((403, "USER_ACCOUNT_ABNORMAL"), True),
        ((404, "RESOURCE_NOT_EXISTS"), True),
        ((403, "NOT_ENOUGH"), False),
        ((429, "FREQUENCY_LIMITED"), False),
        ((500, "SYSTEM_ERROR"), False),
        ((401, "SIGN_ERROR"), False),
    ],
)
async def test_refund_errors_are_final_or_retried(
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    error: tuple[int, str],
    final: bool,
) -> None:
    payment, refund = _unsaved()
    fake_wechat.error = error
    if final:
        outcome = await wechatpay.refund(payment, refund)
        assert outcome.status == "failed"
        assert outcome.detail.startswith(error[1])
    else:
        with pytest.raises(WeChatPayError) as raised:
            await wechatpay.refund(payment, refund)
        assert raised.value.code == error[1]


async def _paid(client: httpx.AsyncClient, notifier: Notifier) -> Payment:
    _, payment_id = await open_payment(client, amount_fen=2990)
    headers, body = notifier.signed(notifier.transaction(payment_id, 2990))
    response = await client.post("/api/v1/payments/notify/wechatpay", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return await load_payment(payment_id)


async def _request_refund(payment: Payment, amount_fen: int = 1000) -> uuid.UUID:
    async def ask(session: AsyncSession) -> uuid.UUID:
        refund = await payments.request_refund(
            session,
            payment_id=payment.id,
            amount_fen=amount_fen,
            reason="退货",
            key=f"t-{uuid.uuid4()}",
        )
        return refund.id

    # The refund is submitted to WeChat Pay after this transaction commits.
    return await db.transaction(ask)


async def test_refund_submitted_after_commit_and_settled_at_once(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    notifier: Notifier,
    published: list[object],
) -> None:
    payment = await _paid(client, notifier)
    fake_wechat.refund_status = "SUCCESS"

    refund_id = await _request_refund(payment)

    refund = await load_refund(refund_id)
    assert refund.status == "succeeded"
    assert refund.provider_refund_id == fake_wechat.refund_ids[refund_id.hex]
    assert fake_wechat.calls[-1].body["transaction_id"] == payment.provider_txn_id
    assert published[-1] == RefundSettled(refund_id, payment.id, 1000, "succeeded")

    async def transfers(session: AsyncSession) -> list[str]:
        result = await session.execute(
            select(LedgerTransfer.idempotency_key).where(LedgerTransfer.kind == "refund_paid")
        )
        return list(result.scalars())

    assert await db.transaction(transfers) == [f"refund-paid:{refund_id}"]


async def test_transient_refund_error_keeps_it_pending_with_the_error(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    notifier: Notifier,
) -> None:
    payment = await _paid(client, notifier)
    fake_wechat.error = (500, "SYSTEM_ERROR")
    refund_id = await _request_refund(payment)
    refund = await load_refund(refund_id)
    assert refund.status == "pending"
    assert refund.last_error is not None
    assert "SYSTEM_ERROR" in refund.last_error


async def _processing_refund(
    client: httpx.AsyncClient, notifier: Notifier, fake_wechat: FakeWeChatPay
) -> tuple[Payment, PaymentRefund]:
    payment = await _paid(client, notifier)
    fake_wechat.refund_status = "PROCESSING"
    refund = await load_refund(await _request_refund(payment))
    assert refund.status == "pending"
    return payment, refund


async def test_refund_notification_settles_a_processing_refund_once(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    notifier: Notifier,
    published: list[object],
) -> None:
    payment, refund = await _processing_refund(client, notifier, fake_wechat)
    resource = notifier.refund(refund, payment, "SUCCESS")
    headers, body = notifier.signed(resource, event_type="REFUND.SUCCESS")

    first = await client.post(NOTIFY_REFUND, content=body, headers=headers)
    replay = await client.post(NOTIFY_REFUND, content=body, headers=headers)

    assert first.status_code == 200, first.text
    assert replay.status_code == 200
    settled = await load_refund(refund.id)
    assert settled.status == "succeeded"
    assert settled.provider_refund_id == resource["refund_id"]
    assert [e for e in published if isinstance(e, RefundSettled)] == [
        RefundSettled(refund.id, payment.id, 1000, "succeeded")
    ]


async def test_closed_refund_notification_fails_the_refund(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    notifier: Notifier,
    published: list[object],
) -> None:
    payment, refund = await _processing_refund(client, notifier, fake_wechat)
    headers, body = notifier.signed(
        notifier.refund(refund, payment, "CLOSED"), event_type="REFUND.CLOSED"
    )
    assert (await client.post(NOTIFY_REFUND, content=body, headers=headers)).status_code == 200
    assert (await load_refund(refund.id)).status == "failed"
    assert published[-1] == RefundSettled(refund.id, payment.id, 1000, "failed")


@pytest.mark.parametrize(
    ("status", "changes", "http", "code"),
    [
        ("SUCCESS", {"amount": {"total": 2990, "refund": 999}}, 409, "amount_mismatch"),
        ("SUCCESS", {"amount": {"total": 2991, "refund": 1000}}, 409, "amount_mismatch"),
        ("SUCCESS", {"mchid": "1900000000"}, 422, "mchid_mismatch"),
        ("SUCCESS", {"out_refund_no": uuid.uuid4().hex}, 404, "unknown_refund"),
        ("SUCCESS", {"out_trade_no": uuid.uuid4().hex}, 404, "unknown_refund"),
        ("SUCCESS", {"refund_status": None}, 400, "malformed_notification"),
        ("ABNORMAL", {}, 200, None),
    ],
)
async def test_refund_notifications_that_change_nothing(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    notifier: Notifier,
    published: list[object],
    status: str,
    changes: dict[str, Any],
    http: int,
    code: str | None,
) -> None:
    payment, refund = await _processing_refund(client, notifier, fake_wechat)
    events_before = list(published)
    headers, body = notifier.signed(
        notifier.refund(refund, payment, status, **changes), event_type=f"REFUND.{status}"
    )
    response = await client.post(NOTIFY_REFUND, content=body, headers=headers)
    if code is None:
        assert response.status_code == http, response.text
    else:
        problem(response, http, code)
    assert (await load_refund(refund.id)).status == "pending"
    assert published == events_before


async def test_refund_notification_signature_is_checked(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    notifier: Notifier,
    keys: Keys,
) -> None:
    payment, refund = await _processing_refund(client, notifier, fake_wechat)
    body = notifier.body(notifier.refund(refund, payment), event_type="REFUND.SUCCESS")
    headers = notifier.headers(body, signer=keys.rogue)
    problem(
        await client.post(NOTIFY_REFUND, content=body, headers=headers), 400, "invalid_signature"
    )
    assert (await load_refund(refund.id)).status == "pending"


async def test_concurrent_refund_notifications_settle_once(
    client: httpx.AsyncClient,
    wechatpay: WeChatPayProvider,
    fake_wechat: FakeWeChatPay,
    notifier: Notifier,
    published: list[object],
) -> None:
    payment, refund = await _processing_refund(client, notifier, fake_wechat)
    resource = notifier.refund(refund, payment, "SUCCESS")
    deliveries = [notifier.signed(resource, event_type="REFUND.SUCCESS") for _ in range(4)]

    responses = await asyncio.gather(
        *(client.post(NOTIFY_REFUND, content=body, headers=headers) for headers, body in deliveries)
    )

    assert [r.status_code for r in responses] == [200] * 4
    assert (await load_refund(refund.id)).status == "succeeded"
    assert [e for e in published if isinstance(e, RefundSettled)] == [
        RefundSettled(refund.id, payment.id, 1000, "succeeded")
    ]
