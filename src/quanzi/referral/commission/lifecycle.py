"""Commission after accrual: pending → available once the order is completed and its
freeze days have passed; refunds reverse pending commission or claw back available
commission (a member's available balance may then go below zero: a debt that later
earnings pay off, never capped away).

Every change to an order's commission takes the order's ``commission_orders`` row lock
first: refunds (inside the order's refund transaction) and the release sweep (one
transaction per order, ``SKIP LOCKED``) therefore never both act on the same amounts.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.ledger import service as ledger
from quanzi.orders.events import OrderCompleted, OrderRefunded
from quanzi.referral.commission.models import Commission, CommissionOrder
from quanzi.referral.commission.rules import release_legs, reversal_fen, reversal_legs


async def _lock(
    session: AsyncSession, order_id: uuid.UUID, *, skip_locked: bool = False
) -> CommissionOrder | None:
    return await session.scalar(
        select(CommissionOrder)
        .where(CommissionOrder.order_id == order_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


async def on_order_completed(session: AsyncSession, event: OrderCompleted) -> None:
    """``OrderCompleted``: the freeze starts; the commission is released ``freeze_days``
    (of the order's plan version) from now."""
    entry = await _lock(session, event.order_id)
    if entry is None or entry.completed_at is not None:
        return
    now = clock.now()
    entry.completed_at = now
    entry.release_at = now + timedelta(days=entry.freeze_days)
    await session.flush()


async def on_order_refunded(session: AsyncSession, event: OrderRefunded) -> None:
    """``OrderRefunded``: take back the refunded share of each line's commission.

    Per line and level, ``floor(commission × refund / line paid)``, the refund that
    completes the line taking whatever is left. Before release it comes out of pending;
    after, it is clawed back from available. A refund of money that arrived after the
    order was cancelled had no commission.
    """
    if event.after_cancellation or not event.lines:
        return
    entry = await _lock(session, event.order_id)
    if entry is None:
        return
    refunds = {line.line_id: line.amount_fen for line in event.lines}
    rows = list(
        await session.scalars(
            select(Commission)
            .where(Commission.order_id == entry.order_id)
            .order_by(Commission.id)
            .execution_options(populate_existing=True)
        )
    )
    changes: list[dict[str, object]] = []
    taken: list[tuple[uuid.UUID, int]] = []
    for row in rows:
        refund = refunds.get(row.order_line_id)
        if refund is None:
            continue
        amount = reversal_fen(
            amount_fen=row.amount_fen,
            reversed_fen=row.reversed_fen,
            base_fen=row.base_fen,
            refunded_before_fen=row.refunded_base_fen,
            refund_fen=refund,
        )
        changes.append(
            {
                "id": row.id,
                "reversed_fen": row.reversed_fen + amount,
                "refunded_base_fen": min(row.base_fen, row.refunded_base_fen + refund),
            }
        )
        if amount > 0:
            taken.append((row.beneficiary_id, amount))
    if changes:
        await session.execute(update(Commission), changes)
    if taken:
        released = entry.released_at is not None
        await ledger.transfer(
            session,
            key=f"commission-reversal:{event.refund_id}",
            kind="commission_clawback" if released else "commission_reversal",
            legs=reversal_legs(taken, released=released),
            reference_type="order",
            reference_id=entry.order_id,
            description="commission clawed back after a refund"
            if released
            else "pending commission reversed after a refund",
        )


async def release_one(session: AsyncSession, order_id: uuid.UUID) -> bool:
    """Release one order's commission if its freeze is over; ``False`` if it is not due
    (any more) or another worker holds it."""
    entry = await _lock(session, order_id, skip_locked=True)
    now = clock.now()
    if (
        entry is None
        or entry.released_at is not None
        or entry.release_at is None
        or entry.release_at > now
    ):
        return False
    rows = await session.execute(
        select(Commission.beneficiary_id, Commission.amount_fen - Commission.reversed_fen).where(
            Commission.order_id == order_id, Commission.status == "pending"
        )
    )
    amounts = [(member, int(left)) for member, left in rows.all()]
    legs = release_legs(amounts)
    if legs:
        await ledger.transfer(
            session,
            key=f"commission-release:{order_id}",
            kind="commission_release",
            legs=legs,
            reference_type="order",
            reference_id=order_id,
            description="commission available after the freeze",
        )
    await session.execute(
        update(Commission)
        .where(Commission.order_id == order_id, Commission.status == "pending")
        .values(status="available")
    )
    entry.released_at = now
    await session.flush()
    return True


async def release_due(limit: int) -> int:
    """Worker sweep: release up to ``limit`` orders whose freeze is over; how many."""

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.scalars(
            select(CommissionOrder.order_id)
            .where(CommissionOrder.released_at.is_(None), CommissionOrder.release_at <= clock.now())
            .order_by(CommissionOrder.release_at)
            .limit(limit)
        )
        return list(result)

    done = 0
    for order_id in await db.transaction(due):

        async def one(session: AsyncSession, order_id: uuid.UUID = order_id) -> bool:
            return await release_one(session, order_id)

        if await db.transaction(one):
            done += 1
    return done
