"""Membership tables: plans and their partner benefits, code pools, memberships, the
purchases that pay for them and the partner codes granted on activation."""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin
from quanzi.membership.rules import MAX_DURATION_DAYS, MAX_PLAN_PRICE_FEN


class MembershipPlan(IdMixin, TimestampMixin, Base):
    """What a member buys: a price, a duration and the benefits that come with it.
    Purchases copy price and duration, so editing a plan never changes what was paid for;
    the benefit switches (member prices, free shipping) are read live from the plan."""

    __tablename__ = "membership_plans"
    __table_args__ = (
        CheckConstraint(f"price_fen > 0 AND price_fen <= {MAX_PLAN_PRICE_FEN}", name="price_range"),
        CheckConstraint(
            f"duration_days >= 1 AND duration_days <= {MAX_DURATION_DAYS}", name="duration_range"
        ),
        CheckConstraint(
            "free_shipping_threshold_fen IS NULL OR free_shipping_threshold_fen >= 0",
            name="free_shipping_threshold_nonnegative",
        ),
    )

    name: Mapped[str] = mapped_column(String(80), unique=True)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    duration_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    member_prices: Mapped[bool] = mapped_column(default=True)
    free_shipping_threshold_fen: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class PartnerBenefit(IdMixin, TimestampMixin, Base):
    """A partner brand's right (商务合作) that comes with a plan: each activation of the plan
    grants the member one code from the benefit's pool. A benefit taken off the plan is
    kept inactive (its codes and grants stay) instead of being deleted."""

    __tablename__ = "membership_partner_benefits"
    __table_args__ = (UniqueConstraint("plan_id", "partner"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership_plans.id"))
    partner: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Membership(IdMixin, TimestampMixin, Base):
    """One continuous tenure of a member: ``active`` from ``started_at`` until
    ``expires_at`` (renewals push it out), then ``expired`` or ``refunded``. A user holds at
    most one ``active`` row; buying again after the end opens a new row. ``expires_at`` is
    always the end of the tenure (a refund that ends it sets it to that moment), so "active
    at t" is ``started_at <= t < expires_at`` whatever the status."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("expires_at >= started_at", name="expires_after_start"),
        CheckConstraint("status IN ('active', 'expired', 'refunded')", name="status_known"),
        Index(
            "uq_memberships_active_user",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index("ix_memberships_status_expires", "status", "expires_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership_plans.id"))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class MembershipPurchase(IdMixin, TimestampMixin, Base):
    """The link from a membership order to the plan bought: ``pending`` until paid, then
    ``activated`` (it started or extended ``membership_id``), ``cancelled`` (never paid) or
    ``refunded`` (fully refunded: its days were taken back)."""

    __tablename__ = "membership_purchases"
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("duration_days >= 1", name="duration_positive"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership_plans.id"), index=True)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    duration_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    membership_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("memberships.id"), index=True
    )
    renewal: Mapped[bool] = mapped_column(default=False)
    activated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class BenefitGrant(IdMixin, TimestampMixin, Base):
    """One partner benefit granted by one activation: ``issued`` with its code, or
    ``pending_code`` while the pool is empty (issued when codes arrive), or ``cancelled``
    (its purchase was refunded before a code was issued)."""

    __tablename__ = "membership_benefit_grants"
    __table_args__ = (
        UniqueConstraint("purchase_id", "benefit_id"),
        CheckConstraint("status IN ('pending_code', 'issued', 'cancelled')", name="status_known"),
        Index("ix_membership_benefit_grants_waiting", "benefit_id", "status", "id"),
    )

    purchase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership_purchases.id"))
    membership_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("memberships.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership_partner_benefits.id"))
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(120))
    issued_at: Mapped[datetime | None]


class PartnerCode(IdMixin, TimestampMixin, Base):
    """A code in a benefit's pool, uploaded by the operator. ``grant_id`` is set once, by one
    conditional UPDATE, when the code is handed out; the unique constraint means a grant
    never holds two codes either."""

    __tablename__ = "membership_partner_codes"
    __table_args__ = (
        UniqueConstraint("benefit_id", "code"),
        Index(
            "ix_membership_partner_codes_free",
            "benefit_id",
            "id",
            postgresql_where=text("grant_id IS NULL"),
            sqlite_where=text("grant_id IS NULL"),
        ),
    )

    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("membership_partner_benefits.id"))
    code: Mapped[str] = mapped_column(String(120))
    grant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("membership_benefit_grants.id"), unique=True
    )
    issued_at: Mapped[datetime | None]
