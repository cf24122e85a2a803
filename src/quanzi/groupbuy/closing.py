"""Closing groups whose time ran out: platform fill or failure with full refunds.

Each group closes in its own transaction, claimed with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL and guarded by ``status = 'open'``: two workers never close a group twice, and a
worker that crashes mid-sweep leaves every group either untouched or wholly closed (its
refunds are rows in the same transaction; the provider is asked after commit).
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db, events
from quanzi.core.outbox import emit
from quanzi.groupbuy import campaigns, rules
from quanzi.groupbuy.events import GroupFailed
from quanzi.groupbuy.models import Group, GroupMember
from quanzi.groupbuy.seats import (
    FAILED,
    OPEN,
    PAID,
    REFUNDED,
    RESERVED,
    give_back_seats,
    group_payload,
    succeed,
)
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.orders import service as orders


async def _fill(session: AsyncSession, group: Group, seats: int, group_price_fen: int) -> None:
    """The platform pays the missing seats at the group price: a subsidy, shown on the
    group page. No member, real or fake, is created for them."""
    amount = seats * group_price_fen
    await ledger.transfer(
        session,
        key=f"group-fill:{group.id}",
        kind="platform_fill",
        legs=[
            accounts.Leg(accounts.SUBSIDY_EXPENSE, amount),
            accounts.Leg(accounts.SALES_REVENUE, -amount),
        ],
        reference_type="group",
        reference_id=group.id,
        description=f"platform filled {seats} seat(s)",
    )
    await succeed(session, group, platform_filled=seats)


async def _fail(session: AsyncSession, group: Group) -> None:
    group.status = FAILED
    group.closed_at = clock.now()
    paid = list(
        (
            await session.scalars(
                select(GroupMember)
                .where(GroupMember.group_id == group.id, GroupMember.status == PAID)
                .order_by(GroupMember.order_id)
            )
        ).all()
    )
    for member in paid:
        member.status = REFUNDED
    await session.flush()
    for member in paid:
        await orders.refund_order(
            session, member.order_id, reason="the group did not fill in time: full refund"
        )
    await give_back_seats(session, group.campaign_id, [member.user_id for member in paid])
    order_ids = tuple(member.order_id for member in paid)
    await emit(
        session,
        "group.failed",
        group_payload(group, reason="expired", refunded_order_ids=[str(o) for o in order_ids]),
    )
    await events.publish(session, GroupFailed(group.id, group.campaign_id, order_ids))


async def close_group(session: AsyncSession, group_id: uuid.UUID) -> str | None:
    """Close one expired open group; returns its new status, or ``None`` if another
    worker has it or it is not due."""
    now = clock.now()
    seen = await session.get(Group, group_id)
    if seen is None or seen.status != OPEN or seen.expires_at is None or seen.expires_at > now:
        return None
    # Unpaid seats first: closing their payments before taking the group row keeps the
    # lock order of a payment notification (payment → order → group).
    unpaid = (
        await session.scalars(
            select(GroupMember.order_id).where(
                GroupMember.group_id == group_id, GroupMember.status == RESERVED
            )
        )
    ).all()
    for order_id in sorted(unpaid):
        await orders.close_unpaid(
            session, order_id, reason="group_closed", note="the group closed before payment"
        )
    stmt = (
        select(Group)
        .where(Group.id == group_id, Group.status == OPEN, Group.expires_at <= now)
        .execution_options(populate_existing=True)
    )
    if db.is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    group = await session.scalar(stmt)
    if group is None:
        return None
    campaign = await campaigns.get_campaign(session, group.campaign_id)
    if group.paid_count >= group.group_size:
        await succeed(session, group)
    elif seats := rules.platform_fill_needed(
        group.group_size, group.paid_count, campaign.platform_fill_seats
    ):
        await _fill(session, group, seats, campaign.group_price_fen)
    else:
        await _fail(session, group)
    return group.status


async def close_expired(limit: int) -> int:
    """Worker sweep: close up to ``limit`` open groups past their deadline."""
    now = clock.now()

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.scalars(
            select(Group.id)
            .where(Group.status == OPEN, Group.expires_at <= now)
            .order_by(Group.expires_at)
            .limit(limit)
        )
        return list(result.all())

    closed = 0
    for group_id in await db.transaction(due):

        async def close(session: AsyncSession, group_id: uuid.UUID = group_id) -> str | None:
            return await close_group(session, group_id)

        if await db.transaction(close) is not None:
            closed += 1
    return closed
