"""A recount of the KPIs straight from the source tables, independent of the rollups."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import rules
from quanzi.analytics.models import DailyKpi, SharerDay
from quanzi.analytics.service import FIGURES, roll_up
from quanzi.core import db
from quanzi.core.config import get_settings
from quanzi.groupbuy.models import Group
from quanzi.membership.models import Membership
from quanzi.orders.models import Order, OrderRefund
from quanzi.referral.models import ShareConversion


async def recount() -> dict[date, dict[str, int]]:
    """Every figure per shop day, counted from orders, refunds, groups and memberships."""
    zone = get_settings().timezone

    async def work(session: AsyncSession) -> dict[date, dict[str, int]]:
        days: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
        tenures = (
            await session.execute(
                select(Membership.user_id, Membership.started_at, Membership.expires_at)
            )
        ).all()
        for _, started_at, _ in tenures:
            days[rules.shop_day(started_at, zone)]["members_joined"] += 1
        ended = await session.scalars(
            select(Membership.expires_at).where(Membership.status != "active")
        )
        for expires_at in ended:
            days[rules.shop_day(expires_at, zone)]["members_ended"] += 1
        first_day: dict[Any, date] = {}
        buyer_days: set[tuple[date, Any]] = set()
        orders = (
            await session.execute(
                select(Order.buyer_id, Order.kind, Order.total_fen, Order.paid_at).where(
                    Order.paid_at.is_not(None)
                )
            )
        ).all()
        for buyer_id, kind, total, paid_at in orders:
            day = rules.shop_day(paid_at, zone)
            row = days[day]
            if kind == "membership":
                row["membership_fen"] += total
                row["memberships_sold"] += 1
                continue
            row["gmv_fen"] += total
            row["orders_paid"] += 1
            if any(u == buyer_id and s <= paid_at < e for u, s, e in tenures):
                row["member_gmv_fen"] += total
            buyer_days.add((day, buyer_id))
            first_day[buyer_id] = min(first_day.get(buyer_id, day), day)
        for day, _ in buyer_days:
            days[day]["buyers"] += 1
        for day in first_day.values():
            days[day]["new_buyers"] += 1
        refunds = (
            await session.execute(
                select(OrderRefund.amount_fen, OrderRefund.created_at, Order.kind).join(
                    Order, Order.id == OrderRefund.order_id
                )
            )
        ).all()
        for amount, created_at, kind in refunds:
            row = days[rules.shop_day(created_at, zone)]
            if kind == "membership":
                row["membership_refunds_fen"] += amount
            else:
                row["refunds_fen"] += amount
                row["refunds"] += 1
        groups = (
            await session.execute(
                select(Group.status, Group.closed_at).where(
                    Group.status.in_(("succeeded", "failed")), Group.closed_at.is_not(None)
                )
            )
        ).all()
        for status, closed_at in groups:
            days[rules.shop_day(closed_at, zone)][f"groups_{status}"] += 1
        return dict(days)

    return await db.transaction(work)


async def rollups() -> dict[date, dict[str, int]]:
    async def work(session: AsyncSession) -> dict[date, dict[str, int]]:
        rows = await session.scalars(select(DailyKpi))
        return {row.day: {name: int(getattr(row, name)) for name in FIGURES} for row in rows}

    return await db.transaction(work)


async def sweep(limit: int = 1000) -> int:
    """Run the rollup sweep until it finds nothing; returns how many events it applied."""
    applied = 0
    while True:

        async def work(session: AsyncSession) -> int:
            return await roll_up(session, limit=limit)

        done = await db.transaction(work)
        if done == 0:
            return applied
        applied += done


def nonzero(days: dict[date, dict[str, int]]) -> dict[date, dict[str, int]]:
    return {day: row for day, row in days.items() if any(row.values())}


async def sharer_recount() -> dict[tuple[date, Any], tuple[int, int]]:
    """Orders and goods sales per (paid day, sharer), from the share conversions."""
    zone = get_settings().timezone

    async def work(session: AsyncSession) -> dict[tuple[date, Any], tuple[int, int]]:
        counted: dict[tuple[date, Any], tuple[int, int]] = {}
        rows = await session.execute(
            select(ShareConversion.sharer_id, ShareConversion.sales_fen, Order.paid_at).join(
                Order, Order.id == ShareConversion.order_id
            )
        )
        for sharer_id, sales_fen, paid_at in rows:
            key = (rules.shop_day(paid_at, zone), sharer_id)
            orders, sales = counted.get(key, (0, 0))
            counted[key] = (orders + 1, sales + sales_fen)
        return counted

    return await db.transaction(work)


async def sharer_rollups() -> dict[tuple[date, Any], tuple[int, int]]:
    async def work(session: AsyncSession) -> dict[tuple[date, Any], tuple[int, int]]:
        rows = await session.scalars(select(SharerDay))
        return {(row.day, row.sharer_id): (row.orders, row.sales_fen) for row in rows}

    return await db.transaction(work)
