"""The sandbox provider: no real money. A payment is confirmed by
``POST /api/v1/payments/{id}/sandbox/confirm``, which goes through the same code path as a
real provider notification; refunds succeed at once."""

from __future__ import annotations

from typing import Any

from quanzi.core.config import get_settings
from quanzi.payments.models import Payment, PaymentRefund
from quanzi.payments.provider import Payer, RefundOutcome


class SandboxProvider:
    name = "sandbox"

    async def prepare(self, payment: Payment, payer: Payer, channel: str) -> dict[str, Any]:
        base = get_settings().base_url.rstrip("/")
        return {
            "provider": self.name,
            "channel": channel,
            "confirm_url": f"{base}/api/v1/payments/{payment.id}/sandbox/confirm",
            "amount_fen": payment.amount_fen,
        }

    async def refund(self, payment: Payment, refund: PaymentRefund) -> RefundOutcome:
        return RefundOutcome(status="succeeded", provider_refund_id=f"sandbox-refund-{refund.id}")
