from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from quanzi.analytics import rules
from quanzi.core.ids import new_id

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_shop_day_is_the_local_calendar_day() -> None:
    # 16:30 UTC is 00:30 the next day in Shanghai.
    assert rules.shop_day(datetime(2026, 11, 2, 16, 30, tzinfo=UTC), SHANGHAI) == date(2026, 11, 3)
    assert rules.shop_day(datetime(2026, 11, 2, 15, 59, tzinfo=UTC), SHANGHAI) == date(2026, 11, 2)
    with pytest.raises(ValueError, match="naive"):
        rules.shop_day(datetime(2026, 11, 2, 12, 0), SHANGHAI)


def test_uuid7_floor_bounds_every_id_made_from_that_millisecond() -> None:
    made = new_id()
    at = rules.uuid7_time(made)
    assert rules.uuid7_floor(at) <= made
    assert rules.uuid7_floor(at + timedelta(milliseconds=1)) > made
    assert rules.uuid7_time(rules.uuid7_floor(at)) == at


def test_events_add_to_their_day() -> None:
    deltas = rules.Deltas()
    at = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    day = date(2026, 11, 2)
    buyer = uuid.uuid4()
    rules.apply_event(
        deltas,
        "order.paid",
        {"kind": "regular", "total_fen": 2500, "buyer_id": str(buyer)},
        at,
        SHANGHAI,
    )
    rules.apply_event(
        deltas,
        "order.paid",
        {"kind": "membership", "total_fen": 39800, "buyer_id": str(buyer)},
        at,
        SHANGHAI,
    )
    rules.apply_event(deltas, "order.refunded", {"kind": "group", "amount_fen": 700}, at, SHANGHAI)
    rules.apply_event(
        deltas, "order.refunded", {"kind": "membership", "amount_fen": 100}, at, SHANGHAI
    )
    rules.apply_event(deltas, "group.succeeded", {}, at, SHANGHAI)
    rules.apply_event(deltas, "group.failed", {}, at, SHANGHAI)
    rules.apply_event(deltas, "order.shipped", {}, at, SHANGHAI)
    row = deltas.by_day[day]
    assert (row["gmv_fen"], row["orders_paid"]) == (2500, 1)
    assert (row["membership_fen"], row["memberships_sold"], row["membership_refunds_fen"]) == (
        39800,
        1,
        100,
    )
    assert (row["refunds_fen"], row["refunds"]) == (700, 1)
    assert (row["groups_succeeded"], row["groups_failed"]) == (1, 1)
    assert deltas.goods_paid == [rules.Paid(buyer, day, 2500, at)]
    with pytest.raises(ValueError, match="unknown counter"):
        deltas.add(day, "profit_fen", 1)


def test_shares_and_windows() -> None:
    assert rules.share_bp(1, 3) == 3333
    assert rules.share_bp(5, 0) == 0
    assert rules.window(date(2026, 11, 3), 3) == [
        date(2026, 11, 1),
        date(2026, 11, 2),
        date(2026, 11, 3),
    ]
    with pytest.raises(ValueError, match="positive"):
        rules.window(date(2026, 11, 3), 0)


def test_membership_events_count_tenures_on_their_own_days() -> None:
    deltas = rules.Deltas()
    seen = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)
    started = "2026-11-02T17:00:00+00:00"  # 01:00 on 3 November in Shanghai
    rules.apply_event(
        deltas, "membership.activated", {"started_at": started, "renewal": False}, seen, SHANGHAI
    )
    rules.apply_event(
        deltas, "membership.activated", {"started_at": started, "renewal": True}, seen, SHANGHAI
    )
    rules.apply_event(
        deltas,
        "membership.ended",
        {"started_at": started, "expires_at": "2026-11-04T02:00:00+00:00"},
        seen,
        SHANGHAI,
    )
    assert deltas.by_day[date(2026, 11, 3)]["members_joined"] == 1
    assert deltas.by_day[date(2026, 11, 4)]["members_ended"] == 1
    assert date(2026, 11, 5) not in deltas.by_day


def test_running_totals() -> None:
    assert rules.running_totals(3, [1, 0, -2, 2]) == [4, 4, 2, 4]
    assert rules.running_totals(0, []) == []
