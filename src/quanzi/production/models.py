from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class ProductionRule(TimestampMixin, Base):
    """How succeeded demand is cut into batches: ``daily`` (at midnight, shop time) or
    ``threshold`` (as soon as a batch reaches ``threshold_quantity``). One row, id 1."""

    __tablename__ = "production_rules"
    __table_args__ = (
        CheckConstraint("threshold_quantity IS NULL OR threshold_quantity > 0", name="threshold"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="daily")
    threshold_quantity: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class ProductionBatch(IdMixin, TimestampMixin, Base):
    """Demand for one SKU of one supplier. ``collecting`` while orders are added, then
    ``created`` (cut, visible to the supplier) → ``in_production`` → ``produced``."""

    __tablename__ = "production_batches"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        Index("ix_production_batches_supplier_status", "supplier_id", "status"),
        Index("ix_production_batches_collecting", "status", "supplier_id", "sku_id"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("skus.id"))
    title: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    payable_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    cut_at: Mapped[datetime | None]
    production_started_at: Mapped[datetime | None]
    produced_at: Mapped[datetime | None]


class ProductionBatchOrder(Base):
    """An order line made by a batch."""

    __tablename__ = "production_batch_orders"

    order_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("order_lines.id"), primary_key=True
    )
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("production_batches.id"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    supply_fen: Mapped[int] = mapped_column(BigInteger)
