"""The payment provider interface. Calls to a provider never run inside a transaction that
holds row locks: payments are prepared on request, refunds are submitted after commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from quanzi.payments.models import Payment, PaymentRefund


@dataclass(frozen=True)
class Payer:
    user_id: str
    openid: str | None = None
    client_ip: str | None = None


@dataclass(frozen=True)
class RefundOutcome:
    status: Literal["succeeded", "pending", "failed"]
    provider_refund_id: str | None = None
    detail: str = ""


class PaymentProvider(Protocol):
    name: str

    async def prepare(self, payment: Payment, payer: Payer, channel: str) -> dict[str, Any]:
        """What the client needs to pay (JSAPI parameters, an H5 URL, a sandbox link)."""
        ...

    async def refund(self, payment: Payment, refund: PaymentRefund) -> RefundOutcome:
        """Ask the provider to refund; must be idempotent by ``refund.id``."""
        ...
