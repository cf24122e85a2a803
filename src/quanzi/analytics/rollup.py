"""The rollup sweep: keeps the daily tables current from the outbox.

The hot paths pay nothing for this: orders, payments, groups and memberships already write
their outbox events; the sweep reads them later. It keeps its own position
(``analytics_cursors``) and never touches the webhooks' ``relayed_at`` marker.

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
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import rules
from quanzi.analytics.models import (
    AppliedEvent,
    Buyer,
    BuyerDay,
    DailyKpi,
    RollupCursor,
    SharerDay,
)
from quanzi.core import clock, db
from quanzi.core.config import get_settings
from quanzi.core.outbox import OutboxEvent
from quanzi.membership import service as membership
from quanzi.referral import service as referral

CURSOR = "outbox"
LOOKBACK = timedelta(minutes=2)


def insert_for(session: AsyncSession) -> Any:
    """The session's dialect of INSERT, for ``ON CONFLICT`` upserts on both databases."""
    return pg_insert if db.is_postgres(session) else sqlite_insert


async def _claim_cursor(session: AsyncSession) -> RollupCursor | None:
    """The cursor row, locked; ``None`` while another worker holds it (PostgreSQL)."""
    await session.execute(
        insert_for(session)(RollupCursor)
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
        insert_for(session)(BuyerDay)
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
        stmt = insert_for(session)(DailyKpi).values(day=day, **values)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["day"],
                set_={name: table.c[name] + stmt.excluded[name] for name in values},
            )
        )


async def _add_to_sharers(session: AsyncSession, paid: list[rules.Paid]) -> None:
    """Count the paid orders that share links brought for their sharers' days."""
    day_of = {item.order_id: item.day for item in paid if item.order_id is not None}
    sums: dict[tuple[date, uuid.UUID], list[int]] = defaultdict(lambda: [0, 0])
    for found in await referral.attributions_of(session, list(day_of)):
        figures = sums[(day_of[found.order_id], found.sharer_id)]
        figures[0] += 1
        figures[1] += found.sales_fen
    for (day, sharer_id), (orders, sales_fen) in sorted(sums.items()):
        stmt = insert_for(session)(SharerDay).values(
            day=day, sharer_id=sharer_id, orders=orders, sales_fen=sales_fen
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["day", "sharer_id"],
                set_={
                    "orders": SharerDay.orders + stmt.excluded.orders,
                    "sales_fen": SharerDay.sales_fen + stmt.excluded.sales_fen,
                },
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
    await _add_to_sharers(session, deltas.goods_paid)
    await session.execute(
        insert_for(session)(AppliedEvent).values([{"event_id": event.id} for event in events])
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
