"""Worker sweeps: cancel orders left unpaid past their deadline, complete orders shipped
long enough ago. Each order is handled in its own transaction and claimed there with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers never handle it twice (on
SQLite writers are serialised, and the status condition alone keeps it once)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from quanzi.core import clock, db
from quanzi.orders import lifecycle, rules, store
from quanzi.orders.models import Order
from quanzi.payments import service as payments


def _overdue_unpaid() -> list[ColumnElement[bool]]:
    return [Order.status == rules.PENDING_PAYMENT, Order.payment_deadline <= clock.now()]


def _due_for_completion() -> list[ColumnElement[bool]]:
    return [Order.status == rules.SHIPPED, Order.auto_complete_at <= clock.now()]


async def expire_one(session: AsyncSession, order_id: uuid.UUID) -> bool:
    """Cancel one unpaid order past its payment deadline; ``False`` if it is not (any more).

    The order is claimed before its payment is closed. A payment notification for the same
    order at the same instant locks the other way round (payment, then order); PostgreSQL
    then aborts one of the two transactions and it is retried whole: either the order is
    paid, or it expires and the late money is refunded.
    """
    order = await store.lock_order(session, order_id, *_overdue_unpaid(), skip_locked=True)
    if order is None:
        return False
    if not await payments.close_payment(session, order.payment_id):
        return False
    await lifecycle.cancel_unpaid(
        session, order, actor_id=None, reason="expired", note="payment window passed"
    )
    return True


async def auto_complete_one(session: AsyncSession, order_id: uuid.UUID) -> bool:
    """Complete one order shipped ``auto_complete_days`` ago; ``False`` if it is not due."""
    order = await store.lock_order(session, order_id, *_due_for_completion(), skip_locked=True)
    if order is None:
        return False
    await lifecycle.complete_order(session, order, actor_id=None, note="completed automatically")
    return True


async def _sweep(
    limit: int,
    where: list[ColumnElement[bool]],
    order_by: InstrumentedAttribute[datetime | None],
    handle: Callable[[AsyncSession, uuid.UUID], Awaitable[bool]],
) -> int:
    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.scalars(
            select(Order.id).where(*where).order_by(order_by).limit(limit)
        )
        return list(result)

    done = 0
    for order_id in await db.transaction(due):

        async def one(session: AsyncSession, order_id: uuid.UUID = order_id) -> bool:
            return await handle(session, order_id)

        if await db.transaction(one):
            done += 1
    return done


async def expire_unpaid(limit: int) -> int:
    """Worker sweep: cancel up to ``limit`` overdue unpaid orders; returns how many."""
    return await _sweep(limit, _overdue_unpaid(), Order.payment_deadline, expire_one)


async def auto_complete(limit: int) -> int:
    """Worker sweep: complete up to ``limit`` orders past ``auto_complete_at``."""
    return await _sweep(limit, _due_for_completion(), Order.auto_complete_at, auto_complete_one)
