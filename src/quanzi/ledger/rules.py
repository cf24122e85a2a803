"""Pure ledger rules: account kinds and the balance check."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from quanzi.core.money import MAX_AMOUNT_FEN

# Fixed platform accounts (DOMAIN-RULES.md "Ledger accounts").
PROVIDER_CLEARING = "provider_clearing"
SALES_REVENUE = "sales_revenue"
MEMBERSHIP_REVENUE = "membership_revenue"
SHIPPING_REVENUE = "shipping_revenue"
COMMISSION_EXPENSE = "commission_expense"
BASE_PAY_EXPENSE = "base_pay_expense"
SUBSIDY_EXPENSE = "subsidy_expense"
DISCOUNT_EXPENSE = "discount_expense"
WITHDRAWAL_PAYABLE = "withdrawal_payable"
# Refunds decided but not yet paid out by the provider.
REFUNDS_PAYABLE = "refunds_payable"
PAYOUT_CLEARING = "payout_clearing"
# Fees members pay on withdrawals.
WITHDRAWAL_FEE_REVENUE = "withdrawal_fee_revenue"

_KIND_BY_PREFIX = {
    PROVIDER_CLEARING: "asset",
    PAYOUT_CLEARING: "asset",
    SALES_REVENUE: "revenue",
    MEMBERSHIP_REVENUE: "revenue",
    SHIPPING_REVENUE: "revenue",
    WITHDRAWAL_FEE_REVENUE: "revenue",
    COMMISSION_EXPENSE: "expense",
    BASE_PAY_EXPENSE: "expense",
    SUBSIDY_EXPENSE: "expense",
    DISCOUNT_EXPENSE: "expense",
    WITHDRAWAL_PAYABLE: "liability",
    REFUNDS_PAYABLE: "liability",
    "supplier_payable": "liability",
    # Supply cost of group orders not yet produced: owed once their batch is produced.
    "supplier_accrued": "liability",
    "member_pending": "liability",
    "member_available": "liability",
}


def supplier_payable(supplier_id: object) -> str:
    return f"supplier_payable:{supplier_id}"


def supplier_accrued(supplier_id: object) -> str:
    return f"supplier_accrued:{supplier_id}"


def member_pending(member_id: object) -> str:
    return f"member_pending:{member_id}"


def member_available(member_id: object) -> str:
    return f"member_available:{member_id}"


# Account ids are derived from their codes: a transfer knows every id without a lookup.
_ACCOUNT_NAMESPACE = uuid.UUID("5b0f2d7e-9c4a-4e61-8a3b-2f1d6c7e9a40")


def account_id(code: str) -> uuid.UUID:
    """The id of the ledger account named ``code`` (the same in every database)."""
    return uuid.uuid5(_ACCOUNT_NAMESPACE, code)


def account_kind(code: str) -> str:
    """``asset``/``liability``/``revenue``/``expense`` from an account code."""
    prefix = code.split(":", 1)[0]
    try:
        return _KIND_BY_PREFIX[prefix]
    except KeyError:
        raise ValueError(f"unknown ledger account {code!r}") from None


@dataclass(frozen=True)
class Leg:
    """``amount_fen`` > 0 debits ``account``; < 0 credits it."""

    account: str
    amount_fen: int


def check_balanced(legs: Sequence[Leg]) -> None:
    """Refuse a transfer that does not sum to zero or carries an absurd amount."""
    if len(legs) < 2:
        raise ValueError("a transfer needs at least two legs")
    for leg in legs:
        if leg.amount_fen == 0:
            raise ValueError("a leg of zero moves nothing")
        if abs(leg.amount_fen) > MAX_AMOUNT_FEN:
            raise ValueError("amount out of range")
        account_kind(leg.account)
    if sum(leg.amount_fen for leg in legs) != 0:
        raise ValueError("unbalanced transfer: legs must sum to zero")


def merge_legs(legs: Sequence[Leg]) -> list[Leg]:
    """Combine legs on the same account and drop those that net to zero."""
    totals: dict[str, int] = {}
    for leg in legs:
        totals[leg.account] = totals.get(leg.account, 0) + leg.amount_fen
    return [Leg(account, amount) for account, amount in totals.items() if amount != 0]
