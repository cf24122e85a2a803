"""Catalog rules with side effects: suppliers and their staff, products, SKUs, stock.

Reads (pages, search, categories) live in :mod:`quanzi.catalog.queries`; order-time
stock reservation lives in :mod:`quanzi.catalog.stock`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import queries, rules
from quanzi.catalog.models import Product, Sku, Supplier, SupplierStaff
from quanzi.catalog.queries import ProductView
from quanzi.catalog.rules import SkuDraft
from quanzi.core import clock
from quanzi.core.db import RetryTransaction
from quanzi.core.errors import Conflict, NotFound, Unprocessable
from quanzi.identity import service as identity

SUPPLIER_ROLE = "supplier"


class Unset(enum.Enum):
    """Marks a keyword the caller left out of a partial update (``None`` can be a value)."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class StaffMember:
    supplier_id: uuid.UUID
    user_id: uuid.UUID
    phone: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class StockLevels:
    sku_id: uuid.UUID
    stock: int
    reserved: int
    sold: int


# --- suppliers ------------------------------------------------------------------------


def _supplier_name(name: str) -> str:
    return rules.clean_line(name, field="supplier_name", max_length=rules.MAX_SUPPLIER_NAME)


async def _flush_unique(session: AsyncSession, refusal: Conflict) -> None:
    """Flush inside a savepoint so a unique-constraint race becomes ``refusal``, not a 500."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise refusal from exc


async def get_supplier(session: AsyncSession, supplier_id: uuid.UUID) -> Supplier:
    supplier = await session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound("No such supplier.", code="supplier_not_found")
    return supplier


async def find_supplier_by_name(session: AsyncSession, name: str) -> Supplier | None:
    return await session.scalar(select(Supplier).where(Supplier.name == _supplier_name(name)))


async def create_supplier(session: AsyncSession, *, name: str) -> Supplier:
    """A new supplier; names are unique (``supplier_name_taken``)."""
    supplier = Supplier(name=_supplier_name(name), created_at=clock.now())
    session.add(supplier)
    await _flush_unique(
        session, Conflict("A supplier with this name exists.", code="supplier_name_taken")
    )
    return supplier


async def update_supplier(
    session: AsyncSession, supplier_id: uuid.UUID, *, name: str | Unset = UNSET
) -> Supplier:
    """Rename a supplier (names stay unique)."""
    supplier = await get_supplier(session, supplier_id)
    if isinstance(name, str):
        supplier.name = _supplier_name(name)
        await _flush_unique(
            session, Conflict("A supplier with this name exists.", code="supplier_name_taken")
        )
    return supplier


async def supplier_for_user(session: AsyncSession, user_id: uuid.UUID) -> uuid.UUID | None:
    """The supplier ``user_id`` works for, or ``None`` if they are not supplier staff."""
    return await session.scalar(
        select(SupplierStaff.supplier_id).where(SupplierStaff.user_id == user_id)
    )


async def add_staff(session: AsyncSession, supplier_id: uuid.UUID, *, phone: str) -> StaffMember:
    """Link the account with ``phone`` to the supplier and grant it the supplier role.

    Repeating the call changes nothing; a person works for one supplier at a time
    (``staff_of_other_supplier`` until they are removed from the first).
    """
    supplier = await get_supplier(session, supplier_id)
    user = await identity.find_by_phone(session, phone)
    if user is None:
        raise NotFound("No account has this phone number.", code="user_not_found")
    link = await session.get(SupplierStaff, user.id)
    if link is not None and link.supplier_id != supplier.id:
        raise Conflict(
            "This account already works for another supplier.", code="staff_of_other_supplier"
        )
    if link is None:
        link = SupplierStaff(user_id=user.id, supplier_id=supplier.id, created_at=clock.now())
        session.add(link)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError as exc:
            # A concurrent request linked the same account: rerun and report what it did.
            raise RetryTransaction from exc
    await identity.grant_role(session, user, SUPPLIER_ROLE)
    return StaffMember(
        supplier_id=supplier.id,
        user_id=user.id,
        phone=user.phone,
        display_name=user.display_name,
        created_at=link.created_at,
    )


async def list_staff(session: AsyncSession, supplier_id: uuid.UUID) -> list[StaffMember]:
    """Everyone linked to the supplier, earliest first (a handful of people per supplier)."""
    await get_supplier(session, supplier_id)
    links = await session.scalars(
        select(SupplierStaff)
        .where(SupplierStaff.supplier_id == supplier_id)
        .order_by(SupplierStaff.created_at, SupplierStaff.user_id)
    )
    staff = []
    for link in links.all():
        user = await identity.get_user(session, link.user_id)
        staff.append(
            StaffMember(
                supplier_id=supplier_id,
                user_id=user.id,
                phone=user.phone,
                display_name=user.display_name,
                created_at=link.created_at,
            )
        )
    return staff


async def remove_staff(session: AsyncSession, supplier_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Unlink an account from the supplier. Its ``supplier`` role stays but grants nothing
    without a link: supplier pages and shipping need :func:`supplier_for_user`."""
    result = await session.execute(
        delete(SupplierStaff).where(
            SupplierStaff.supplier_id == supplier_id, SupplierStaff.user_id == user_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("This account is not staff of this supplier.", code="staff_not_found")


# --- products -------------------------------------------------------------------------


def _title(value: str) -> str:
    return rules.clean_line(value, field="title", max_length=rules.MAX_TITLE)


def _category(value: str) -> str:
    return rules.clean_line(value, field="category", max_length=rules.MAX_CATEGORY)


async def create_product(
    session: AsyncSession,
    *,
    supplier_id: uuid.UUID,
    title: str,
    category: str,
    skus: Sequence[SkuDraft],
    description: str = "",
    images: Sequence[str] = (),
) -> ProductView:
    """A new active product with its SKUs; every rule is checked before anything is written."""
    clean_title, clean_category = _title(title), _category(category)
    clean_description, clean_images = (
        rules.clean_description(description),
        rules.clean_images(images),
    )
    drafts = rules.clean_skus(skus)
    supplier = await get_supplier(session, supplier_id)
    now = clock.now()
    product = Product(
        supplier_id=supplier.id,
        title=clean_title,
        category=clean_category,
        description=clean_description,
        images=clean_images,
        status="active",
        created_at=now,
        updated_at=now,
    )
    session.add(product)
    await session.flush()
    rows = [
        Sku(
            product_id=product.id,
            name=draft.name,
            price_fen=draft.price_fen,
            member_price_fen=draft.member_price_fen,
            supply_price_fen=draft.supply_price_fen,
            stock=draft.stock,
            reserved=0,
            sold=0,
            active=True,
            position=position,
            created_at=now,
        )
        for position, draft in enumerate(drafts)
    ]
    session.add_all(rows)
    await session.flush()
    return ProductView(product=product, supplier_name=supplier.name, skus=rows)


async def find_product(
    session: AsyncSession, *, supplier_id: uuid.UUID, title: str
) -> Product | None:
    """The supplier's product with exactly this title (the oldest if there are several)."""
    return await session.scalar(
        select(Product)
        .where(Product.supplier_id == supplier_id, Product.title == _title(title))
        .order_by(Product.id)
        .limit(1)
    )


async def update_product(
    session: AsyncSession,
    product_id: uuid.UUID,
    *,
    title: str | Unset = UNSET,
    description: str | Unset = UNSET,
    category: str | Unset = UNSET,
    images: Sequence[str] | Unset = UNSET,
    status: str | Unset = UNSET,
) -> ProductView:
    """Change what was given; ``status="archived"`` takes the product off sale (orders
    already placed keep their lines), ``"active"`` puts it back."""
    if isinstance(status, str) and status not in rules.PRODUCT_STATUSES:
        raise Unprocessable(f"Unknown product status {status!r}.", code="invalid_status")
    # Every value is checked before the first one is applied.
    new_title = _title(title) if isinstance(title, str) else None
    new_description = rules.clean_description(description) if isinstance(description, str) else None
    new_category = _category(category) if isinstance(category, str) else None
    new_images = None if isinstance(images, Unset) else rules.clean_images(images)
    product = await queries.get_product(session, product_id)
    if new_title is not None:
        product.title = new_title
    if new_description is not None:
        product.description = new_description
    if new_category is not None:
        product.category = new_category
    if new_images is not None:
        product.images = new_images
    if isinstance(status, str):
        product.status = status
    product.updated_at = clock.now()
    await session.flush()
    return await queries.get_product_view(session, product.id, public=False)


async def archive_product(session: AsyncSession, product_id: uuid.UUID) -> ProductView:
    return await update_product(session, product_id, status="archived")


# --- SKUs and stock -------------------------------------------------------------------


async def get_sku(session: AsyncSession, sku_id: uuid.UUID) -> Sku:
    sku = await session.get(Sku, sku_id)
    if sku is None:
        raise NotFound("No such SKU.", code="sku_not_found")
    return sku


def _sku_name_taken() -> Conflict:
    return Conflict("This product already has a SKU with this name.", code="sku_name_taken")


async def add_sku(session: AsyncSession, product_id: uuid.UUID, draft: SkuDraft) -> Sku:
    """Add a SKU after the existing ones (at most 50 per product, names unique)."""
    clean = rules.clean_sku(draft)
    # Locking the product serialises concurrent additions, so the count below holds.
    product = await session.scalar(
        select(Product).where(Product.id == product_id).with_for_update()
    )
    if product is None:
        raise NotFound("No such product.", code="product_not_found")
    count, last_position = (
        await session.execute(
            select(func.count(Sku.id), func.max(Sku.position)).where(Sku.product_id == product_id)
        )
    ).one()
    if count >= rules.MAX_SKUS_PER_PRODUCT:
        raise Conflict(
            f"A product has at most {rules.MAX_SKUS_PER_PRODUCT} SKUs.", code="too_many_skus"
        )
    now = clock.now()
    sku = Sku(
        product_id=product_id,
        name=clean.name,
        price_fen=clean.price_fen,
        member_price_fen=clean.member_price_fen,
        supply_price_fen=clean.supply_price_fen,
        stock=clean.stock,
        reserved=0,
        sold=0,
        active=True,
        position=0 if last_position is None else last_position + 1,
        created_at=now,
    )
    session.add(sku)
    await _flush_unique(session, _sku_name_taken())
    product.updated_at = now
    await session.flush()
    return sku


async def update_sku(
    session: AsyncSession,
    sku_id: uuid.UUID,
    *,
    name: str | Unset = UNSET,
    price_fen: int | Unset = UNSET,
    member_price_fen: int | Unset | None = UNSET,
    supply_price_fen: int | Unset = UNSET,
    active: bool | Unset = UNSET,
) -> Sku:
    """Change a SKU's name, prices or availability. New prices apply to orders placed from
    now on; existing order lines keep the price they were created with.
    ``member_price_fen=None`` removes the member price."""
    sku = await get_sku(session, sku_id)
    new_price = sku.price_fen if isinstance(price_fen, Unset) else price_fen
    new_member = sku.member_price_fen if isinstance(member_price_fen, Unset) else member_price_fen
    new_supply = sku.supply_price_fen if isinstance(supply_price_fen, Unset) else supply_price_fen
    rules.check_prices(new_price, new_member, new_supply)
    if isinstance(name, str):
        sku.name = rules.clean_line(name, field="sku_name", max_length=rules.MAX_SKU_NAME)
    sku.price_fen, sku.member_price_fen, sku.supply_price_fen = new_price, new_member, new_supply
    if isinstance(active, bool):
        sku.active = active
    await _flush_unique(session, _sku_name_taken())
    return sku


async def adjust_stock(session: AsyncSession, sku_id: uuid.UUID, delta: int) -> StockLevels:
    """Add (restock) or remove reservable units in one conditional UPDATE.

    Units held by unpaid orders (``reserved``) or already paid (``sold``) are never
    touched: removing more than ``stock`` is refused with ``insufficient_stock``.
    """
    rules.check_stock_delta(delta)
    row = (
        await session.execute(
            update(Sku)
            .where(
                Sku.id == sku_id,
                Sku.stock + delta >= 0,
                Sku.stock + delta <= rules.MAX_STOCK,
            )
            .values(stock=Sku.stock + delta)
            .returning(Sku.stock, Sku.reserved, Sku.sold)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is not None:
        return StockLevels(sku_id=sku_id, stock=row.stock, reserved=row.reserved, sold=row.sold)
    # Nothing matched: find out why, only to word the refusal.
    current = await session.scalar(select(Sku.stock).where(Sku.id == sku_id))
    if current is None:
        raise NotFound("No such SKU.", code="sku_not_found")
    if delta < 0:
        raise Conflict(
            f"Only {current} units can be removed; the rest are held by orders.",
            code="insufficient_stock",
            available=current,
        )
    raise Conflict(f"Stock cannot exceed {rules.MAX_STOCK} units.", code="stock_limit_exceeded")
