"""Read-only view of the order lines commission is computed on.

The orders and catalog modules own these tables and every write to them. One statement
per order (lines with their product's category) keeps the accrual handler's cost fixed
inside the payment transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog.models import Product
from quanzi.orders.models import OrderLine
from quanzi.referral.commission.rules import SaleLine


async def sale_lines(session: AsyncSession, order_id: uuid.UUID) -> list[SaleLine]:
    """The order's goods lines in the buyer's order, each with its paid amount and
    category."""
    rows = await session.execute(
        select(OrderLine.id, OrderLine.sku_id, Product.category, OrderLine.paid_fen)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.position)
    )
    # Lines of virtual goods (no SKU, no product) never pay commission.
    return [
        SaleLine(line_id, sku_id, category, paid_fen)
        for line_id, sku_id, category, paid_fen in rows.all()
        if sku_id is not None
    ]
