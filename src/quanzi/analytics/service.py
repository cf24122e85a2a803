"""Operator KPIs: the dashboard read from the rollups, and a full rebuild of the rollups
from the source tables. The sweep that keeps them current from the outbox is in
:mod:`quanzi.analytics.rollup` (:func:`roll_up`, :func:`roll_up_sweep`, re-exported here).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import rules
from quanzi.analytics.models import AppliedEvent, Buyer, DailyKpi, RollupCursor, SharerDay
from quanzi.analytics.rollup import CURSOR, LOOKBACK, insert_for, roll_up, roll_up_sweep
from quanzi.core import clock, db
from quanzi.core.config import get_settings
from quanzi.core.outbox import OutboxEvent
from quanzi.identity import service as identity

__all__ = [
    "FIGURES",
    "MAX_DAYS",
    "Dashboard",
    "DayFigures",
    "TopSharer",
    "dashboard",
    "rebuild",
    "roll_up",
    "roll_up_sweep",
    "top_sharers",
]

MAX_DAYS = 366
TOP_SHARERS = 10


# --- the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    day: date
    counters: dict[str, int]

    def get(self, name: str) -> int:
        return self.counters.get(name, 0)


@dataclass(frozen=True)
class TopSharer:
    sharer_id: uuid.UUID
    display_name: str
    orders: int
    sales_fen: int


@dataclass(frozen=True)
class Dashboard:
    days: list[DayFigures]
    totals: dict[str, int]
    as_of: datetime | None
    top_sharers: list[TopSharer]


FIGURES = (*rules.COUNTERS, "buyers", "new_buyers")
# Figures derived per day from the stored ones: active members at the day's end, and
# buyers of the day who had paid on an earlier day.
DERIVED = ("active_members", "repeat_buyers")


async def _active_before(session: AsyncSession, day: date) -> int:
    """Members active at the start of ``day``: tenures begun before it minus those ended."""
    total = await session.scalar(
        select(func.coalesce(func.sum(DailyKpi.members_joined - DailyKpi.members_ended), 0)).where(
            DailyKpi.day < day
        )
    )
    return int(total or 0)


async def top_sharers(session: AsyncSession, *, since: date, limit: int) -> list[TopSharer]:
    """The sharers whose links brought the most goods sales (before refunds) from ``since``
    to today, with the number of those orders; ties by sharer id."""
    sales = func.sum(SharerDay.sales_fen)
    rows = (
        await session.execute(
            select(SharerDay.sharer_id, func.sum(SharerDay.orders), sales)
            .where(SharerDay.day >= since)
            .group_by(SharerDay.sharer_id)
            .order_by(sales.desc(), SharerDay.sharer_id)
            .limit(limit)
        )
    ).all()
    names = await identity.display_names(session, [row[0] for row in rows])
    return [
        TopSharer(sharer_id, names.get(sharer_id, "?"), int(orders), int(sales_fen))
        for sharer_id, orders, sales_fen in rows
    ]


async def dashboard(session: AsyncSession, *, days: int) -> Dashboard:
    """KPIs of the last ``days`` shop days (today included) from the rollups, with totals
    and the top sharers of the window.

    ``totals["buyers"]`` counts distinct buyers over the whole window (not the sum of the
    daily counts) and ``totals["repeat_buyers"]`` those of them who paid on two or more
    different days (the latest inside the window): the repurchase rate is their share.
    ``active_members`` is the count at the end of each day (in the totals: now).
    ``as_of`` is when the newest event applied was written.
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
    stored = [
        {name: int(getattr(rows[day], name)) if day in rows else 0 for name in FIGURES}
        for day in span
    ]
    active = rules.running_totals(
        await _active_before(session, span[0]),
        (row["members_joined"] - row["members_ended"] for row in stored),
    )
    series = [
        DayFigures(
            day,
            {**row, "active_members": level, "repeat_buyers": row["buyers"] - row["new_buyers"]},
        )
        for day, row, level in zip(span, stored, active, strict=True)
    ]
    totals = {name: sum(figures.get(name) for figures in series) for name in FIGURES}
    # Distinct over the window: a buyer counts once if their latest paid day is in it (the
    # window always ends today, so nothing later exists); an indexed range either way.
    # Both counts in one index-only scan of (last_paid_on, first_paid_on).
    buyers, repeat_buyers = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(Buyer.first_paid_on < Buyer.last_paid_on),
            ).where(Buyer.last_paid_on >= span[0])
        )
    ).one()
    totals["buyers"] = int(buyers)
    totals["repeat_buyers"] = int(repeat_buyers)
    totals["active_members"] = active[-1]
    position = await session.scalar(
        select(RollupCursor.position_id).where(RollupCursor.name == CURSOR)
    )
    as_of = rules.uuid7_time(position) if position is not None else None
    sharers = await top_sharers(session, since=span[0], limit=TOP_SHARERS)
    return Dashboard(series, totals, as_of, sharers)


# --- rebuild ---------------------------------------------------------------------------

_REBUILD_SQL = [
    "DELETE FROM analytics_daily",
    "DELETE FROM analytics_buyer_days",
    "DELETE FROM analytics_buyers",
    "DELETE FROM analytics_sharer_days",
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
    INSERT INTO analytics_sharer_days (day, sharer_id, orders, sales_fen)
    SELECT (o.paid_at AT TIME ZONE :tz)::date, c.sharer_id, count(*), sum(c.sales_fen)
    FROM share_conversions c JOIN orders o ON o.id = c.order_id
    WHERE o.paid_at IS NOT NULL
    GROUP BY 1, 2
    """,
    """
    INSERT INTO analytics_daily (day, gmv_fen, orders_paid, refunds_fen, refunds, buyers,
        new_buyers, member_gmv_fen, membership_fen, memberships_sold, membership_refunds_fen,
        groups_succeeded, groups_failed, members_joined, members_ended)
    SELECT day, sum(gmv), sum(orders), sum(refunds_fen), sum(refunds), sum(buyers),
           sum(new_buyers), sum(member_gmv), sum(membership), sum(memberships),
           sum(membership_refunds), sum(succeeded), sum(failed), sum(joined), sum(ended)
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
               0 AS membership_refunds, 0 AS succeeded, 0 AS failed, 0 AS joined, 0 AS ended
        FROM orders o WHERE o.paid_at IS NOT NULL
        UNION ALL
        SELECT (r.created_at AT TIME ZONE :tz)::date,
               0, 0,
               CASE WHEN o.kind <> 'membership' THEN r.amount_fen ELSE 0 END,
               CASE WHEN o.kind <> 'membership' THEN 1 ELSE 0 END,
               0, 0, 0, 0, 0,
               CASE WHEN o.kind = 'membership' THEN r.amount_fen ELSE 0 END, 0, 0, 0, 0
        FROM order_refunds r JOIN orders o ON o.id = r.order_id
        UNION ALL
        SELECT (closed_at AT TIME ZONE :tz)::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
               CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END,
               CASE WHEN status = 'failed' THEN 1 ELSE 0 END, 0, 0
        FROM groups WHERE status IN ('succeeded', 'failed') AND closed_at IS NOT NULL
        UNION ALL
        SELECT day, 0, 0, 0, 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0, 0
        FROM analytics_buyer_days GROUP BY day
        UNION ALL
        SELECT first_paid_on, 0, 0, 0, 0, 0, count(*), 0, 0, 0, 0, 0, 0, 0, 0
        FROM analytics_buyers GROUP BY first_paid_on
        UNION ALL
        -- Every memberships row is one tenure: it began at started_at; once it is no
        -- longer active, expires_at is the moment it ended.
        SELECT (started_at AT TIME ZONE :tz)::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
        FROM memberships
        UNION ALL
        SELECT (expires_at AT TIME ZONE :tz)::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
        FROM memberships WHERE status <> 'active'
    ) AS facts
    GROUP BY day
    """,
]


async def rebuild(session: AsyncSession) -> int:
    """Recompute every rollup from the source tables (orders, refunds, groups, memberships,
    share conversions) and move the cursor past the newest outbox event; returns the number of days rolled up.

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
        insert_for(session)(RollupCursor)
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
