"""Reading orders, with authorization on every one: a buyer sees their own, supplier staff
the orders that hold their goods, operators everything. Anything else is a 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.errors import Unprocessable
from quanzi.orders import rules, store
from quanzi.orders.models import Order, OrderLine


@dataclass(frozen=True)
class Viewer:
    user_id: uuid.UUID
    is_operator: bool = False
    supplier_id: uuid.UUID | None = None


@dataclass(frozen=True)
class OrderPage:
    items: list[store.OrderView]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> uuid.UUID | None:
    """A page cursor is the id of the last order of the previous page."""
    if cursor is None or cursor == "":
        return None
    try:
        return uuid.UUID(cursor)
    except ValueError:
        raise Unprocessable("That page cursor is not valid.", code="invalid_cursor") from None


async def order_for(session: AsyncSession, order_id: uuid.UUID, viewer: Viewer) -> store.OrderView:
    """One order with its lines, if ``viewer`` may see it."""
    order = await session.get(Order, order_id)
    if order is None:
        raise store.not_found()
    lines = await store.lines_of(session, order.id)
    allowed = (
        viewer.is_operator
        or order.buyer_id == viewer.user_id
        or (
            viewer.supplier_id is not None
            and any(line.supplier_id == viewer.supplier_id for line in lines)
        )
    )
    if not allowed:
        raise store.not_found()
    return store.OrderView(order, lines)


async def list_orders(
    session: AsyncSession,
    *,
    limit: int,
    cursor: uuid.UUID | None = None,
    buyer_id: uuid.UUID | None = None,
    supplier_id: uuid.UUID | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> OrderPage:
    """Newest first (ids are time-ordered), filtered; ``supplier_id`` keeps orders with at
    least one line of that supplier."""
    where: list[ColumnElement[bool]] = []
    if cursor is not None:
        where.append(Order.id < cursor)
    if buyer_id is not None:
        where.append(Order.buyer_id == buyer_id)
    if supplier_id is not None:
        where.append(
            Order.id.in_(select(OrderLine.order_id).where(OrderLine.supplier_id == supplier_id))
        )
    if status is not None:
        where.append(Order.status == status)
    if kind is not None:
        where.append(Order.kind == kind)
    orders = list(
        await session.scalars(
            select(Order).where(*where).order_by(Order.id.desc()).limit(limit + 1)
        )
    )
    more = len(orders) > limit
    orders = orders[:limit]
    lines_by_order: dict[uuid.UUID, list[OrderLine]] = {order.id: [] for order in orders}
    if orders:
        for line in await session.scalars(
            select(OrderLine)
            .where(OrderLine.order_id.in_(list(lines_by_order)))
            .order_by(OrderLine.position)
        ):
            lines_by_order[line.order_id].append(line)
    return OrderPage(
        items=[store.OrderView(order, lines_by_order[order.id]) for order in orders],
        next_cursor=str(orders[-1].id) if more else None,
    )


@dataclass(frozen=True)
class BuyerTotals:
    """A buyer's paid goods orders (memberships excluded) and what they spent on them, net
    of refunds."""

    paid_orders: int
    spent_fen: int


async def buyer_totals(session: AsyncSession, buyer_id: uuid.UUID) -> BuyerTotals:
    """Count and spend of ``buyer_id``'s paid goods orders, in one query over the buyer's
    orders (the ``buyer_id, id`` index): for an operator looking at one member."""
    count, spent = (
        await session.execute(
            select(
                func.count(Order.id),
                func.coalesce(func.sum(Order.total_fen - Order.refunded_fen), 0),
            ).where(
                Order.buyer_id == buyer_id,
                Order.paid_at.is_not(None),
                Order.kind != rules.MEMBERSHIP,
            )
        )
    ).one()
    return BuyerTotals(paid_orders=int(count), spent_fen=int(spent))
