from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from quanzi.groupbuy import rules

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
GOOD = rules.CampaignTerms(
    solo_price_fen=3990,
    group_price_fen=2990,
    group_size=3,
    duration_minutes=1440,
    starts_at=NOW,
    ends_at=NOW + timedelta(days=7),
    stock_allotted=300,
    per_user_limit=1,
    leader_discount_fen=500,
    platform_fill_seats=1,
)


def test_good_terms_pass() -> None:
    assert rules.campaign_problems(GOOD) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"group_price_fen": 3990}, "below the SKU's solo price"),
        ({"group_price_fen": 0}, "below the SKU's solo price"),
        ({"group_size": 1}, "between 2 and 100"),
        ({"group_size": 101}, "between 2 and 100"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"ends_at": NOW}, "after starts_at"),
        ({"stock_allotted": 2}, "at least one full group"),
        ({"per_user_limit": 0}, "per_user_limit"),
        ({"leader_discount_fen": 2990}, "leader still pays"),
        ({"platform_fill_seats": 3}, "members fill most seats"),
    ],
)
def test_bad_terms_are_named(change: dict[str, object], fragment: str) -> None:
    problems = rules.campaign_problems(replace(GOOD, **change))  # type: ignore[arg-type]
    assert any(fragment in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("size", "paid", "max_fill", "expected"),
    [
        (3, 2, 1, 1),  # one short, platform may fill one
        (3, 1, 1, 0),  # two short: fails
        (3, 1, 2, 2),
        (5, 0, 4, 0),  # nobody paid: the platform never fills a group alone
        (3, 3, 1, 0),  # already full
        (3, 2, 0, 0),  # fill switched off
    ],
)
def test_platform_fill_needed(size: int, paid: int, max_fill: int, expected: int) -> None:
    assert rules.platform_fill_needed(size, paid, max_fill) == expected


def test_group_deadline_never_passes_campaign_end() -> None:
    assert rules.group_deadline(NOW, 60, NOW + timedelta(days=1)) == NOW + timedelta(hours=1)
    assert rules.group_deadline(NOW, 600, NOW + timedelta(hours=2)) == NOW + timedelta(hours=2)


def test_seconds_left() -> None:
    assert rules.seconds_left(NOW + timedelta(seconds=90), NOW) == 90
    assert rules.seconds_left(NOW - timedelta(seconds=5), NOW) == 0
    assert rules.seconds_left(None, NOW) == 0
