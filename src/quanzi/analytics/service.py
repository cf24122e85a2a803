"""Operator KPIs: the rollup sweep that keeps the daily tables current from the outbox,
the dashboard read, and a full rebuild from the source tables.

The hot paths pay nothing for this: orders, payments and groups already write their
outbox events; the sweep reads them later. It keeps its own position (``analytics_cursors``)
and never touches the webhooks' ``relayed_at`` marker.

Reading an outbox by position is only safe if no event can appear behind the position
later. Outbox ids are UUIDv7 made at insert, but a transaction commits after it inserts,
so an event can become visible after newer ones were applied. The sweep therefore looks
back ``LOOKBACK`` behind its position and remembers which events of that span it applied
(``analytics_applied_events``): a late event is applied once when it appears; only a
transaction committing more than ``LOOKBACK`` after writing its event would be missed
(requests and sweep items run for milliseconds to seconds).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import rules
from quanzi.analytics.models import AppliedEvent, Buyer, BuyerDay, DailyKpi, RollupCursor
from quanzi.core import clock, db
from quanzi.core.config import get_settings
from quanzi.core.outbox import OutboxEvent
from quanzi.membership import service as membership

CURSOR = "outbox"
LOOKBACK = timedelta(minutes=2)
MAX_DAYS = 366


def _insert(session: AsyncSession) -> Any:
    return pg_insert if db.is_postgres(session) else sqlite_insert


# --- the rollup sweep ------------------------------------------------------------------


async def _claim_cursor(session: AsyncSession) -> RollupCursor | None:
    """The cursor row, locked; ``None`` while another worker holds it (PostgreSQL)."""
    await session.execute(
        _insert(session)(RollupCursor)
        .values(name=CURSOR, position_id=None, updated_at=clock.now())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    stmt = (
        select(RollupCursor)
        .where(RollupCursor.name == CURSOR)
        .execution_options(populate_existing=True)
    )
    if db.is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    cursor: RollupCursor | None = await session.scalar(stmt)
    return cursor


async def _members_among(
    session: AsyncSession, paid: list[rules.Paid]
) -> set[tuple[uuid.UUID, datetime]]:
    """(buyer, instant) pairs of ``paid`` where the buyer was an active member then."""
    by_instant: dict[datetime, set[uuid.UUID]] = defaultdict(set)
    for item in paid:
        by_instant[item.at].add(item.buyer_id)
    found: set[tuple[uuid.UUID, datetime]] = set()
    for at, buyers in by_instant.items():
        active = await membership.active_members_among(session, list(buyers), at)
        found.update((buyer, at) for buyer in active)
    return found


async def _count_buyers(
    session: AsyncSession, deltas: rules.Deltas
) -> tuple[Counter[date], Counter[date]]:
    """Distinct buyers per day and first-time buyers per day added by this batch."""
    pairs = sorted({(item.day, item.buyer_id) for item in deltas.goods_paid})
    buyers: Counter[date] = Counter()
    new_buyers: Counter[date] = Counter()
    if not pairs:
        return buyers, new_buyers
    inserted = await session.execute(
        _insert(session)(BuyerDay)
        .values([{"day": day, "buyer_id": buyer_id} for day, buyer_id in pairs])
        .on_conflict_do_nothing(index_elements=["day", "buyer_id"])
        .returning(BuyerDay.day)
    )
    buyers.update(inserted.scalars())
    span: dict[uuid.UUID, tuple[date, date]] = {}
    for day, buyer_id in pairs:
        first, last = span.get(buyer_id, (day, day))
        span[buyer_id] = (min(first, day), max(last, day))
    known = {
        row.buyer_id: row
        for row in await session.scalars(
            select(Buyer)
            .where(Buyer.buyer_id.in_(list(span)))
            .execution_options(populate_existing=True)
        )
    }
    for buyer_id, (first, last) in span.items():
        row = known.get(buyer_id)
        if row is None:
            session.add(Buyer(buyer_id=buyer_id, first_paid_on=first, last_paid_on=last))
            new_buyers[first] += 1
            continue
        if first < row.first_paid_on:
            # An earlier payment applied late: the buyer was new on that earlier day.
            new_buyers[row.first_paid_on] -= 1
            new_buyers[first] += 1
            row.first_paid_on = first
        row.last_paid_on = max(row.last_paid_on, last)
    await session.flush()
    return buyers, new_buyers


async def _add_to_days(
    session: AsyncSession,
    deltas: rules.Deltas,
    buyers: Counter[date],
    new_buyers: Counter[date],
) -> None:
    days = set(deltas.by_day) | set(buyers) | set(new_buyers)
    table = DailyKpi.__table__
    for day in sorted(days):
        values = dict(deltas.by_day.get(day, dict.fromkeys(rules.COUNTERS, 0)))
        values.update(buyers=buyers[day], new_buyers=new_buyers[day])
        stmt = _insert(session)(DailyKpi).values(day=day, **values)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["day"],
                set_={name: table.c[name] + stmt.excluded[name] for name in values},
            )
        )


async def roll_up(session: AsyncSession, *, limit: int) -> int:
    """Apply up to ``limit`` outbox events not applied yet to the daily rollups; returns
    how many. Returns 0 at once if another worker is rolling up (PostgreSQL)."""
    cursor = await _claim_cursor(session)
    if cursor is None:
        return 0
    low = (
        rules.uuid7_floor(rules.uuid7_time(cursor.position_id) - LOOKBACK)
        if cursor.position_id is not None
        else None
    )
    stmt = (
        select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload, OutboxEvent.created_at)
        .where(
            OutboxEvent.topic.in_(rules.TOPICS),
            ~exists().where(AppliedEvent.event_id == OutboxEvent.id),
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if low is not None:
        stmt = stmt.where(OutboxEvent.id >= low)
    events = (await session.execute(stmt)).all()
    if not events:
        return 0
    zone = get_settings().timezone
    deltas = rules.Deltas()
    for event in events:
        rules.apply_event(deltas, event.topic, event.payload, event.created_at, zone)
    members = await _members_among(session, deltas.goods_paid)
    for item in deltas.goods_paid:
        if (item.buyer_id, item.at) in members:
            deltas.add(item.day, "member_gmv_fen", item.amount_fen)
    buyers, new_buyers = await _count_buyers(session, deltas)
    await _add_to_days(session, deltas, buyers, new_buyers)
    await session.execute(
        _insert(session)(AppliedEvent).values([{"event_id": event.id} for event in events])
    )
    newest = max(event.id for event in events)
    if cursor.position_id is None or newest > cursor.position_id:
        cursor.position_id = newest
    cursor.updated_at = clock.now()
    assert cursor.position_id is not None
    floor = rules.uuid7_floor(rules.uuid7_time(cursor.position_id) - LOOKBACK)
    await session.execute(delete(AppliedEvent).where(AppliedEvent.event_id < floor))
    await session.flush()
    return len(events)


async def roll_up_sweep(limit: int) -> int:
    """Worker sweep: one batch of at most ``limit`` events, in one transaction."""

    async def work(session: AsyncSession) -> int:
        return await roll_up(session, limit=limit)

    return await db.transaction(work)


# --- the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    day: date
    counters: dict[str, int]

    def get(self, name: str) -> int:
        return self.counters.get(name, 0)


@dataclass(frozen=True)
class Dashboard:
    days: list[DayFigures]
    totals: dict[str, int]
    as_of: datetime | None


FIGURES = (*rules.COUNTERS, "buyers", "new_buyers")


async def dashboard(session: AsyncSession, *, days: int) -> Dashboard:
    """KPIs of the last ``days`` shop days (today included) from the rollups, with totals.

    ``totals["buyers"]`` counts distinct buyers over the whole window (not the sum of the
    daily counts); ``as_of`` is when the newest event applied was written.
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    today = rules.shop_day(clock.now(), get_settings().timezone)
    span = rules.window(today, days)
    rows = {
        row.day: row
        for row in await session.scalars(
            select(DailyKpi).where(DailyKpi.day >= span[0], DailyKpi.day <= today)
        )
    }
    series = [
        DayFigures(
            day, {name: int(getattr(rows[day], name)) if day in rows else 0 for name in FIGURES}
        )
        for day in span
    ]
    totals = {name: sum(figures.get(name) for figures in series) for name in FIGURES}
    # Distinct over the window: a buyer counts once if their latest paid day is in it (the
    # window always ends today, so nothing later exists).
    totals["buyers"] = int(
        await session.scalar(select(func.count()).where(Buyer.last_paid_on >= span[0])) or 0
    )
    position = await session.scalar(
        select(RollupCursor.position_id).where(RollupCursor.name == CURSOR)
    )
    as_of = rules.uuid7_time(position) if position is not None else None
    return Dashboard(series, totals, as_of)


# --- rebuild ---------------------------------------------------------------------------

_REBUILD_SQL = [
    "DELETE FROM analytics_daily",
    "DELETE FROM analytics_buyer_days",
    "DELETE FROM analytics_buyers",
    "DELETE FROM analytics_applied_events",
    """
    INSERT INTO analytics_buyer_days (day, buyer_id)
    SELECT DISTINCT (paid_at AT TIME ZONE :tz)::date, buyer_id
    FROM orders WHERE paid_at IS NOT NULL AND kind <> 'membership'
    """,
    """
    INSERT INTO analytics_buyers (buyer_id, first_paid_on, last_paid_on)
    SELECT buyer_id, min(day), max(day) FROM analytics_buyer_days GROUP BY buyer_id
    """,
    """
    INSERT INTO analytics_daily (day, gmv_fen, orders_paid, refunds_fen, refunds, buyers,
        new_buyers, member_gmv_fen, membership_fen, memberships_sold, membership_refunds_fen,
        groups_succeeded, groups_failed)
    SELECT day, sum(gmv), sum(orders), sum(refunds_fen), sum(refunds), sum(buyers),
           sum(new_buyers), sum(member_gmv), sum(membership), sum(memberships),
           sum(membership_refunds), sum(succeeded), sum(failed)
    FROM (
        SELECT (o.paid_at AT TIME ZONE :tz)::date AS day,
               CASE WHEN o.kind <> 'membership' THEN o.total_fen ELSE 0 END AS gmv,
               CASE WHEN o.kind <> 'membership' THEN 1 ELSE 0 END AS orders,
               0 AS refunds_fen, 0 AS refunds, 0 AS buyers, 0 AS new_buyers,
               CASE WHEN o.kind <> 'membership' AND EXISTS (
                   SELECT 1 FROM memberships m WHERE m.user_id = o.buyer_id
                   AND m.started_at <= o.paid_at AND m.expires_at > o.paid_at
               ) THEN o.total_fen ELSE 0 END AS member_gmv,
               CASE WHEN o.kind = 'membership' THEN o.total_fen ELSE 0 END AS membership,
               CASE WHEN o.kind = 'membership' THEN 1 ELSE 0 END AS memberships,
               0 AS membership_refunds, 0 AS succeeded, 0 AS failed
        FROM orders o WHERE o.paid_at IS NOT NULL
        UNION ALL
        SELECT (r.created_at AT TIME ZONE :tz)::date,
               0, 0,
               CASE WHEN o.kind <> 'membership' THEN r.amount_fen ELSE 0 END,
               CASE WHEN o.kind <> 'membership' THEN 1 ELSE 0 END,
               0, 0, 0, 0, 0,
               CASE WHEN o.kind = 'membership' THEN r.amount_fen ELSE 0 END, 0, 0
        FROM order_refunds r JOIN orders o ON o.id = r.order_id
        UNION ALL
        SELECT (closed_at AT TIME ZONE :tz)::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
               CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END,
               CASE WHEN status = 'failed' THEN 1 ELSE 0 END
        FROM groups WHERE status IN ('succeeded', 'failed') AND closed_at IS NOT NULL
        UNION ALL
        SELECT day, 0, 0, 0, 0, count(*), 0, 0, 0, 0, 0, 0, 0
        FROM analytics_buyer_days GROUP BY day
        UNION ALL
        SELECT first_paid_on, 0, 0, 0, 0, 0, count(*), 0, 0, 0, 0, 0, 0
        FROM analytics_buyers GROUP BY first_paid_on
    ) AS facts
    GROUP BY day
    """,
]


async def rebuild(session: AsyncSession) -> int:
    """Recompute every rollup from the source tables (orders, refunds, groups) and move the
    cursor past the newest outbox event; returns the number of days rolled up.

    For loading history or repairing the rollups, with writes stopped: events written
    while it runs would be counted by the rebuild and again by the sweep. PostgreSQL only
    (it converts instants to shop days with ``AT TIME ZONE``).
    """
    if not db.is_postgres(session):
        raise RuntimeError("rebuilding the rollups needs PostgreSQL (AT TIME ZONE)")
    tz = get_settings().shop_timezone
    for statement in _REBUILD_SQL:
        await session.execute(text(statement), {"tz": tz} if ":tz" in statement else {})
    newest = await session.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id.desc()).limit(1))
    await session.execute(
        _insert(session)(RollupCursor)
        .values(name=CURSOR, position_id=newest, updated_at=clock.now())
        .on_conflict_do_update(
            index_elements=["name"], set_={"position_id": newest, "updated_at": clock.now()}
        )
    )
    if newest is not None:
        # Events inside the look-back window are counted already: mark them applied.
        floor = rules.uuid7_floor(rules.uuid7_time(newest) - LOOKBACK)
        await session.execute(
            insert(AppliedEvent).from_select(
                ["event_id"],
                select(OutboxEvent.id).where(
                    OutboxEvent.id >= floor, OutboxEvent.topic.in_(rules.TOPICS)
                ),
            )
        )
    return int(await session.scalar(select(func.count()).select_from(DailyKpi)) or 0)
