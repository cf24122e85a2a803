"""Pure wallet rules: fees, limits, the legs of a withdrawal's life, balances."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from quanzi.core.errors import ProblemError
from quanzi.ledger import rules as accounts
from quanzi.ledger.rules import check_balanced
from quanzi.wallet.rules import (
    WithdrawalTerms,
    check_withdrawal,
    fee_fen,
    member_balances,
    paid_legs,
    request_legs,
    return_legs,
    shop_day,
)

MEMBER = uuid.UUID(int=7)


@pytest.mark.parametrize(
    ("amount", "fee_bp", "fee_min", "fee"),
    [
        (10_000, 0, 0, 0),
        (10_000, 60, 0, 60),
        # floor(1999 × 60 / 10000) = 11.994 → 11
        (1_999, 60, 0, 11),
        (1_000, 60, 100, 100),
        (100_000, 60, 100, 600),
        (1_000, 0, 200, 200),
    ],
)
def test_fee_is_a_floored_rate_with_a_minimum(
    amount: int, fee_bp: int, fee_min: int, fee: int
) -> None:
    assert fee_fen(amount, WithdrawalTerms(fee_bp=fee_bp, fee_min_fen=fee_min)) == fee


TERMS = WithdrawalTerms(min_amount_fen=1_000, daily_limit_fen=50_000, fee_bp=100, fee_min_fen=50)


@pytest.mark.parametrize(
    ("amount", "available", "today", "code"),
    [
        (999, 100_000, 0, "withdrawal_below_minimum"),
        (1_000, 100_000, 0, None),
        (40_000, 100_000, 10_000, None),
        (40_001, 100_000, 10_000, "daily_limit_exceeded"),
        # 10000 + fee 100 = 10100 needed
        (10_000, 10_100, 0, None),
        (10_000, 10_099, 0, "insufficient_balance"),
        # a debt (negative available) refuses everything
        (1_000, -500, 0, "insufficient_balance"),
    ],
)
def test_withdrawal_checks(amount: int, available: int, today: int, code: str | None) -> None:
    if code is None:
        assert check_withdrawal(
            amount, TERMS, available_fen=available, withdrawn_today_fen=today
        ) == fee_fen(amount, TERMS)
        return
    with pytest.raises(ProblemError) as refused:
        check_withdrawal(amount, TERMS, available_fen=available, withdrawn_today_fen=today)
    assert refused.value.code == code


def test_withdrawal_legs_balance_and_end_in_the_right_accounts() -> None:
    requested = request_legs(MEMBER, 10_000, 100)
    returned = return_legs(MEMBER, 10_000, 100)
    paid = paid_legs(10_000, 100)
    for legs in (requested, returned, paid, paid_legs(10_000, 0)):
        check_balanced(legs)
    assert (
        sum(leg.amount_fen for leg in requested if leg.account == accounts.member_available(MEMBER))
        == 10_100
    )
    assert {leg.account: leg.amount_fen for leg in paid} == {
        accounts.WITHDRAWAL_PAYABLE: 10_100,
        accounts.PAYOUT_CLEARING: -10_000,
        accounts.WITHDRAWAL_FEE_REVENUE: -100,
    }


@pytest.mark.parametrize(
    ("pending", "available", "expected"),
    [
        (-500, -1_200, (500, 1_200, 0)),
        (0, 0, (0, 0, 0)),
        # a clawback took 300 more than was there: shown as a debt, available 0
        (0, 300, (0, 0, 300)),
    ],
)
def test_balances_from_ledger_signs(
    pending: int, available: int, expected: tuple[int, int, int]
) -> None:
    b = member_balances(pending, available)
    assert (b.pending_fen, b.available_fen, b.debt_fen) == expected


def test_shop_day_turns_at_local_midnight() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    assert shop_day(datetime(2026, 11, 2, 15, 59, tzinfo=UTC), shanghai) == "2026-11-02"
    assert shop_day(datetime(2026, 11, 2, 16, 0, tzinfo=UTC), shanghai) == "2026-11-03"
