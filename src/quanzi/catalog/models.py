from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, JSONType, TimestampMixin


class Supplier(IdMixin, TimestampMixin, Base):
    __tablename__ = "suppliers"

    name: Mapped[str] = mapped_column(String(120), unique=True)


class SupplierStaff(TimestampMixin, Base):
    """Links a user holding the ``supplier`` role to the supplier they work for."""

    __tablename__ = "supplier_staff"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"), index=True)


class Product(IdMixin, TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_listing", "status", "category", "id"),
        CheckConstraint("status IN ('active', 'archived')", name="status_known"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(60))
    images: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="active")
    updated_at: Mapped[datetime]


class Sku(IdMixin, TimestampMixin, Base):
    """A sellable variant. ``stock`` is what can still be reserved; ``reserved`` is held by
    unpaid orders; ``sold`` is paid. Their sum only changes when stock is restocked."""

    __tablename__ = "skus"
    __table_args__ = (
        UniqueConstraint("product_id", "name"),
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint(
            "member_price_fen IS NULL OR (member_price_fen > 0 AND member_price_fen <= price_fen)",
            name="member_price_range",
        ),
        CheckConstraint("supply_price_fen >= 0", name="supply_price_nonnegative"),
        CheckConstraint("stock >= 0", name="stock_nonnegative"),
        CheckConstraint("reserved >= 0", name="reserved_nonnegative"),
        CheckConstraint("sold >= 0", name="sold_nonnegative"),
    )

    # The (product_id, name) unique constraint's index also serves lookups by product.
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    name: Mapped[str] = mapped_column(String(120))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    member_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    supply_price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    stock: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Display order inside the product (the operator's order, e.g. 100g before 250g).
    position: Mapped[int] = mapped_column(Integer, default=0)
