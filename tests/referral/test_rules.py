"""Pure referral rules, by table: binding modes, lapsing, loops, ranks and the next rank,
share codes, attribution windows and months."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from quanzi.referral import rules
from quanzi.referral.rules import RankRules

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
A, B, C, D = (uuid.UUID(int=i) for i in range(1, 5))


@pytest.mark.parametrize(
    ("mode", "current", "expires", "new", "expected"),
    [
        # Nobody yet: every mode binds.
        ("first_touch", None, None, A, "bind"),
        ("days", None, None, A, "bind"),
        ("latest", None, None, A, "bind"),
        # Bound to someone else.
        ("first_touch", B, None, A, "keep"),
        ("days", B, NOW + timedelta(seconds=1), A, "keep"),
        ("latest", B, None, A, "bind"),
        # Bound to the same referrer: nothing changes, not even the end date.
        ("first_touch", A, None, A, "same"),
        ("days", A, NOW + timedelta(days=3), A, "same"),
        ("latest", A, None, A, "same"),
        # A lapsed binding is no binding, whatever the mode is now.
        ("days", B, NOW, A, "bind"),
        ("days", A, NOW - timedelta(days=1), A, "bind"),
        ("first_touch", B, NOW - timedelta(seconds=1), A, "bind"),
    ],
)
def test_binding_decision(
    mode: str, current: uuid.UUID | None, expires: datetime | None, new: uuid.UUID, expected: str
) -> None:
    decision = rules.binding_decision(
        mode, current_referrer=current, current_expires_at=expires, new_referrer=new, now=NOW
    )
    assert decision == expected


def test_unknown_binding_mode() -> None:
    with pytest.raises(ValueError, match="unknown binding mode"):
        rules.binding_decision(
            "sticky", current_referrer=None, current_expires_at=None, new_referrer=A, now=NOW
        )


@pytest.mark.parametrize(
    ("mode", "days", "expected"),
    [
        ("first_touch", None, None),
        ("latest", 30, None),
        ("days", 30, NOW + timedelta(days=30)),
        ("days", 1, NOW + timedelta(days=1)),
    ],
)
def test_binding_expiry(mode: str, days: int | None, expected: datetime | None) -> None:
    assert rules.binding_expiry(mode, days, NOW) == expected


def test_days_mode_needs_days() -> None:
    with pytest.raises(ValueError, match="binding_days"):
        rules.binding_expiry("days", None, NOW)


@pytest.mark.parametrize(
    ("expires", "active"),
    [
        (None, True),
        (NOW + timedelta(microseconds=1), True),
        (NOW, False),
        (NOW - timedelta(days=1), False),
    ],
)
def test_binding_active(expires: datetime | None, active: bool) -> None:
    assert rules.binding_active(expires, NOW) is active


@pytest.mark.parametrize(
    ("child", "parent", "chain", "loops"),
    [
        (A, A, [], True),  # self
        (A, B, [], False),  # B is a root
        (A, B, [C, D], False),
        (A, B, [C, A], True),  # A is B's grandparent
        (A, B, [C, D, A], True),  # ... or further up: the whole chain counts
        (B, A, [B], True),  # A under B and B under A
    ],
)
def test_would_cycle(
    child: uuid.UUID, parent: uuid.UUID, chain: list[uuid.UUID], loops: bool
) -> None:
    assert rules.would_cycle(child, parent, chain) is loops


@pytest.mark.parametrize(
    ("mode", "days", "attribution", "problem"),
    [
        ("first_touch", None, 7, None),
        ("days", 30, 7, None),
        ("latest", None, 365, None),
        ("days", None, 7, "binding_days is required"),
        ("days", 0, 7, "binding_days must be between"),
        ("days", 3651, 7, "binding_days must be between"),
        ("forever", None, 7, "binding_mode must be one of"),
        ("first_touch", None, 0, "attribution_days must be between"),
        ("first_touch", None, 366, "attribution_days must be between"),
    ],
)
def test_settings_problem(
    mode: str, days: int | None, attribution: int, problem: str | None
) -> None:
    found = rules.settings_problem(mode, days, attribution)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


TEAM_RULES = RankRules(sales_manager=90, service_manager=900, counting="team")
DIRECT_RULES = RankRules(sales_manager=3, service_manager=10, counting="direct")


@pytest.mark.parametrize(
    ("rank_rules", "owner", "direct", "team", "expected"),
    [
        (TEAM_RULES, False, 0, 0, "member"),
        (TEAM_RULES, False, 1000, 1000, "member"),  # no membership, no rank
        (TEAM_RULES, True, 0, 0, "shop_owner"),
        (TEAM_RULES, True, 0, 89, "shop_owner"),
        (TEAM_RULES, True, 0, 90, "sales_manager"),
        (TEAM_RULES, True, 5, 899, "sales_manager"),
        (TEAM_RULES, True, 0, 900, "service_manager"),
        (TEAM_RULES, True, 0, 5000, "service_manager"),
        (DIRECT_RULES, True, 2, 500, "shop_owner"),  # a deep team does not count
        (DIRECT_RULES, True, 3, 3, "sales_manager"),
        (DIRECT_RULES, True, 10, 10, "service_manager"),
    ],
)
def test_rank_for(
    rank_rules: RankRules, owner: bool, direct: int, team: int, expected: str
) -> None:
    assert (
        rules.rank_for(rank_rules, is_owner=owner, direct_owner_count=direct, team_count=team)
        == expected
    )


@pytest.mark.parametrize(
    ("rank", "counted", "expected"),
    [
        ("member", 500, rules.NextRank("shop_owner", None, None)),
        ("shop_owner", 0, rules.NextRank("sales_manager", 90, 90)),
        ("shop_owner", 89, rules.NextRank("sales_manager", 90, 1)),
        ("sales_manager", 90, rules.NextRank("service_manager", 900, 810)),
        ("service_manager", 900, rules.NextRank(None, None, None)),
    ],
)
def test_next_rank(rank: str, counted: int, expected: rules.NextRank) -> None:
    assert rules.next_rank(TEAM_RULES, rank, counted) == expected


def test_rank_rules_from_a_plan() -> None:
    assert rules.rank_rules_from({}, "team") == rules.DEFAULT_RANK_RULES
    assert rules.rank_rules_from(
        {"sales_manager": 5, "service_manager": 50}, "direct"
    ) == RankRules(5, 50, "direct")
    assert rules.DEFAULT_RANK_RULES.basis == "team:90:900"
    for bad in ({"sales_manager": 0}, {"sales_manager": 900, "service_manager": 900}):
        with pytest.raises(ValueError, match="thresholds"):
            rules.rank_rules_from(bad, "team")
    with pytest.raises(ValueError, match="counting"):
        rules.rank_rules_from({}, "everyone")


def test_rank_change_reason_names_the_counts() -> None:
    reason = rules.rank_change_reason(
        TEAM_RULES,
        old="shop_owner",
        new="sales_manager",
        is_owner=True,
        direct_owner_count=4,
        team_count=90,
        cause="a membership started",
    )
    assert reason.startswith("promoted shop_owner -> sales_manager after a membership started")
    assert "team shop owners=90" in reason
    assert "direct shop owners=4" in reason
    demoted = rules.rank_change_reason(
        TEAM_RULES,
        old="sales_manager",
        new="member",
        is_owner=False,
        direct_owner_count=0,
        team_count=0,
        cause="x",
    )
    assert demoted.startswith("demoted")
    assert len(reason) <= 300


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("abcdefghjk", "abcdefghjk"),
        ("  ABCDEFGHJK ", "abcdefghjk"),
        ("abcdefghj", None),  # too short
        ("abcdefghjkm", None),  # too long
        ("abcdefghj0", None),  # 0 is not in the alphabet
        ("ABCDEFGH", None),  # an invite code is never a share code
        ("", None),
        (None, None),
    ],
)
def test_normalize_share_code(raw: str | None, code: str | None) -> None:
    assert rules.normalize_share_code(raw) == code


def test_new_share_codes_are_valid_and_varied() -> None:
    codes = {rules.new_share_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(rules.normalize_share_code(code) == code for code in codes)


def test_landing_paths() -> None:
    assert rules.landing_path("product", A, "abc") == f"/p/{A}?share=abc"
    assert rules.landing_path("group", B, "xyz") == f"/g/{B}?share=xyz"


def test_attribution_window_and_months() -> None:
    assert rules.attribution_since(NOW, 7) == NOW - timedelta(days=7)
    shanghai = ZoneInfo("Asia/Shanghai")
    # 2026-10-31 17:00 UTC is already November in Shanghai.
    assert rules.month_key(datetime(2026, 10, 31, 17, 0, tzinfo=UTC), shanghai) == "2026-11"
    assert rules.month_key(datetime(2026, 10, 31, 15, 59, tzinfo=UTC), shanghai) == "2026-10"
    assert rules.parse_month("2026-11") == "2026-11"
    for bad in ("2026-13", "2026-1", "26-11", "2026-11-01", ""):
        assert rules.parse_month(bad) is None
