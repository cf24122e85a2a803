"""Payouts: money the shop sends to a member (an approved withdrawal), through a provider.

Like refunds, a payout is submitted after the commit that decided it, never while holding
row locks, and must be idempotent by ``payout_id``: submitting the same payout again
returns the first outcome and never pays twice. The sandbox pays at once, in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from quanzi.core.config import get_settings
from quanzi.core.errors import Conflict


@dataclass(frozen=True)
class PayoutRequest:
    payout_id: str
    user_id: str
    amount_fen: int
    description: str


@dataclass(frozen=True)
class PayoutOutcome:
    status: Literal["succeeded", "pending", "failed"]
    provider_payout_id: str | None = None
    detail: str = ""


class PayoutProvider(Protocol):
    name: str

    async def pay_out(self, request: PayoutRequest) -> PayoutOutcome:
        """Send ``request.amount_fen`` to the member; idempotent by ``request.payout_id``."""
        ...


class SandboxPayouts:
    """No real money: every payout succeeds at once. ``paid`` keeps one outcome per
    payout id (what a real provider's idempotency guarantees) and ``calls`` counts every
    submission, so tests can see that a payout was sent once however often it was asked."""

    name = "sandbox"

    def __init__(self) -> None:
        self.paid: dict[str, tuple[PayoutRequest, PayoutOutcome]] = {}
        self.calls = 0

    async def pay_out(self, request: PayoutRequest) -> PayoutOutcome:
        self.calls += 1
        if request.payout_id not in self.paid:
            outcome = PayoutOutcome("succeeded", f"sandbox-payout-{request.payout_id}")
            self.paid[request.payout_id] = (request, outcome)
        return self.paid[request.payout_id][1]


sandbox = SandboxPayouts()
_providers: dict[str, PayoutProvider] = {sandbox.name: sandbox}


def register(provider: PayoutProvider) -> None:
    """Install ``provider`` under its name."""
    _providers[provider.name] = provider


def default_name() -> str:
    """Payouts go through the shop's payment provider."""
    return get_settings().payment_provider


def get(name: str) -> PayoutProvider:
    provider = _providers.get(name)
    if provider is None:
        raise Conflict(
            f"No payout provider {name!r} is configured; withdrawals cannot be paid out.",
            code="payout_provider_unavailable",
        )
    return provider
