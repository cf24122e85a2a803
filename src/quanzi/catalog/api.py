"""Catalog HTTP API: the public catalog, the operator's admin routes, the supplier portal."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from quanzi.catalog import queries, rules, service
from quanzi.catalog.models import Sku
from quanzi.catalog.queries import Page, ProductView
from quanzi.catalog.schemas import (
    CategoryList,
    CategoryOut,
    ProductAdminOut,
    ProductAdminPage,
    ProductIn,
    ProductPatch,
    ProductPublicOut,
    ProductPublicPage,
    SkuAdminOut,
    SkuIn,
    SkuPatch,
    SkuPublicOut,
    StaffIn,
    StaffList,
    StaffOut,
    StockAdjustIn,
    StockOut,
    SupplierIn,
    SupplierOut,
    SupplierPage,
    SupplierPatch,
)
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import Forbidden
from quanzi.identity.deps import Operator, Principal, Session, require_role

router = APIRouter(prefix="/api/v1", tags=["catalog"], route_class=TransactionalRoute)
admin_router = APIRouter(
    prefix="/api/v1/admin", tags=["catalog admin"], route_class=TransactionalRoute
)
supplier_router = APIRouter(
    prefix="/api/v1/supplier", tags=["supplier portal"], route_class=TransactionalRoute
)

Limit = Annotated[int, Query(ge=1, le=rules.MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the last page")]
Category = Annotated[str | None, Query(max_length=rules.MAX_CATEGORY)]
Search = Annotated[
    str | None, Query(max_length=rules.MAX_QUERY, description="Text in title or description")
]
SupplierStaffUser = Annotated[Principal, Depends(require_role(service.SUPPLIER_ROLE))]


# --- serialisation --------------------------------------------------------------------


def _public_sku(sku: Sku) -> SkuPublicOut:
    return SkuPublicOut(
        id=sku.id,
        name=sku.name,
        price_fen=sku.price_fen,
        member_price_fen=sku.member_price_fen,
        stock=sku.stock,
        in_stock=sku.stock > 0,
    )


def _admin_sku(sku: Sku) -> SkuAdminOut:
    return SkuAdminOut(
        **_public_sku(sku).model_dump(),
        supply_price_fen=sku.supply_price_fen,
        reserved=sku.reserved,
        sold=sku.sold,
        active=sku.active,
        position=sku.position,
    )


def _public_product(view: ProductView) -> ProductPublicOut:
    product, skus = view.product, view.on_sale
    # What a member pays at least: a SKU without a member price costs members its price.
    member_prices = (
        [sku.price_fen if sku.member_price_fen is None else sku.member_price_fen for sku in skus]
        if any(sku.member_price_fen is not None for sku in skus)
        else []
    )
    return ProductPublicOut(
        id=product.id,
        supplier_id=product.supplier_id,
        supplier_name=view.supplier_name,
        title=product.title,
        description=product.description,
        category=product.category,
        images=product.images,
        created_at=product.created_at,
        price_fen=min((sku.price_fen for sku in skus), default=None),
        member_price_fen=min(member_prices, default=None),
        in_stock=any(sku.stock > 0 for sku in skus),
        skus=[_public_sku(sku) for sku in skus],
    )


def _admin_product(view: ProductView) -> ProductAdminOut:
    product = view.product
    return ProductAdminOut(
        id=product.id,
        supplier_id=product.supplier_id,
        supplier_name=view.supplier_name,
        title=product.title,
        description=product.description,
        category=product.category,
        images=product.images,
        created_at=product.created_at,
        status=product.status,
        updated_at=product.updated_at,
        skus=[_admin_sku(sku) for sku in view.skus],
    )


def _admin_page(page: Page[ProductView]) -> ProductAdminPage:
    return ProductAdminPage(
        items=[_admin_product(view) for view in page.items], next_cursor=page.next_cursor
    )


# --- public catalog -------------------------------------------------------------------


@router.get("/products")
async def list_products(
    session: Session,
    limit: Limit = rules.DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    category: Category = None,
    q: Search = None,
) -> ProductPublicPage:
    """Products on sale, newest first; follow ``next_cursor`` until it is null."""
    page = await queries.list_products(
        session, public=True, category=category, query=q, cursor=cursor, limit=limit
    )
    return ProductPublicPage(
        items=[_public_product(view) for view in page.items], next_cursor=page.next_cursor
    )


@router.get("/products/{product_id}")
async def get_product(product_id: uuid.UUID, session: Session) -> ProductPublicOut:
    return _public_product(await queries.get_product_view(session, product_id, public=True))


@router.get("/categories")
async def list_categories(session: Session) -> CategoryList:
    """Categories that have products on sale, with how many."""
    categories = await queries.list_categories(session)
    return CategoryList(
        items=[CategoryOut(name=c.name, product_count=c.product_count) for c in categories]
    )


# --- operator: suppliers --------------------------------------------------------------


@admin_router.post("/suppliers", status_code=status.HTTP_201_CREATED)
async def create_supplier(body: SupplierIn, _: Operator, session: Session) -> SupplierOut:
    return SupplierOut.model_validate(await service.create_supplier(session, name=body.name))


@admin_router.get("/suppliers")
async def list_suppliers(
    _: Operator, session: Session, limit: Limit = rules.DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> SupplierPage:
    page = await queries.list_suppliers(session, cursor=cursor, limit=limit)
    return SupplierPage(
        items=[SupplierOut.model_validate(s) for s in page.items], next_cursor=page.next_cursor
    )


@admin_router.get("/suppliers/{supplier_id}")
async def get_supplier(supplier_id: uuid.UUID, _: Operator, session: Session) -> SupplierOut:
    return SupplierOut.model_validate(await service.get_supplier(session, supplier_id))


@admin_router.patch("/suppliers/{supplier_id}")
async def update_supplier(
    supplier_id: uuid.UUID, body: SupplierPatch, _: Operator, session: Session
) -> SupplierOut:
    supplier = await service.update_supplier(session, supplier_id, **body.changes())
    return SupplierOut.model_validate(supplier)


@admin_router.post("/suppliers/{supplier_id}/staff", status_code=status.HTTP_201_CREATED)
async def add_staff(
    supplier_id: uuid.UUID, body: StaffIn, _: Operator, session: Session
) -> StaffOut:
    """Link an existing account (by phone) to the supplier; it gets the supplier role."""
    return StaffOut.model_validate(await service.add_staff(session, supplier_id, phone=body.phone))


@admin_router.get("/suppliers/{supplier_id}/staff")
async def list_staff(supplier_id: uuid.UUID, _: Operator, session: Session) -> StaffList:
    staff = await service.list_staff(session, supplier_id)
    return StaffList(items=[StaffOut.model_validate(member) for member in staff])


@admin_router.delete(
    "/suppliers/{supplier_id}/staff/{user_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def remove_staff(
    supplier_id: uuid.UUID, user_id: uuid.UUID, _: Operator, session: Session
) -> Response:
    await service.remove_staff(session, supplier_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- operator: products and SKUs ------------------------------------------------------


@admin_router.post("/products", status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductIn, _: Operator, session: Session) -> ProductAdminOut:
    view = await service.create_product(
        session,
        supplier_id=body.supplier_id,
        title=body.title,
        category=body.category,
        description=body.description,
        images=body.images,
        skus=[sku.draft() for sku in body.skus],
    )
    return _admin_product(view)


@admin_router.get("/products")
async def admin_list_products(
    _: Operator,
    session: Session,
    limit: Limit = rules.DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    category: Category = None,
    q: Search = None,
    status_filter: Annotated[
        str | None, Query(alias="status", pattern="^(active|archived)$")
    ] = None,
    supplier_id: uuid.UUID | None = None,
) -> ProductAdminPage:
    """Every product (or only ``status``), newest first, with stock, reserved and sold."""
    page = await queries.list_products(
        session,
        public=False,
        status=status_filter,
        supplier_id=supplier_id,
        category=category,
        query=q,
        cursor=cursor,
        limit=limit,
    )
    return _admin_page(page)


@admin_router.get("/products/{product_id}")
async def admin_get_product(
    product_id: uuid.UUID, _: Operator, session: Session
) -> ProductAdminOut:
    return _admin_product(await queries.get_product_view(session, product_id, public=False))


@admin_router.patch("/products/{product_id}")
async def update_product(
    product_id: uuid.UUID, body: ProductPatch, _: Operator, session: Session
) -> ProductAdminOut:
    return _admin_product(await service.update_product(session, product_id, **body.changes()))


@admin_router.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def archive_product(product_id: uuid.UUID, _: Operator, session: Session) -> Response:
    """Archive (products are never erased: orders point at them)."""
    await service.archive_product(session, product_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.post("/products/{product_id}/skus", status_code=status.HTTP_201_CREATED)
async def add_sku(product_id: uuid.UUID, body: SkuIn, _: Operator, session: Session) -> SkuAdminOut:
    return _admin_sku(await service.add_sku(session, product_id, body.draft()))


@admin_router.patch("/skus/{sku_id}")
async def update_sku(
    sku_id: uuid.UUID, body: SkuPatch, _: Operator, session: Session
) -> SkuAdminOut:
    return _admin_sku(await service.update_sku(session, sku_id, **body.changes()))


@admin_router.post("/skus/{sku_id}/stock")
async def adjust_stock(
    sku_id: uuid.UUID, body: StockAdjustIn, _: Operator, session: Session
) -> StockOut:
    """Add (restock) or remove reservable units; units held by orders cannot be removed."""
    levels = await service.adjust_stock(session, sku_id, body.delta)
    return StockOut(
        sku_id=levels.sku_id, stock=levels.stock, reserved=levels.reserved, sold=levels.sold
    )


# --- supplier portal ------------------------------------------------------------------


@supplier_router.get("/products")
async def supplier_products(
    principal: SupplierStaffUser,
    session: Session,
    limit: Limit = rules.DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    q: Search = None,
) -> ProductAdminPage:
    """The caller's supplier's products with stock, reserved and sold units."""
    supplier_id = await service.supplier_for_user(session, principal.user.id)
    if supplier_id is None:
        raise Forbidden("This account is not linked to a supplier.", code="not_supplier_staff")
    page = await queries.list_products(
        session, public=False, supplier_id=supplier_id, query=q, cursor=cursor, limit=limit
    )
    return _admin_page(page)
