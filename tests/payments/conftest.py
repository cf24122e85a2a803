"""WeChat Pay test kit: locally generated keys, notifications built exactly as WeChat Pay
builds them, and a real HTTP server on 127.0.0.1 playing the WeChat Pay API."""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quanzi.core import db, events
from quanzi.core.clock import FrozenClock
from quanzi.core.config import get_settings, reset_settings
from quanzi.payments import registry
from quanzi.payments import service as payments
from quanzi.payments.events import PaymentSucceeded, RefundSettled
from quanzi.payments.models import Payment, PaymentNotification, PaymentRefund
from quanzi.payments.wechatpay import WeChatPayProvider
from tests.helpers import Account, register

MCHID = "1900009191"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000091912025040100000000000001"
SHOP = "https://shop.example.cn"


@dataclass(frozen=True)
class Keys:
    merchant: RSAPrivateKey
    platform: RSAPrivateKey
    rogue: RSAPrivateKey
    apiv3_key: str


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_sign(key: RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verifies(key: RSAPublicKey, signature: str, message: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


@pytest.fixture(scope="session")
def keys() -> Keys:
    def new() -> RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    return Keys(new(), new(), new(), secrets.token_hex(16))


# --- WeChat Pay's side of a notification ----------------------------------------------


def encrypt_resource(
    apiv3_key: str, plaintext: dict[str, Any], associated_data: str = "transaction"
) -> dict[str, str]:
    nonce = secrets.token_hex(6)
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(plaintext).encode(), associated_data.encode()
    )
    return {
        "original_type": associated_data,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


@dataclass
class Notifier:
    """Builds notifications as WeChat Pay sends them: the resource encrypted with the
    APIv3 key (AES-256-GCM), ``timestamp\\nnonce\\nbody\\n`` signed with the platform key."""

    keys: Keys
    clock: FrozenClock

    def transaction(self, payment_id: uuid.UUID, amount_fen: int, **changes: Any) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "appid": APPID,
            "mchid": MCHID,
            "out_trade_no": payment_id.hex,
            "transaction_id": "4200002" + secrets.token_hex(12)[:25],
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "CMC",
            "attach": "",
            "success_time": self.clock.now().isoformat(),
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {
                "total": amount_fen,
                "payer_total": amount_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        resource.update(changes)
        return resource

    def refund(
        self, refund: PaymentRefund, payment: Payment, status: str = "SUCCESS", **changes: Any
    ) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "mchid": MCHID,
            "out_trade_no": payment.id.hex,
            "transaction_id": payment.provider_txn_id,
            "out_refund_no": refund.id.hex,
            "refund_id": "50000" + refund.id.hex[:24],
            "refund_status": status,
            "success_time": self.clock.now().isoformat(),
            "user_received_account": "招商银行信用卡0403",
            "amount": {
                "total": payment.amount_fen,
                "refund": refund.amount_fen,
                "payer_total": payment.amount_fen,
                "payer_refund": refund.amount_fen,
            },
        }
        resource.update(changes)
        return resource

    def body(
        self,
        resource: dict[str, Any],
        *,
        event_type: str = "TRANSACTION.SUCCESS",
        apiv3_key: str | None = None,
    ) -> bytes:
        original = "refund" if event_type.startswith("REFUND") else "transaction"
        envelope = {
            "id": str(uuid.uuid4()),
            "create_time": self.clock.now().isoformat(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": encrypt_resource(apiv3_key or self.keys.apiv3_key, resource, original),
        }
        return json.dumps(envelope, ensure_ascii=False).encode()

    def headers(
        self,
        body: bytes,
        *,
        signer: RSAPrivateKey | None = None,
        serial: str = PUBLIC_KEY_ID,
        timestamp: str | None = None,
    ) -> dict[str, str]:
        timestamp = timestamp or str(int(self.clock.now().timestamp()))
        nonce = secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        return {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": rsa_sign(signer or self.keys.platform, message),
            "Wechatpay-Serial": serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def signed(self, resource: dict[str, Any], **kwargs: Any) -> tuple[dict[str, str], bytes]:
        body = self.body(resource, **kwargs)
        return self.headers(body), body


@pytest.fixture
def notifier(keys: Keys, clock: FrozenClock) -> Notifier:
    return Notifier(keys, clock)


# --- a local stand-in for api.mch.weixin.qq.com ---------------------------------------


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    signed_by_merchant: bool


_AUTH = re.compile(r'(\w+)="([^"]*)"')


def merchant_signed(
    merchant: RSAPublicKey, authorization: str, method: str, path: str, body: bytes
) -> bool:
    scheme, _, params = authorization.partition(" ")
    fields = dict(_AUTH.findall(params))
    if scheme != "WECHATPAY2-SHA256-RSA2048" or fields.get("mchid") != MCHID:
        return False
    if fields.get("serial_no") != MERCHANT_SERIAL:
        return False
    message = (
        f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n".encode()
        + body
        + b"\n"
    )
    return rsa_verifies(merchant, fields.get("signature", ""), message)


@dataclass
class FakeWeChatPay:
    """Checks each request's merchant signature like WeChat Pay (401 SIGN_ERROR if wrong),
    answers like WeChat Pay, and signs each answer with ``sign_with`` (the platform key)."""

    keys: Keys
    calls: list[Call] = field(default_factory=list)
    refund_status: str = "PROCESSING"
    error: tuple[int, str] | None = None
    sign_with: RSAPrivateKey | None = None
    refund_ids: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        self.calls.clear()
        self.refund_status = "PROCESSING"
        self.error = None
        self.sign_with = None
        self.refund_ids.clear()

    def answer(self, status: int, payload: dict[str, Any]) -> Response:
        body = json.dumps(payload)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = rsa_sign(
            self.sign_with or self.keys.platform, f"{timestamp}\n{nonce}\n{body}\n".encode()
        )
        return Response(
            body,
            status_code=status,
            media_type="application/json",
            headers={
                "Wechatpay-Timestamp": timestamp,
                "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature": signature,
                "Wechatpay-Serial": PUBLIC_KEY_ID,
                "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            },
        )

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        signed = merchant_signed(
            self.keys.merchant.public_key(),
            request.headers.get("authorization", ""),
            request.method,
            path,
            raw,
        )
        body = json.loads(raw) if raw else {}
        self.calls.append(Call(request.method, path, body, dict(request.headers), signed))
        if not signed:
            return self.answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        if self.error is not None:
            status, code = self.error
            return self.answer(status, {"code": code, "message": f"{code} (test)"})
        if path == "/v3/pay/transactions/jsapi":
            return self.answer(200, {"prepay_id": prepay_id(body["out_trade_no"])})
        if path == "/v3/pay/transactions/h5":
            return self.answer(
                200, {"h5_url": f"https://wx.tenpay.com/pay?t={body['out_trade_no']}"}
            )
        if path == "/v3/pay/transactions/native":
            return self.answer(
                200, {"code_url": f"weixin://wxpay/bizpayurl?pr={body['out_trade_no']}"}
            )
        if path == "/v3/refund/domestic/refunds":
            # WeChat Pay keeps one refund per out_refund_no: asking again returns it.
            refund_id = self.refund_ids.setdefault(
                body["out_refund_no"], "50000" + secrets.token_hex(12)
            )
            return self.answer(
                200,
                {
                    "refund_id": refund_id,
                    "out_refund_no": body["out_refund_no"],
                    "status": self.refund_status,
                    "amount": body["amount"],
                },
            )
        return self.answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "no such API"})


def prepay_id(out_trade_no: str) -> str:
    return f"wx2017033010242291fcfe0db70013231072-{out_trade_no[:8]}"


@dataclass
class LocalServer:
    fake: FakeWeChatPay
    base_url: str


@pytest.fixture(scope="session")
def wechat_server(keys: Keys) -> Iterator[LocalServer]:
    fake = FakeWeChatPay(keys)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/v3/{rest:path}", fake.handle, methods=["GET", "POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "local WeChat Pay stopped"
        assert time.monotonic() < deadline, "local WeChat Pay did not start"
        time.sleep(0.01)
    yield LocalServer(fake, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def fake_wechat(wechat_server: LocalServer) -> Iterator[FakeWeChatPay]:
    wechat_server.fake.reset()
    yield wechat_server.fake
    wechat_server.fake.reset()


# --- Quanzi configured for WeChat Pay -------------------------------------------------


@pytest.fixture
def wechat_settings(
    database: str,
    keys: Keys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wechat_server: LocalServer,
) -> Iterator[None]:
    """``QUANZI_WECHATPAY_*`` pointing at key files in ``tmp_path`` and at the local server."""
    merchant_key = tmp_path / "apiclient_key.pem"
    merchant_key.write_text(private_pem(keys.merchant))
    platform_key = tmp_path / "pub_key.pem"
    platform_key.write_text(public_pem(keys.platform))
    env = {
        "BASE_URL": SHOP,
        "WECHATPAY_MCHID": MCHID,
        "WECHATPAY_APPID": APPID,
        "WECHATPAY_PRIVATE_KEY_PATH": str(merchant_key),
        "WECHATPAY_CERT_SERIAL_NO": MERCHANT_SERIAL,
        "WECHATPAY_APIV3_KEY": keys.apiv3_key,
        "WECHATPAY_PUBLIC_KEY_PATH": str(platform_key),
        "WECHATPAY_PUBLIC_KEY_ID": PUBLIC_KEY_ID,
        "WECHATPAY_API_BASE_URL": wechat_server.base_url,
        "WECHATPAY_TIMEOUT_SECONDS": "5",
    }
    for name, value in env.items():
        monkeypatch.setenv(f"QUANZI_{name}", value)
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def forget_wechatpay() -> Iterator[None]:
    """Whatever a test installs under "wechatpay" in the registry is gone afterwards."""
    yield
    registry._providers.pop("wechatpay", None)


@pytest.fixture
def wechatpay(app: Any, wechat_settings: None, forget_wechatpay: None) -> WeChatPayProvider:
    provider = WeChatPayProvider.from_settings(get_settings())
    registry.register(provider)
    return provider


@pytest.fixture
def published(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Payments' domain events, seen by no other module (payments tests stand alone)."""
    seen: list[object] = []
    monkeypatch.setattr(events, "_handlers", defaultdict(list))

    async def keep(_: AsyncSession, event: object) -> None:
        seen.append(event)

    events.subscribe(PaymentSucceeded, keep)
    events.subscribe(RefundSettled, keep)
    return seen


# --- small helpers ---------------------------------------------------------------------


async def open_payment(
    client: httpx.AsyncClient, *, amount_fen: int = 2990, provider: str = "wechatpay"
) -> tuple[Account, uuid.UUID]:
    """A real user (registered through the API) and a pending payment of theirs."""
    buyer = await register(client, name="Buyer")

    async def create(session: AsyncSession) -> uuid.UUID:
        payment = await payments.create_payment(
            session,
            payable_type="order",
            payable_id=uuid.uuid4(),
            user_id=uuid.UUID(buyer.id),
            amount_fen=amount_fen,
            description="圈子 test order",
            provider=provider,
        )
        return payment.id

    return buyer, await db.transaction(create)


async def load_payment(payment_id: uuid.UUID) -> Payment:
    async def read(session: AsyncSession) -> Payment:
        return await payments.get_payment(session, payment_id)

    return await db.transaction(read)


async def load_refund(refund_id: uuid.UUID) -> PaymentRefund:
    async def read(session: AsyncSession) -> PaymentRefund:
        refund = await session.get(PaymentRefund, refund_id)
        assert refund is not None
        return refund

    return await db.transaction(read)


async def notification_count() -> int:
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(PaymentNotification)) or 0)

    return await db.transaction(count)
