"""Read-only views of the order rows production needs in bulk.

The orders module owns these tables; every write to them goes through
``quanzi.orders.service`` (shipping). Reading them here, one statement per batch instead of
one call per order, keeps the demand handler cheap inside the transaction that makes a
group succeed, and lets a batch of thousands of orders be shown in one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.orders import rules as order_rules
from quanzi.orders.models import Order, OrderLine
from quanzi.production.models import ProductionBatchOrder


@dataclass(frozen=True)
class DemandLine:
    line_id: uuid.UUID
    order_id: uuid.UUID
    order_status: str
    supplier_id: uuid.UUID
    sku_id: uuid.UUID
    title: str
    sku_name: str
    quantity: int
    supply_fen: int


async def unrecorded_lines(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> list[DemandLine]:
    """Lines of ``order_ids`` not yet in any batch, by supplier, SKU and line."""
    rows = await session.execute(
        select(
            OrderLine.id,
            OrderLine.order_id,
            Order.status,
            OrderLine.supplier_id,
            OrderLine.sku_id,
            OrderLine.title,
            OrderLine.sku_name,
            OrderLine.quantity,
            OrderLine.supply_price_fen * OrderLine.quantity,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.order_id.in_(list(order_ids)),
            ~exists().where(ProductionBatchOrder.order_line_id == OrderLine.id),
        )
        .order_by(OrderLine.supplier_id, OrderLine.sku_id, OrderLine.id)
    )
    demand = []
    for line_id, order_id, status, supplier_id, sku_id, title, name, quantity, supply in rows:
        # Only lines of virtual goods (a membership) lack a supplier and SKU; they are never
        # in a group order, so never demand.
        if supplier_id is None or sku_id is None:
            raise ValueError(f"order line {line_id} holds no goods")
        demand.append(
            DemandLine(
                line_id, order_id, status, supplier_id, sku_id, title, name, quantity, supply
            )
        )
    return demand


@dataclass(frozen=True)
class LineRefunds:
    line_id: uuid.UUID
    batch_id: uuid.UUID
    quantity: int
    supply_fen: int
    booked_fen: int | None
    paid_fen: int
    refunded_fen: int
    order_fully_refunded: bool


async def line_refunds(
    session: AsyncSession,
    *,
    batch_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
) -> list[LineRefunds]:
    """Paid and refunded amounts of the batch lines of one batch or of one order."""
    if (batch_id is None) == (order_id is None):
        raise ValueError("name a batch or an order")
    query = (
        select(
            ProductionBatchOrder.order_line_id,
            ProductionBatchOrder.batch_id,
            ProductionBatchOrder.quantity,
            ProductionBatchOrder.supply_fen,
            ProductionBatchOrder.booked_fen,
            OrderLine.paid_fen,
            OrderLine.refunded_fen,
            Order.refunded_fen >= Order.total_fen,
        )
        .join(OrderLine, OrderLine.id == ProductionBatchOrder.order_line_id)
        .join(Order, Order.id == ProductionBatchOrder.order_id)
        .order_by(ProductionBatchOrder.order_line_id)
    )
    if batch_id is not None:
        query = query.where(ProductionBatchOrder.batch_id == batch_id)
    if order_id is not None:
        query = query.where(ProductionBatchOrder.order_id == order_id)
    rows = await session.execute(query)
    return [
        LineRefunds(line, batch, quantity, supply, booked, paid, refunded, bool(full))
        for line, batch, quantity, supply, booked, paid, refunded, full in rows.all()
    ]


@dataclass(frozen=True)
class BatchOrder:
    """An order of a batch as the supplier needs it: what to make, where to send it, and
    whether it left."""

    order_id: uuid.UUID
    quantity: int
    supply_fen: int
    booked_fen: int | None
    status: str
    refunded_fen: int
    address: dict[str, Any]
    carrier: str | None
    tracking_no: str | None
    shipped_at: datetime | None


async def batch_orders(
    session: AsyncSession,
    batch_id: uuid.UUID,
    *,
    order_ids: Sequence[uuid.UUID] | None = None,
) -> list[BatchOrder]:
    """The orders of a batch (all, or those of ``order_ids`` that are in it), by id."""
    query = (
        select(
            ProductionBatchOrder.order_id,
            ProductionBatchOrder.quantity,
            ProductionBatchOrder.supply_fen,
            ProductionBatchOrder.booked_fen,
            Order.status,
            Order.refunded_fen,
            Order.address,
            Order.carrier,
            Order.tracking_no,
            Order.shipped_at,
        )
        .join(Order, Order.id == ProductionBatchOrder.order_id)
        .where(ProductionBatchOrder.batch_id == batch_id)
        .order_by(ProductionBatchOrder.order_id)
    )
    if order_ids is not None:
        query = query.where(ProductionBatchOrder.order_id.in_(list(order_ids)))
    # A batch is one SKU and orders merge lines of one SKU: one line per order here.
    return [BatchOrder(*row) for row in (await session.execute(query)).all()]


@dataclass(frozen=True)
class ShippingProgress:
    """How far a batch's direct shipment has come: orders shipped, orders still to ship
    (confirmed). Refunded orders are in neither."""

    shipped: int
    to_ship: int


async def shipping_progress(
    session: AsyncSession, batch_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ShippingProgress]:
    """The shipping progress of each of ``batch_ids`` in one statement (a page of batches
    lists it beside each one); a batch without orders is left out."""
    if not batch_ids:
        return {}
    rows = await session.execute(
        select(
            ProductionBatchOrder.batch_id,
            func.sum(case((Order.shipped_at.is_not(None), 1), else_=0)),
            func.sum(case((Order.status == order_rules.CONFIRMED, 1), else_=0)),
        )
        .join(Order, Order.id == ProductionBatchOrder.order_id)
        .where(ProductionBatchOrder.batch_id.in_(list(batch_ids)))
        .group_by(ProductionBatchOrder.batch_id)
    )
    return {
        batch_id: ShippingProgress(int(shipped or 0), int(to_ship or 0))
        for batch_id, shipped, to_ship in rows.all()
    }
