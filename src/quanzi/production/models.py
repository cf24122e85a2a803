from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class ProductionRule(TimestampMixin, Base):
    """How succeeded demand is cut into batches: ``daily`` (at midnight, shop time) or
    ``threshold`` (as soon as a batch reaches ``threshold_quantity``; leftovers still at
    midnight). One row, id 1; no row means ``daily``."""

    __tablename__ = "production_rules"
    __table_args__ = (
        CheckConstraint("mode IN ('daily', 'threshold')", name="mode_known"),
        CheckConstraint("threshold_quantity IS NULL OR threshold_quantity > 0", name="threshold"),
        CheckConstraint(
            "mode <> 'threshold' OR threshold_quantity IS NOT NULL", name="threshold_needed"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="daily")
    threshold_quantity: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class ProductionBatch(IdMixin, TimestampMixin, Base):
    """Demand for one SKU of one supplier, collected during one shop day at most.

    ``collecting`` while orders are added (``created_at`` is when collection started), then
    ``created`` (cut: visible to the supplier) → ``in_production`` → ``produced``.
    ``payable_fen`` is the supply cost of its lines as ordered; ``payable_booked_fen`` what
    was moved to the supplier's payable when it was produced (net of refunds, and reduced by
    refunds after that).
    """

    __tablename__ = "production_batches"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
        CheckConstraint("order_count >= 0", name="order_count_nonnegative"),
        CheckConstraint("payable_fen >= 0", name="payable_nonnegative"),
        CheckConstraint(
            "status IN ('collecting', 'created', 'in_production', 'produced')",
            name="status_known",
        ),
        # At most one collecting batch per supplier and SKU: concurrent demand for the
        # same SKU meets on this index instead of opening two batches.
        Index(
            "uq_production_batches_collecting",
            "supplier_id",
            "sku_id",
            unique=True,
            postgresql_where=text("status = 'collecting'"),
            sqlite_where=text("status = 'collecting'"),
        ),
        Index("ix_production_batches_supplier_status", "supplier_id", "status", "id"),
        Index("ix_production_batches_status_created", "status", "created_at"),
    )

    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"))
    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("skus.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sku_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    payable_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    payable_booked_fen: Mapped[int | None] = mapped_column(BigInteger)
    cut_at: Mapped[datetime | None]
    production_started_at: Mapped[datetime | None]
    produced_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ProductionBatchOrder(TimestampMixin, Base):
    """An order line made by a batch. The key on the line makes recording it twice
    impossible. ``supply_fen`` is supply price × quantity; ``booked_fen`` the part of it
    owed to the supplier (set when the batch is produced)."""

    __tablename__ = "production_batch_orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("supply_fen >= 0", name="supply_nonnegative"),
        CheckConstraint("booked_fen IS NULL OR booked_fen >= 0", name="booked_nonnegative"),
        Index("ix_production_batch_orders_batch_order", "batch_id", "order_id"),
    )

    order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_lines.id"), primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("production_batches.id"))
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    supply_fen: Mapped[int] = mapped_column(BigInteger)
    booked_fen: Mapped[int | None] = mapped_column(BigInteger)
