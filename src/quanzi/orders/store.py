"""Loading, locking and moving orders: the helpers every order service shares.

Lock order: an unpaid order's payment row before the order row (the payments module
updates the payment, then publishes ``PaymentSucceeded``; a buyer's cancellation closes the
payment first), then SKU rows in id order (``catalog.stock``). Refunds lock the order, then
the payment, which is safe because only paid orders are refunded and a notification for an
already paid payment changes nothing and never reaches the order. The expiry sweep is the
one exception (see ``sweeps``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.errors import NotFound
from quanzi.core.outbox import json_id
from quanzi.orders import rules
from quanzi.orders.models import Order, OrderLine, OrderStatusChange


@dataclass(frozen=True)
class OrderView:
    order: Order
    lines: list[OrderLine]


def not_found() -> NotFound:
    return NotFound("No such order.", code="order_not_found")


async def get_order(session: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await session.get(Order, order_id)
    if order is None:
        raise not_found()
    return order


async def lock_order(
    session: AsyncSession,
    order_id: uuid.UUID,
    *where: ColumnElement[bool],
    skip_locked: bool = False,
) -> Order | None:
    """The order row, locked (PostgreSQL) and freshly read, if it matches ``where``."""
    return await session.scalar(
        select(Order)
        .where(Order.id == order_id, *where)
        # NO KEY UPDATE: serialises order writers without blocking rows that merely
        # reference the order (lines, refunds, other modules' foreign keys).
        .with_for_update(key_share=True, skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


async def lock_existing(session: AsyncSession, order_id: uuid.UUID) -> Order:
    order = await lock_order(session, order_id)
    if order is None:
        raise not_found()
    return order


async def lines_of(session: AsyncSession, order_id: uuid.UUID) -> list[OrderLine]:
    result = await session.scalars(
        select(OrderLine)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.position)
        .execution_options(populate_existing=True)
    )
    return list(result)


async def change_status(
    session: AsyncSession,
    order: Order,
    to_status: str,
    *,
    actor_id: uuid.UUID | None,
    note: str = "",
) -> None:
    """Move ``order`` to ``to_status`` if the state machine allows it, recording who and why."""
    rules.check_transition(order.kind, order.status, to_status)
    now = clock.now()
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=to_status,
            actor_id=actor_id,
            note=note[:300],
            created_at=now,
        )
    )
    order.status = to_status
    order.updated_at = now
    await session.flush()


def quantities(lines: list[OrderLine]) -> dict[uuid.UUID, int]:
    """Units per SKU (lines of virtual goods hold no stock and are left out)."""
    return {line.sku_id: line.quantity for line in lines if line.sku_id is not None}


def line_money(kind: str, lines: list[OrderLine]) -> list[rules.LineMoney]:
    return [
        rules.LineMoney(
            supplier_id=line.supplier_id,
            paid_fen=line.paid_fen,
            supply_fen=line.supply_price_fen * line.quantity,
            refunded_fen=line.refunded_fen,
            supply_account=(
                "" if line.supplier_id is None else rules.supply_account(kind, line.supplier_id)
            ),
        )
        for line in lines
    ]


def outbox_payload(order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order_id": json_id(order.id),
        "buyer_id": json_id(order.buyer_id),
        "kind": order.kind,
        "status": order.status,
        "total_fen": order.total_fen,
        "refunded_fen": order.refunded_fen,
        **extra,
    }
