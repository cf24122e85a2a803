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


class CommissionPlanVersion(IdMixin, TimestampMixin, Base):
    """A commission plan as the operator set it. Versions only grow; version 1 is the
    built-in default and is never stored."""

    __tablename__ = "commission_plans"
    __table_args__ = (CheckConstraint("version >= 2", name="stored_versions"),)

    version: Mapped[int] = mapped_column(Integer, unique=True)
    terms: Mapped[dict[str, Any]]
    created_by: Mapped[uuid.UUID | None]


class CommissionOrder(Base):
    """An order that pays commission: which plan governs it and where its commission is
    in its life (pending until ``release_at``, available once ``released_at`` is set)."""

    __tablename__ = "commission_orders"
    __table_args__ = (Index("ix_commission_orders_due", "released_at", "release_at"),)

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    buyer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    sharer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    plan_version: Mapped[int] = mapped_column(Integer)
    freeze_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    release_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]


class Commission(IdMixin, TimestampMixin, Base):
    """One level's commission on one order line. ``reversed_fen`` is what refunds took
    back (from pending, or clawed back from available); ``refunded_base_fen`` how much of
    the line has been refunded so far."""

    __tablename__ = "commissions"
    __table_args__ = (
        UniqueConstraint("order_line_id", "level"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("reversed_fen >= 0 AND reversed_fen <= amount_fen", name="reversed_range"),
        CheckConstraint(
            "refunded_base_fen >= 0 AND refunded_base_fen <= base_fen", name="refunded_range"
        ),
        CheckConstraint("level >= 1 AND level <= 3", name="level_range"),
        Index("ix_commissions_beneficiary_id_id", "beneficiary_id", "id"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("commission_orders.order_id"), index=True
    )
    order_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_lines.id"))
    beneficiary_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    level: Mapped[int] = mapped_column(Integer)
    rate_bp: Mapped[int] = mapped_column(Integer)
    base_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reversed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_base_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    plan_version: Mapped[int] = mapped_column(Integer)
    # pending → available (the order's freeze ended); amounts stay, reversals accumulate.
    status: Mapped[str] = mapped_column(String(12), default="pending")


class BasePayRun(Base):
    """Progress of one month's base pay for one rank: members are paid in id order, and
    ``after_id`` is the last one handled, so a run resumes where it stopped."""

    __tablename__ = "base_pay_runs"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    rank: Mapped[str] = mapped_column(String(20), primary_key=True)
    after_id: Mapped[uuid.UUID | None]
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class BasePayment(IdMixin, TimestampMixin, Base):
    """A member's base pay for a month: at most one, whatever the number of workers."""

    __tablename__ = "base_payments"
    __table_args__ = (
        UniqueConstraint("member_id", "month"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    month: Mapped[str] = mapped_column(String(7))
    rank: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    plan_version: Mapped[int] = mapped_column(Integer)
