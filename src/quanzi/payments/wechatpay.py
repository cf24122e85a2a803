"""WeChat Pay API v3 (direct merchant, WeChat Pay public-key mode) through ``wechatpayv3``.

Outgoing calls (prepay, refund) go through the SDK, which signs each request with the
merchant key and checks the signature of each 2xx answer against the WeChat Pay public key.
The SDK is synchronous, so every call runs in a worker thread.

Incoming notifications are checked here with ``cryptography`` rather than with the SDK's
``callback()``: that one folds every failure into ``None``, verifies no timestamp, and would
read the real clock. Here each refusal has its own stable code and the replay window is
measured on Quanzi's clock.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import WeChatPay, WeChatPayType

from quanzi.core import clock
from quanzi.core.config import Settings
from quanzi.core.errors import BadRequest, Conflict, ServiceUnavailable, Unprocessable
from quanzi.payments.models import Payment, PaymentRefund
from quanzi.payments.provider import Payer, RefundOutcome

log = logging.getLogger("quanzi.payments.wechatpay")

PROVIDER = "wechatpay"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CURRENCY = "CNY"
# A real notification is about 1 KiB; anything far larger is not from WeChat Pay.
MAX_NOTIFICATION_BYTES = 64 * 1024
NOTIFY_PATH = "/api/v1/payments/notify/wechatpay"
REFUND_NOTIFY_PATH = "/api/v1/payments/notify/wechatpay/refund"

# Refund answers that will not change by asking again: the refund is over. Other errors
# (SYSTEM_ERROR, FREQUENCY_LIMITED, NOT_ENOUGH balance, a key or permission problem) are
# raised, so the refund stays pending with the error noted and the sweep asks again later.
_FINAL_REFUND_ERRORS = frozenset(
    {"INVALID_REQUEST", "PARAM_ERROR", "RESOURCE_NOT_EXISTS", "USER_ACCOUNT_ABNORMAL"}
)


class WeChatPayError(Exception):
    """WeChat Pay refused a call (``status`` is its HTTP status) or could not be reached
    or answered without a valid signature (``status`` is ``None``)."""

    def __init__(self, status: int | None, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"WeChat Pay {status or 'unreachable'} {code}: {message}"[:300])


@dataclass(frozen=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    merchant_private_key_pem: str = field(repr=False)
    merchant_serial_no: str
    apiv3_key: str = field(repr=False)
    platform_public_key_pem: str
    platform_public_key_id: str
    notify_url: str
    refund_notify_url: str
    api_base_url: str = "https://api.mch.weixin.qq.com"
    timeout_seconds: float = 10.0
    timestamp_tolerance_seconds: int = 300


@dataclass(frozen=True)
class Notification:
    """A notification whose signature, age and encryption were checked."""

    id: str
    event_type: str
    resource: dict[str, Any]


def _read(path: str, setting: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise Conflict(
            f"WeChat Pay is not configured: cannot read QUANZI_{setting.upper()} ({exc.strerror}).",
            code="provider_unavailable",
        ) from exc


def _load_platform_key(pem: str) -> RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("utf-8"))
    except ValueError as exc:
        raise Conflict(
            "WeChat Pay is not configured: the platform public key is not a PEM public key.",
            code="provider_unavailable",
        ) from exc
    if not isinstance(key, RSAPublicKey):
        raise Conflict(
            "WeChat Pay is not configured: the platform public key is not an RSA key.",
            code="provider_unavailable",
        )
    return key


class WeChatPayProvider:
    """The :class:`~quanzi.payments.provider.PaymentProvider` for WeChat Pay."""

    name = PROVIDER

    def __init__(self, config: WeChatPayConfig) -> None:
        if len(config.apiv3_key.encode("utf-8")) != 32:
            raise Conflict(
                "WeChat Pay is not configured: the APIv3 key must be 32 bytes.",
                code="provider_unavailable",
            )
        self.config = config
        self._platform_key = _load_platform_key(config.platform_public_key_pem)
        self._aead = AESGCM(config.apiv3_key.encode("utf-8"))
        try:
            self._client = WeChatPay(
                wechatpay_type=WeChatPayType.JSAPI,
                mchid=config.mchid,
                private_key=config.merchant_private_key_pem,
                cert_serial_no=config.merchant_serial_no,
                appid=config.appid,
                apiv3_key=config.apiv3_key,
                notify_url=config.notify_url,
                timeout=(config.timeout_seconds, config.timeout_seconds),
                public_key=config.platform_public_key_pem,
                public_key_id=config.platform_public_key_id,
            )
        except Exception as exc:  # the SDK raises bare Exception for an unreadable key
            raise Conflict(
                f"WeChat Pay is not configured: {exc}", code="provider_unavailable"
            ) from exc
        # The SDK has no parameter for its host; it keeps it in Core._gate_way. Refuse to
        # start if that ever changes rather than silently calling the production host.
        core = self._client._core
        if not isinstance(getattr(core, "_gate_way", None), str):
            raise RuntimeError("wechatpayv3 no longer keeps its host in Core._gate_way")
        core._gate_way = config.api_base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> WeChatPayProvider:
        """Build from ``QUANZI_WECHATPAY_*``; 409 ``provider_unavailable`` if incomplete."""
        required = {
            "wechatpay_mchid": settings.wechatpay_mchid,
            "wechatpay_appid": settings.wechatpay_appid,
            "wechatpay_private_key_path": settings.wechatpay_private_key_path,
            "wechatpay_cert_serial_no": settings.wechatpay_cert_serial_no,
            "wechatpay_apiv3_key": settings.wechatpay_apiv3_key,
            "wechatpay_public_key_path": settings.wechatpay_public_key_path,
            "wechatpay_public_key_id": settings.wechatpay_public_key_id,
        }
        missing = [f"QUANZI_{name.upper()}" for name, value in required.items() if not value]
        if missing:
            raise Conflict(
                f"WeChat Pay is not configured: set {', '.join(missing)}.",
                code="provider_unavailable",
            )
        base = settings.base_url.rstrip("/")
        return cls(
            WeChatPayConfig(
                mchid=settings.wechatpay_mchid,
                appid=settings.wechatpay_appid,
                merchant_private_key_pem=_read(
                    settings.wechatpay_private_key_path, "wechatpay_private_key_path"
                ),
                merchant_serial_no=settings.wechatpay_cert_serial_no,
                apiv3_key=settings.wechatpay_apiv3_key,
                platform_public_key_pem=_read(
                    settings.wechatpay_public_key_path, "wechatpay_public_key_path"
                ),
                platform_public_key_id=settings.wechatpay_public_key_id,
                notify_url=settings.wechatpay_notify_url or f"{base}{NOTIFY_PATH}",
                refund_notify_url=settings.wechatpay_refund_notify_url
                or f"{base}{REFUND_NOTIFY_PATH}",
                api_base_url=settings.wechatpay_api_base_url,
                timeout_seconds=settings.wechatpay_timeout_seconds,
                timestamp_tolerance_seconds=settings.wechatpay_timestamp_tolerance_seconds,
            )
        )

    # --- calls to WeChat Pay ----------------------------------------------------------

    async def _call(self, method: Callable[..., tuple[int, Any]], **kwargs: Any) -> dict[str, Any]:
        try:
            status, text = await asyncio.to_thread(method, **kwargs)
        except Exception as exc:  # network errors, and the SDK's refusal of a bad signature
            raise WeChatPayError(None, "UNREACHABLE", str(exc)) from exc
        try:
            data = json.loads(text) if text else {}
        except (TypeError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        if 200 <= status < 300:
            return data
        raise WeChatPayError(
            status, str(data.get("code") or f"HTTP_{status}"), str(data.get("message") or "")
        )

    async def prepare(self, payment: Payment, payer: Payer, channel: str) -> dict[str, Any]:
        """Place the order at WeChat Pay (JSAPI, H5 or Native) and return what the client
        needs to pay. Asking again for the same payment and payer gets the same prepay."""
        order: dict[str, Any] = {
            "description": payment.description or "Quanzi",
            "out_trade_no": payment.id.hex,
            "amount": {"total": payment.amount_fen, "currency": CURRENCY},
            "notify_url": self.config.notify_url,
        }
        if channel == "jsapi":
            if not payer.openid:
                raise Unprocessable(
                    "Paying inside WeChat needs the payer's openid.", code="openid_required"
                )
            order |= {"payer": {"openid": payer.openid}, "pay_type": WeChatPayType.JSAPI}
        elif channel == "h5":
            if not payer.client_ip:
                raise Unprocessable(
                    "H5 payment needs the payer's IP address.", code="client_ip_required"
                )
            scene = {"payer_client_ip": payer.client_ip, "h5_info": {"type": "Wap"}}
            order |= {"scene_info": scene, "pay_type": WeChatPayType.H5}
        elif channel == "native":
            order |= {"pay_type": WeChatPayType.NATIVE}
        else:
            raise Unprocessable(f"Unknown payment channel {channel!r}.", code="unsupported_channel")
        wanted = {"jsapi": "prepay_id", "h5": "h5_url", "native": "code_url"}[channel]
        try:
            answer = await self._call(self._client.pay, **order)
        except WeChatPayError as exc:
            log.warning("prepay of payment %s refused: %s", payment.id, exc)
            if exc.status is None or exc.status >= 500:
                raise ServiceUnavailable(
                    "WeChat Pay cannot be reached right now; please retry.",
                    code="provider_unreachable",
                ) from exc
            raise Conflict(
                f"WeChat Pay refused the payment: {exc.message or exc.code}",
                code="provider_refused",
                provider_code=exc.code,
            ) from exc
        value = answer.get(wanted)
        if not isinstance(value, str) or not value:
            raise ServiceUnavailable(
                f"WeChat Pay answered without {wanted}; please retry.", code="provider_unreachable"
            )
        if channel == "jsapi":
            return {"provider": PROVIDER, "channel": channel, **self.jsapi_parameters(value)}
        return {"provider": PROVIDER, "channel": channel, wanted: value}

    def jsapi_parameters(self, prepay_id: str) -> dict[str, str]:
        """The arguments of ``WeixinJSBridge``/``wx.requestPayment``, signed with the merchant
        key over ``appId\\ntimeStamp\\nnonceStr\\npackage\\n``."""
        timestamp = str(int(clock.now().timestamp()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        signature = self._client.sign([self.config.appid, timestamp, nonce, package])
        return {
            "appId": self.config.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": signature,
        }

    async def refund(self, payment: Payment, refund: PaymentRefund) -> RefundOutcome:
        """Ask for the refund; WeChat Pay keeps one refund per ``out_refund_no``, so asking
        again after a timeout or a crash returns the same refund instead of a second one."""
        request: dict[str, Any] = {
            "out_refund_no": refund.id.hex,
            "amount": {
                "refund": refund.amount_fen,
                "total": payment.amount_fen,
                "currency": CURRENCY,
            },
            "notify_url": self.config.refund_notify_url,
        }
        if payment.provider_txn_id:
            request["transaction_id"] = payment.provider_txn_id
        else:
            request["out_trade_no"] = payment.id.hex
        if refund.reason:
            request["reason"] = refund.reason[:80]
        try:
            answer = await self._call(self._client.refund, **request)
        except WeChatPayError as exc:
            if exc.status is not None and exc.code in _FINAL_REFUND_ERRORS:
                return RefundOutcome(status="failed", detail=f"{exc.code}: {exc.message}")
            raise
        status = answer.get("status")
        refund_id = answer.get("refund_id")
        provider_refund_id = refund_id if isinstance(refund_id, str) and refund_id else None
        if status == "SUCCESS":
            return RefundOutcome(status="succeeded", provider_refund_id=provider_refund_id)
        if status == "CLOSED":
            return RefundOutcome(
                status="failed", provider_refund_id=provider_refund_id, detail="CLOSED"
            )
        # PROCESSING (the usual answer), or ABNORMAL: the user's card refused the money and
        # WeChat Pay holds it until an operator redirects it in the merchant platform.
        return RefundOutcome(
            status="pending", provider_refund_id=provider_refund_id, detail=str(status or "")
        )

    # --- notifications from WeChat Pay ------------------------------------------------

    def open_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Check a notification's origin and age, and decrypt its resource.

        Raises 400 problems: ``missing_signature_headers``, ``unknown_serial`` (signed with
        a key other than the configured one), ``invalid_signature``, ``invalid_timestamp``,
        ``stale_notification`` (outside the replay window, either way),
        ``malformed_notification``, ``decryption_failed``; 413 ``notification_too_large``.
        """
        if len(body) > MAX_NOTIFICATION_BYTES:
            raise BadRequest(
                "The notification is too large.", code="notification_too_large", status=413
            )
        lowered = {key.lower(): value for key, value in headers.items()}
        signature = lowered.get("wechatpay-signature", "")
        timestamp = lowered.get("wechatpay-timestamp", "")
        nonce = lowered.get("wechatpay-nonce", "")
        serial = lowered.get("wechatpay-serial", "")
        if not (signature and timestamp and nonce and serial):
            raise BadRequest(
                "Wechatpay-Signature, -Timestamp, -Nonce and -Serial are required.",
                code="missing_signature_headers",
            )
        if lowered.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise BadRequest("Unsupported signature type.", code="invalid_signature")
        if serial != self.config.platform_public_key_id:
            raise BadRequest(
                "The notification is signed with an unknown WeChat Pay key.", code="unknown_serial"
            )
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        try:
            self._platform_key.verify(
                base64.b64decode(signature, validate=True),
                message,
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, binascii.Error, ValueError) as exc:
            raise BadRequest(
                "The notification's signature is invalid.", code="invalid_signature"
            ) from exc
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise BadRequest("Wechatpay-Timestamp is not a Unix time.", code="invalid_timestamp")
        age = clock.now().timestamp() - int(timestamp)
        if abs(age) > self.config.timestamp_tolerance_seconds:
            raise BadRequest(
                "The notification is outside the replay window.", code="stale_notification"
            )
        envelope = _json_object(body)
        resource = envelope.get("resource")
        if (
            envelope.get("resource_type") != "encrypt-resource"
            or not isinstance(resource, dict)
            or resource.get("algorithm") != "AEAD_AES_256_GCM"
            or not isinstance(resource.get("ciphertext"), str)
            or not isinstance(resource.get("nonce"), str)
            or not isinstance(resource.get("associated_data", ""), str)
        ):
            raise BadRequest(
                "The notification has no encrypted resource.", code="malformed_notification"
            )
        try:
            plaintext = self._aead.decrypt(
                resource["nonce"].encode("utf-8"),
                base64.b64decode(resource["ciphertext"], validate=True),
                resource.get("associated_data", "").encode("utf-8"),
            )
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise BadRequest(
                "The notification's resource cannot be decrypted.", code="decryption_failed"
            ) from exc
        return Notification(
            id=str(envelope.get("id", ""))[:64],
            event_type=str(envelope.get("event_type", ""))[:60],
            resource=_json_object(plaintext),
        )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("The notification is not JSON.", code="malformed_notification") from exc
    if not isinstance(value, dict):
        raise BadRequest("The notification is not a JSON object.", code="malformed_notification")
    return value
