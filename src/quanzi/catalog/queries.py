"""Catalog reads: product pages (keyset pagination, category filter, text search),
single products, categories, suppliers.

A page costs two queries whatever its size: products (joined to their supplier's name)
and then every SKU of those products at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from quanzi.catalog import rules
from quanzi.catalog.models import Product, Sku, Supplier
from quanzi.core.errors import NotFound, Unprocessable

T = TypeVar("T")


@dataclass(frozen=True)
class ProductView:
    """A product with its supplier's name and its SKUs in display order."""

    product: Product
    supplier_name: str
    skus: list[Sku]

    @property
    def on_sale(self) -> list[Sku]:
        return [sku for sku in self.skus if sku.active]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class CategoryCount:
    name: str
    product_count: int


def _older_than(column: InstrumentedAttribute[uuid.UUID], cursor: str) -> ColumnElement[bool]:
    """Rows after the cursor in newest-first order (UUIDv7 ids grow with time)."""
    return column < rules.decode_cursor(cursor)


def _page(items: list[T], *, more: bool, last_id: uuid.UUID | None) -> Page[T]:
    """``more``: the query found a row past this page (it asked for ``limit + 1``)."""
    cursor = rules.encode_cursor(last_id) if more and last_id is not None else None
    return Page(items=items, next_cursor=cursor)


async def _skus_for(
    session: AsyncSession, product_ids: list[uuid.UUID], *, active_only: bool
) -> dict[uuid.UUID, list[Sku]]:
    by_product: dict[uuid.UUID, list[Sku]] = defaultdict(list)
    if not product_ids:
        return by_product
    stmt = select(Sku).where(Sku.product_id.in_(product_ids))
    if active_only:
        stmt = stmt.where(Sku.active.is_(True))
    for sku in await session.scalars(stmt.order_by(Sku.product_id, Sku.position, Sku.id)):
        by_product[sku.product_id].append(sku)
    return by_product


async def list_products(
    session: AsyncSession,
    *,
    public: bool,
    status: str | None = None,
    supplier_id: uuid.UUID | None = None,
    category: str | None = None,
    query: str | None = None,
    cursor: str | None = None,
    limit: int = rules.DEFAULT_PAGE_SIZE,
) -> Page[ProductView]:
    """Newest first. ``public`` shows only active products and their active SKUs; staff
    (operator, supplier) see every status (or ``status``) and every SKU.

    ``query`` matches title or description, case-insensitively (ILIKE on PostgreSQL,
    ``lower() LIKE`` on SQLite; ``%`` and ``_`` in the query match themselves).
    """
    limit = max(1, min(limit, rules.MAX_PAGE_SIZE))
    stmt = select(Product, Supplier.name).join(Supplier, Supplier.id == Product.supplier_id)
    if public:
        stmt = stmt.where(Product.status == "active")
    elif status is not None:
        if status not in rules.PRODUCT_STATUSES:
            raise Unprocessable(f"Unknown product status {status!r}.", code="invalid_status")
        stmt = stmt.where(Product.status == status)
    if supplier_id is not None:
        stmt = stmt.where(Product.supplier_id == supplier_id)
    if category is not None:
        stmt = stmt.where(
            Product.category
            == rules.clean_line(category, field="category", max_length=rules.MAX_CATEGORY)
        )
    if (text := rules.clean_search(query)) is not None:
        stmt = stmt.where(
            or_(
                Product.title.icontains(text, autoescape=True),
                Product.description.icontains(text, autoescape=True),
            )
        )
    if cursor is not None:
        stmt = stmt.where(_older_than(Product.id, cursor))
    rows = (await session.execute(stmt.order_by(Product.id.desc()).limit(limit + 1))).all()
    shown = rows[:limit]
    skus = await _skus_for(session, [product.id for product, _ in shown], active_only=public)
    views = [
        ProductView(product=product, supplier_name=name, skus=skus.get(product.id, []))
        for product, name in shown
    ]
    return _page(views, more=len(rows) > limit, last_id=shown[-1][0].id if shown else None)


async def get_product(session: AsyncSession, product_id: uuid.UUID) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.", code="product_not_found")
    return product


async def get_product_view(
    session: AsyncSession, product_id: uuid.UUID, *, public: bool
) -> ProductView:
    """One product; the public never sees an archived one (404, as if it did not exist)."""
    row = (
        await session.execute(
            select(Product, Supplier.name)
            .join(Supplier, Supplier.id == Product.supplier_id)
            .where(Product.id == product_id)
        )
    ).first()
    if row is None or (public and row[0].status != "active"):
        raise NotFound("No such product.", code="product_not_found")
    product, supplier_name = row
    skus = await _skus_for(session, [product.id], active_only=public)
    return ProductView(product=product, supplier_name=supplier_name, skus=skus[product.id])


async def list_categories(session: AsyncSession) -> list[CategoryCount]:
    """Categories of active products with how many each has, biggest first."""
    count = func.count(Product.id)
    rows = await session.execute(
        select(Product.category, count)
        .where(Product.status == "active")
        .group_by(Product.category)
        .order_by(count.desc(), Product.category)
    )
    return [CategoryCount(name=name, product_count=int(n)) for name, n in rows.all()]


async def list_suppliers(
    session: AsyncSession, *, cursor: str | None = None, limit: int = rules.DEFAULT_PAGE_SIZE
) -> Page[Supplier]:
    """Suppliers, newest first."""
    limit = max(1, min(limit, rules.MAX_PAGE_SIZE))
    stmt = select(Supplier)
    if cursor is not None:
        stmt = stmt.where(_older_than(Supplier.id, cursor))
    rows = list(await session.scalars(stmt.order_by(Supplier.id.desc()).limit(limit + 1)))
    shown = rows[:limit]
    return _page(shown, more=len(rows) > limit, last_id=shown[-1].id if shown else None)
