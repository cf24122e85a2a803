from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class Order(IdMixin, TimestampMixin, Base):
    """A buyer's order. ``stock_state`` says where its units are counted on the SKUs:
    ``reserved`` (unpaid), ``sold`` (paid), ``released`` (cancelled before payment) or
    ``returned`` (fully refunded before shipment); ``none`` for virtual goods (a
    membership), which touch no stock, need no address and are never shipped."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_fen > 0", name="total_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= total_fen", name="refund_range"),
        CheckConstraint(
            "shipping_refunded_fen >= 0 AND shipping_refunded_fen <= shipping_fee_fen",
            name="shipping_refund_range",
        ),
        Index("ix_orders_buyer_id_id", "buyer_id", "id"),
        Index("ix_orders_status_deadline", "status", "payment_deadline"),
        Index("ix_orders_status_auto_complete", "status", "auto_complete_at"),
    )

    buyer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16), default="regular")
    status: Mapped[str] = mapped_column(String(20))
    goods_fen: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    stock_state: Mapped[str] = mapped_column(String(16), default="reserved")
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    payment_provider: Mapped[str] = mapped_column(String(20))
    address: Mapped[dict[str, Any] | None]
    share_code: Mapped[str | None] = mapped_column(String(32))
    payment_deadline: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    auto_complete_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_no: Mapped[str | None] = mapped_column(String(60))
    updated_at: Mapped[datetime]


class OrderLine(IdMixin, Base):
    """One line of an order. A line of goods names its SKU, product and supplier; a line of
    virtual goods (a membership plan, sold by the platform itself) names none of them, and
    the upper module that sold it keeps the link from the order to what was bought."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "(sku_id IS NULL AND product_id IS NULL AND supplier_id IS NULL"
            " AND supply_price_fen = 0)"
            " OR (sku_id IS NOT NULL AND product_id IS NOT NULL AND supplier_id IS NOT NULL)",
            name="goods_or_virtual",
        ),
        CheckConstraint("unit_price_fen > 0", name="unit_price_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= paid_fen", name="refund_range"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    # Lines keep the order the buyer listed them in (ids made in one millisecond do not).
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("skus.id"), index=True)
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("products.id"))
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sku_name: Mapped[str] = mapped_column(String(120))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    supply_price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    quantity: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class OrderStatusChange(IdMixin, TimestampMixin, Base):
    """Audit trail: every transition, who made it and why."""

    __tablename__ = "order_status_changes"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[uuid.UUID | None]
    note: Mapped[str] = mapped_column(String(300), default="")


class OrderRefund(IdMixin, TimestampMixin, Base):
    """A refund granted on an order (operator decision or automatic)."""

    __tablename__ = "order_refunds"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[uuid.UUID | None]
    payment_refund_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_refunds.id"))
