from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class Payment(IdMixin, TimestampMixin, Base):
    """Money asked of a user for one payable (an order). ``status``: pending → succeeded,
    or pending → closed (the payable was cancelled/expired before payment)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refund_within_amount"
        ),
        UniqueConstraint("provider", "provider_txn_id"),
    )

    payable_type: Mapped[str] = mapped_column(String(20))
    payable_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    description: Mapped[str] = mapped_column(String(120), default="")
    provider_txn_id: Mapped[str | None] = mapped_column(String(64))
    provider_data: Mapped[dict[str, Any] | None]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class PaymentNotification(IdMixin, TimestampMixin, Base):
    """Every accepted provider notification, once per provider event id."""

    __tablename__ = "payment_notifications"
    __table_args__ = (UniqueConstraint("provider", "provider_event_id"),)

    provider: Mapped[str] = mapped_column(String(20))
    provider_event_id: Mapped[str] = mapped_column(String(80))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"))
    event_type: Mapped[str] = mapped_column(String(60))
    body: Mapped[dict[str, Any]]


class PaymentRefund(IdMixin, TimestampMixin, Base):
    """A refund asked of the provider. ``status``: pending → succeeded | failed."""

    __tablename__ = "payment_refunds"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_payment_refunds_due", "status", "last_attempt_at"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    provider_refund_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    completed_at: Mapped[datetime | None]
