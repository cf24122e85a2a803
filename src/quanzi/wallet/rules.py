"""Pure wallet rules: withdrawal fees and limits, the ledger legs of a withdrawal's life,
and how a member's balances read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from quanzi.core.errors import Conflict, Unprocessable
from quanzi.core.money import apply_rate, format_yuan
from quanzi.ledger import rules as accounts
from quanzi.ledger.rules import Leg

REQUESTED = "requested"
APPROVED = "approved"
PAID = "paid"
REJECTED = "rejected"
FAILED = "failed"
STATUSES = (REQUESTED, APPROVED, PAID, REJECTED, FAILED)
# Withdrawals whose money is still on its way out (counted in ``withdrawing_fen`` and
# against the daily limit together with paid ones).
IN_FLIGHT = (REQUESTED, APPROVED)
COUNTED_TODAY = (REQUESTED, APPROVED, PAID)


@dataclass(frozen=True)
class WithdrawalTerms:
    """Operator settings: the smallest withdrawal, the most per member and shop day, and
    the fee (``fee_bp`` of the amount, at least ``fee_min_fen``), paid on top."""

    min_amount_fen: int = 1_000
    daily_limit_fen: int = 500_000
    fee_bp: int = 0
    fee_min_fen: int = 0


def fee_fen(amount_fen: int, terms: WithdrawalTerms) -> int:
    """``max(floor(amount × fee_bp / 10000), fee_min_fen)``."""
    return max(apply_rate(amount_fen, terms.fee_bp), terms.fee_min_fen)


def check_withdrawal(
    amount_fen: int,
    terms: WithdrawalTerms,
    *,
    available_fen: int,
    withdrawn_today_fen: int,
) -> int:
    """The fee of a withdrawal of ``amount_fen``, or the reason it is refused: below the
    minimum (422), over the day's limit (409) or more than the available balance with the
    fee (409)."""
    if amount_fen < terms.min_amount_fen:
        raise Unprocessable(
            f"The smallest withdrawal is {format_yuan(terms.min_amount_fen)}.",
            code="withdrawal_below_minimum",
            min_amount_fen=terms.min_amount_fen,
        )
    if withdrawn_today_fen + amount_fen > terms.daily_limit_fen:
        raise Conflict(
            f"At most {format_yuan(terms.daily_limit_fen)} can be withdrawn per day; "
            f"{format_yuan(max(0, terms.daily_limit_fen - withdrawn_today_fen))} is left today.",
            code="daily_limit_exceeded",
            remaining_today_fen=max(0, terms.daily_limit_fen - withdrawn_today_fen),
        )
    fee = fee_fen(amount_fen, terms)
    if amount_fen + fee > available_fen:
        raise Conflict(
            f"The available balance is {format_yuan(max(0, available_fen))}; this withdrawal "
            f"needs {format_yuan(amount_fen + fee)} with its fee.",
            code="insufficient_balance",
            available_fen=max(0, available_fen),
            fee_fen=fee,
        )
    return fee


def shop_day(at: datetime, timezone: ZoneInfo) -> str:
    """The shop's calendar day (``YYYY-MM-DD``) of ``at``: daily limits reset at local
    midnight."""
    return at.astimezone(timezone).date().isoformat()


# --- ledger legs ---------------------------------------------------------------------------


def request_legs(member_id: uuid.UUID, amount_fen: int, fee: int) -> list[Leg]:
    """Requested: amount and fee leave the member's available balance, held as payable."""
    return [
        Leg(accounts.member_available(member_id), amount_fen + fee),
        Leg(accounts.WITHDRAWAL_PAYABLE, -(amount_fen + fee)),
    ]


def return_legs(member_id: uuid.UUID, amount_fen: int, fee: int) -> list[Leg]:
    """Rejected or failed at the provider: everything held goes back to the member."""
    return [
        Leg(accounts.WITHDRAWAL_PAYABLE, amount_fen + fee),
        Leg(accounts.member_available(member_id), -(amount_fen + fee)),
    ]


def paid_legs(amount_fen: int, fee: int) -> list[Leg]:
    """Paid out: the amount leaves through the payout provider, the fee is the shop's."""
    legs = [
        Leg(accounts.WITHDRAWAL_PAYABLE, amount_fen + fee),
        Leg(accounts.PAYOUT_CLEARING, -amount_fen),
    ]
    if fee:
        legs.append(Leg(accounts.WITHDRAWAL_FEE_REVENUE, -fee))
    return legs


# --- balances --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balances:
    pending_fen: int
    available_fen: int
    debt_fen: int


def member_balances(pending_balance: int, available_balance: int) -> Balances:
    """From the ledger balances (debits positive) of a member's two liability accounts: a
    credit balance is money owed to the member; a debit balance on available is a debt
    (clawbacks beyond what was there), repaid by later earnings."""
    available = -available_balance
    return Balances(
        pending_fen=-pending_balance,
        available_fen=max(0, available),
        debt_fen=max(0, -available),
    )
