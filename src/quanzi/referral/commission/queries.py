"""Reading commission rows: a member's own, newest first (authorization is by
construction: the query is filtered by the member)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.referral.commission.models import Commission


@dataclass(frozen=True)
class CommissionPage:
    items: list[Commission]
    next_cursor: str | None


async def my_commissions(
    session: AsyncSession,
    member_id: uuid.UUID,
    *,
    limit: int,
    cursor: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
) -> CommissionPage:
    """Commission rows paid to ``member_id`` (one per order line and level), newest first,
    optionally for one order."""
    query = select(Commission).where(Commission.beneficiary_id == member_id)
    if cursor is not None:
        query = query.where(Commission.id < cursor)
    if order_id is not None:
        query = query.where(Commission.order_id == order_id)
    rows = list(await session.scalars(query.order_by(Commission.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return CommissionPage(rows, str(rows[-1].id) if more else None)
