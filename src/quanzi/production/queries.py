"""Reading batches: the supplier sees its own cut batches, operators every batch. Anything
a caller may not see is a 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.production import batches, orderdata, rules
from quanzi.production.models import ProductionBatch


@dataclass(frozen=True)
class BatchPage:
    items: list[ProductionBatch]
    next_cursor: str | None


@dataclass(frozen=True)
class BatchView:
    batch: ProductionBatch
    orders: list[orderdata.BatchOrder]

    @property
    def shipped_count(self) -> int:
        return sum(1 for order in self.orders if order.shipped_at is not None)


async def list_batches(
    session: AsyncSession,
    *,
    limit: int,
    cursor: uuid.UUID | None = None,
    supplier_id: uuid.UUID | None = None,
    sku_id: uuid.UUID | None = None,
    status: str | None = None,
    supplier_view: bool = False,
) -> BatchPage:
    """Newest first (ids are time-ordered), filtered. ``supplier_view`` leaves out batches
    still collecting."""
    where: list[ColumnElement[bool]] = []
    if cursor is not None:
        where.append(ProductionBatch.id < cursor)
    if supplier_id is not None:
        where.append(ProductionBatch.supplier_id == supplier_id)
    if sku_id is not None:
        where.append(ProductionBatch.sku_id == sku_id)
    if status is not None:
        where.append(ProductionBatch.status == status)
    if supplier_view:
        where.append(ProductionBatch.status.in_(rules.SUPPLIER_STATUSES))
    found = list(
        await session.scalars(
            select(ProductionBatch)
            .where(*where)
            .order_by(ProductionBatch.id.desc())
            .limit(limit + 1)
        )
    )
    more = len(found) > limit
    found = found[:limit]
    return BatchPage(found, str(found[-1].id) if more else None)


async def batch_for_supplier(
    session: AsyncSession, batch_id: uuid.UUID, supplier_id: uuid.UUID
) -> BatchView:
    """One of the supplier's cut batches with its orders."""
    batch = await batches.supplier_batch(session, batch_id, supplier_id)
    return BatchView(batch, await orderdata.batch_orders(session, batch.id))


async def batch_for_operator(session: AsyncSession, batch_id: uuid.UUID) -> BatchView:
    """Any batch with its orders."""
    batch = await session.get(ProductionBatch, batch_id, populate_existing=True)
    if batch is None:
        raise batches.batch_not_found()
    return BatchView(batch, await orderdata.batch_orders(session, batch.id))
