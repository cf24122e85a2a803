"""Pure commission rules: the split (floor rounding, skipped levels), the proportional
reversal, the plan validator's refusals and warnings, and the ledger legs."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from quanzi.ledger import rules as accounts
from quanzi.ledger.rules import Leg, check_balanced
from quanzi.referral.commission.compliance import MAX_TOTAL_RATE_BP, check_plan
from quanzi.referral.commission.rules import (
    DEFAULT_PLAN,
    Plan,
    SaleLine,
    Share,
    accrual_legs,
    earns_base_pay,
    pay_month,
    plan_from_terms,
    previous_month,
    release_legs,
    reversal_fen,
    reversal_legs,
    split_commission,
)

A, B, C, D, BUYER = (uuid.UUID(int=i) for i in (1, 2, 3, 4, 99))
SKU, OTHER_SKU = uuid.UUID(int=1000), uuid.UUID(int=1001)
L1, L2 = uuid.UUID(int=500), uuid.UUID(int=501)


def plan(**changes: object) -> Plan:
    return replace(DEFAULT_PLAN, **changes)  # type: ignore[arg-type]


def line(
    paid_fen: int, line_id: uuid.UUID = L1, sku: uuid.UUID = SKU, category: str = "茶"
) -> SaleLine:
    return SaleLine(line_id, sku, category, paid_fen)


# --- the split ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid_fen", "share_rate", "overrides", "expected"),
    [
        # floor(9999 × 1000 / 10000) = 999 (999.9 rounds down), floor(9999 × 300 / 10000) = 299
        (9_999, 1_000, (300,), [(1, 999), (2, 299)]),
        (10_000, 1_000, (300,), [(1, 1_000), (2, 300)]),
        # 9 fen at 10 %: 0.9 fen is nothing; the upline's 0.27 fen too: no rows at all
        (9, 1_000, (300,), []),
        (10, 1_000, (300,), [(1, 1)]),
        # three levels: 12345 × {800, 250, 50} / 10000 = 987.6, 308.625, 61.725
        (12_345, 800, (250, 50), [(1, 987), (2, 308), (3, 61)]),
        # depth 1 plan: only the sharer
        (5_000, 1_500, (), [(1, 750)]),
    ],
)
def test_split_rounds_each_level_down_to_the_fen(
    paid_fen: int, share_rate: int, overrides: tuple[int, ...], expected: list[tuple[int, int]]
) -> None:
    p = plan(share_rate_bp=share_rate, override_rates_bp=overrides)
    shares = split_commission(p, [line(paid_fen)], [A, B, C], earners={A, B, C}, buyer_id=BUYER)
    assert [(s.level, s.amount_fen) for s in shares] == expected
    assert all(s.base_fen == paid_fen for s in shares)
    assert [s.beneficiary_id for s in shares] == [A, B, C][: len(expected)]


def test_split_uses_at_most_the_plan_depth() -> None:
    shares = split_commission(
        DEFAULT_PLAN, [line(10_000)], [A, B, C, D], earners={A, B, C, D}, buyer_id=BUYER
    )
    assert [(s.beneficiary_id, s.level) for s in shares] == [(A, 1), (B, 2)]


@pytest.mark.parametrize(
    ("earners", "expected"),
    [
        ({A, B}, [(A, 1, 1_000), (B, 2, 300)]),
        # the sharer is not a member: their share is paid to nobody, the upline keeps level 2
        ({B}, [(B, 2, 300)]),
        # the upline is not a member: their override is not passed up to anyone
        ({A, C}, [(A, 1, 1_000)]),
        (set(), []),
    ],
)
def test_non_earning_levels_are_skipped_not_passed_up(
    earners: set[uuid.UUID], expected: list[tuple[uuid.UUID, int, int]]
) -> None:
    shares = split_commission(
        DEFAULT_PLAN, [line(10_000)], [A, B, C], earners=earners, buyer_id=BUYER
    )
    assert [(s.beneficiary_id, s.level, s.amount_fen) for s in shares] == expected


def test_the_buyer_never_earns_on_their_own_purchase() -> None:
    shares = split_commission(
        DEFAULT_PLAN, [line(10_000)], [A, BUYER], earners={A, BUYER}, buyer_id=BUYER
    )
    assert [(s.beneficiary_id, s.level) for s in shares] == [(A, 1)]


def test_sku_rate_beats_category_rate_beats_share_rate() -> None:
    p = plan(category_rates_bp={"茶": 1_500}, sku_rates_bp={str(OTHER_SKU): 2_000})
    lines = [
        line(10_000, L1, SKU, "茶"),
        line(10_000, L2, OTHER_SKU, "茶"),
        line(10_000, uuid.UUID(int=502), SKU, "水果"),
    ]
    shares = split_commission(p, lines, [A], earners={A}, buyer_id=BUYER)
    assert [s.rate_bp for s in shares] == [1_500, 2_000, 1_000]
    assert [s.amount_fen for s in shares] == [1_500, 2_000, 1_000]


def test_a_manager_upline_adds_the_rank_override() -> None:
    p = plan(rank_override_bp={"sales_manager": 200, "service_manager": 400})
    shares = split_commission(
        p,
        [line(10_000)],
        [A, B],
        earners={A, B},
        buyer_id=BUYER,
        # the sharer's own rank never changes the sharer's rate
        ranks={A: "service_manager", B: "sales_manager"},
    )
    assert [(s.level, s.rate_bp, s.amount_fen) for s in shares] == [
        (1, 1_000, 1_000),
        (2, 500, 500),
    ]


def test_split_per_line_then_per_level() -> None:
    shares = split_commission(
        DEFAULT_PLAN, [line(3_333, L1), line(6_667, L2)], [A, B], earners={A, B}, buyer_id=BUYER
    )
    assert [(s.line_id, s.level, s.amount_fen) for s in shares] == [
        (L1, 1, 333),
        (L2, 1, 666),
        (L1, 2, 99),
        (L2, 2, 200),
    ]


# --- reversal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "base", "refunds", "expected"),
    [
        # one full refund takes everything
        (999, 9_999, [9_999], [999]),
        # 999 × 3333 / 9999 = 333 exactly: three thirds take it all
        (999, 9_999, [3_333, 3_333, 3_333], [333, 333, 333]),
        # floor(100 × 1 / 3) = 33, floor(100 × 1 / 3) = 33, the last takes the 34 left
        (100, 3, [1, 1, 1], [33, 33, 34]),
        # partial refunds only: what is left stays
        (1_000, 10_000, [2_500], [250]),
        (7, 10_000, [1], [0]),
        # a small refund first, then the rest: the rest takes all that remains
        (299, 9_999, [1, 9_998], [0, 299]),
    ],
)
def test_reversal_is_proportional_and_the_last_refund_takes_the_rest(
    amount: int, base: int, refunds: list[int], expected: list[int]
) -> None:
    reversed_fen = refunded = 0
    taken = []
    for refund in refunds:
        part = reversal_fen(
            amount_fen=amount,
            reversed_fen=reversed_fen,
            base_fen=base,
            refunded_before_fen=refunded,
            refund_fen=refund,
        )
        taken.append(part)
        reversed_fen += part
        refunded += refund
    assert taken == expected
    if refunded == base:
        assert reversed_fen == amount


# --- plan validation -----------------------------------------------------------------------


def rules_of(p: Plan) -> tuple[list[str], list[str]]:
    check = check_plan(p)
    return [f.rule for f in check.errors], [f.rule for f in check.warnings]


def test_the_default_plan_is_compliant_and_two_levels_deep() -> None:
    assert DEFAULT_PLAN.version == 1
    assert DEFAULT_PLAN.depth == 2
    assert (DEFAULT_PLAN.share_rate_bp, DEFAULT_PLAN.override_rates_bp) == (1_000, (300,))
    assert DEFAULT_PLAN.freeze_days == 7
    assert DEFAULT_PLAN.rank_thresholds == {"sales_manager": 90, "service_manager": 900}
    assert DEFAULT_PLAN.base_pay_fen == {"sales_manager": 50_000, "service_manager": 300_000}
    assert DEFAULT_PLAN.earning == "members"
    assert rules_of(DEFAULT_PLAN) == ([], [])


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ((), []),
        ((300,), []),
        ((300, 100), []),
        ((300, 100, 50), ["max_depth"]),
        ((1, 1, 1, 1, 1), ["max_depth"]),
    ],
)
def test_depth_beyond_three_levels_is_refused(
    overrides: tuple[int, ...], errors: list[str]
) -> None:
    assert rules_of(plan(override_rates_bp=overrides))[0] == errors


def test_the_depth_refusal_names_the_rule_and_the_law() -> None:
    (finding,) = check_plan(plan(override_rates_bp=(300, 100, 50))).errors
    assert finding.rule == "max_depth"
    assert "max_depth" in finding.message
    assert "4 levels" in finding.message
    assert "禁止传销条例" in finding.message
    assert "pyramid" in finding.message


@pytest.mark.parametrize(
    "changes",
    [
        {"membership_fee_rate_bp": 100},
        {"recruit_reward_fen": 1},
        {"membership_fee_rate_bp": 1, "recruit_reward_fen": 5000},
    ],
)
def test_paying_for_recruiting_is_refused(changes: dict[str, int]) -> None:
    (finding,) = check_plan(plan(**changes)).errors
    assert finding.rule == "no_entry_fee_reward"
    assert "入门费" in finding.message
    assert "禁止传销条例" in finding.message


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"share_rate_bp": -1}, "rate_range"),
        ({"override_rates_bp": (10_001,)}, "rate_range"),
        ({"category_rates_bp": {"茶": -5}}, "rate_range"),
        ({"share_rate_bp": 4_700, "override_rates_bp": (301,)}, "max_total_rate"),
        ({"share_rate_bp": 4_700, "override_rates_bp": (300,)}, None),
        # the best category / SKU rate counts as the sharer's
        ({"sku_rates_bp": {str(SKU): 4_800}}, "max_total_rate"),
        ({"category_rates_bp": {"茶": 4_700}}, None),
        # a rank override may land on every upline level
        (
            {
                "override_rates_bp": (1_000, 1_000),
                "rank_override_bp": {"sales_manager": 1_001, "service_manager": 0},
            },
            "max_total_rate",
        ),
        (
            {
                "override_rates_bp": (1_000, 1_000),
                "rank_override_bp": {"sales_manager": 1_000, "service_manager": 999},
            },
            None,
        ),
        (
            {
                "override_rates_bp": (1_000, 1_000),
                "rank_override_bp": {"sales_manager": 500, "service_manager": 500},
            },
            None,
        ),
    ],
)
def test_rates_out_of_range_or_over_the_cap_are_refused(
    changes: dict[str, object], error: str | None
) -> None:
    assert rules_of(plan(**changes))[0] == ([] if error is None else [error])


def test_the_cap_is_documented_as_half_the_line() -> None:
    assert MAX_TOTAL_RATE_BP == 5_000
    assert plan(share_rate_bp=5_000, override_rates_bp=()).worst_case_rate_bp() == 5_000


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"rank_thresholds": {"sales_manager": 0, "service_manager": 900}}, "rank_thresholds"),
        ({"rank_thresholds": {"sales_manager": 900, "service_manager": 900}}, "rank_thresholds"),
        ({"rank_thresholds": {"sales_manager": 90}}, "rank_thresholds"),
        ({"base_pay_fen": {"sales_manager": -1, "service_manager": 0}}, "base_pay"),
        ({"rank_override_bp": {"shop_owner": 10}}, "rank_override"),
        ({"rank_counting": "everyone"}, "rank_counting"),
        ({"earning": "nobody"}, "earning"),
    ],
)
def test_malformed_plans_are_refused(changes: dict[str, object], error: str) -> None:
    assert rules_of(plan(**changes))[0] == [error]


@pytest.mark.parametrize(
    ("changes", "warnings"),
    [
        ({"team_volume_rule": {"min_monthly_team_sales_fen": 1_000_000}}, ["team_volume"]),
        ({"rank_override_bp": {"sales_manager": 100, "service_manager": 200}}, ["rank_override"]),
        ({"freeze_days": 3}, ["short_freeze"]),
        ({"freeze_days": 7}, []),
    ],
)
def test_team_volume_rules_are_warned_about_not_refused(
    changes: dict[str, object], warnings: list[str]
) -> None:
    assert rules_of(plan(**changes)) == ([], warnings)


def test_terms_round_trip() -> None:
    p = plan(
        override_rates_bp=(300, 100),
        category_rates_bp={"茶": 1_200},
        sku_rates_bp={str(SKU): 1_500},
        team_volume_rule={"min_monthly_team_sales_fen": 5},
    )
    again = plan_from_terms(p.terms(), version=p.version)
    assert again == p


# --- ledger legs ---------------------------------------------------------------------------


def test_accrual_reversal_and_release_legs_balance() -> None:
    shares = [
        Share(L1, A, 1, 1_000, 10_000, 1_000),
        Share(L2, A, 1, 1_000, 5_000, 500),
        Share(L1, B, 2, 300, 10_000, 300),
    ]
    legs = accrual_legs(shares)
    check_balanced(legs)
    assert legs == [
        Leg(accounts.COMMISSION_EXPENSE, 1_800),
        Leg(accounts.member_pending(A), -1_500),
        Leg(accounts.member_pending(B), -300),
    ]
    pending = reversal_legs([(A, 100), (B, 30), (A, 50)], released=False)
    check_balanced(pending)
    assert Leg(accounts.member_pending(A), 150) in pending
    clawback = reversal_legs([(A, 100)], released=True)
    assert clawback == [
        Leg(accounts.member_available(A), 100),
        Leg(accounts.COMMISSION_EXPENSE, -100),
    ]
    release = release_legs([(A, 1_000), (B, 0), (A, 350)])
    check_balanced(release)
    assert release == [
        Leg(accounts.member_pending(A), 1_350),
        Leg(accounts.member_available(A), -1_350),
    ]


# --- base pay months -----------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("at", "month"),
    [
        # 2026-11-30 16:00 UTC is 2026-12-01 00:00 in Shanghai: December has begun there
        (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), "2026-12"),
        (datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), "2026-11"),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "2027-01"),
    ],
)
def test_the_pay_month_is_the_shop_time_zone_month(at: datetime, month: str) -> None:
    assert pay_month(at, SHANGHAI) == month


def test_previous_month_bounds_in_shop_time() -> None:
    start, end = previous_month(datetime(2027, 1, 10, tzinfo=UTC), SHANGHAI)
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


def test_team_volume_rule_gates_base_pay() -> None:
    assert earns_base_pay(DEFAULT_PLAN, 0)
    gated = plan(team_volume_rule={"min_monthly_team_sales_fen": 10_000})
    assert not earns_base_pay(gated, 9_999)
    assert earns_base_pay(gated, 10_000)
