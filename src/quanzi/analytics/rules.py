"""Pure rollup rules: which day an instant belongs to, what an outbox event adds to its
day, and the KPI figures derived from the sums. No database, no clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ORDER_PAID = "order.paid"
ORDER_REFUNDED = "order.refunded"
GROUP_SUCCEEDED = "group.succeeded"
GROUP_FAILED = "group.failed"
MEMBERSHIP_ACTIVATED = "membership.activated"
MEMBERSHIP_ENDED = "membership.ended"
TOPICS = (
    ORDER_PAID,
    ORDER_REFUNDED,
    GROUP_SUCCEEDED,
    GROUP_FAILED,
    MEMBERSHIP_ACTIVATED,
    MEMBERSHIP_ENDED,
)

MEMBERSHIP_KIND = "membership"

# Counters of analytics_daily that events add to (buyers and new_buyers are counted from
# the buyer tables, see the service).
COUNTERS = (
    "gmv_fen",
    "orders_paid",
    "refunds_fen",
    "refunds",
    "member_gmv_fen",
    "membership_fen",
    "memberships_sold",
    "membership_refunds_fen",
    "groups_succeeded",
    "groups_failed",
    "members_joined",
    "members_ended",
)


def shop_day(at: datetime, zone: ZoneInfo) -> date:
    """The shop's calendar day of an instant."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(zone).date()


def uuid7_time(value: uuid.UUID) -> datetime:
    """The instant (millisecond) a UUIDv7 was made."""
    return datetime.fromtimestamp((value.int >> 80) / 1000, tz=UTC)


def uuid7_floor(at: datetime) -> uuid.UUID:
    """The smallest UUIDv7 of ``at``'s millisecond: every id made from then on is ≥ it."""
    ms = int(at.timestamp() * 1000)
    return uuid.UUID(int=(ms << 80) | (0x7 << 76) | (0b10 << 62))


@dataclass(frozen=True)
class Paid:
    """A goods order paid: who, when (shop day) and how much; ``order_id`` finds the share
    link it was attributed to."""

    buyer_id: uuid.UUID
    day: date
    amount_fen: int
    at: datetime
    order_id: uuid.UUID | None = None


@dataclass
class Deltas:
    """What a batch of events adds: per day, per counter; and the goods payments, whose
    buyers and member share the service resolves against the database."""

    by_day: dict[date, dict[str, int]] = field(default_factory=dict)
    goods_paid: list[Paid] = field(default_factory=list)

    def add(self, day: date, counter: str, amount: int) -> None:
        if counter not in COUNTERS:
            raise ValueError(f"unknown counter {counter!r}")
        row = self.by_day.setdefault(day, dict.fromkeys(COUNTERS, 0))
        row[counter] += amount


def apply_event(
    deltas: Deltas, topic: str, payload: Mapping[str, Any], at: datetime, zone: ZoneInfo
) -> None:
    """Add one outbox event to ``deltas`` (events of other topics add nothing)."""
    day = shop_day(at, zone)
    if topic == ORDER_PAID:
        amount = int(payload["total_fen"])
        if payload.get("kind") == MEMBERSHIP_KIND:
            deltas.add(day, "membership_fen", amount)
            deltas.add(day, "memberships_sold", 1)
            return
        deltas.add(day, "gmv_fen", amount)
        deltas.add(day, "orders_paid", 1)
        order_id = payload.get("order_id")
        deltas.goods_paid.append(
            Paid(
                uuid.UUID(str(payload["buyer_id"])),
                day,
                amount,
                at,
                uuid.UUID(str(order_id)) if order_id is not None else None,
            )
        )
    elif topic == ORDER_REFUNDED:
        amount = int(payload["amount_fen"])
        if payload.get("kind") == MEMBERSHIP_KIND:
            deltas.add(day, "membership_refunds_fen", amount)
            return
        deltas.add(day, "refunds_fen", amount)
        deltas.add(day, "refunds", 1)
    elif topic == GROUP_SUCCEEDED:
        deltas.add(day, "groups_succeeded", 1)
    elif topic == GROUP_FAILED:
        deltas.add(day, "groups_failed", 1)
    elif topic == MEMBERSHIP_ACTIVATED:
        # A renewal extends a running tenure; only a new tenure is a member joining. The
        # day is the tenure's own start, as the memberships table has it.
        if not payload.get("renewal"):
            deltas.add(_instant_day(payload["started_at"], zone), "members_joined", 1)
    elif topic == MEMBERSHIP_ENDED:
        # An ended tenure's ``expires_at`` is the moment it ended (expiry or refund).
        deltas.add(_instant_day(payload["expires_at"], zone), "members_ended", 1)


def _instant_day(raw: Any, zone: ZoneInfo) -> date:
    return shop_day(datetime.fromisoformat(str(raw)), zone)


def running_totals(start: int, changes: Iterable[int]) -> list[int]:
    """``start`` moved by each change in turn: the level after every step (active members
    at the end of each day from the day's joins minus ends)."""
    levels = []
    level = start
    for change in changes:
        level += change
        levels.append(level)
    return levels


def share_bp(part: int, whole: int) -> int:
    """``part`` as basis points of ``whole`` (rounded down); 0 for an empty whole."""
    return part * 10_000 // whole if whole > 0 else 0


def window(today: date, days: int) -> list[date]:
    """The ``days`` shop days ending today, oldest first."""
    if days < 1:
        raise ValueError("days must be positive")
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
