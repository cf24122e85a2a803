from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class GroupCampaign(IdMixin, TimestampMixin, Base):
    """An offer of a group price on one SKU, with its own allotment of stock."""

    __tablename__ = "group_campaigns"
    __table_args__ = (
        CheckConstraint("group_price_fen > 0", name="group_price_positive"),
        CheckConstraint("group_size >= 2 AND group_size <= 100", name="group_size_range"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("stock_allotted >= 0", name="allotted_nonnegative"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= stock_allotted", name="seats_within"),
        CheckConstraint("per_user_limit >= 1", name="per_user_limit_positive"),
        CheckConstraint("leader_discount_fen >= 0", name="leader_discount_nonnegative"),
        CheckConstraint("platform_fill_seats >= 0", name="platform_fill_nonnegative"),
    )

    sku_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("skus.id"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"))
    title: Mapped[str] = mapped_column(String(200))
    group_price_fen: Mapped[int] = mapped_column(BigInteger)
    group_size: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    stock_allotted: Mapped[int] = mapped_column(Integer)
    # Seats held by reserved or paid members across all the campaign's groups.
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    per_user_limit: Mapped[int] = mapped_column(Integer, default=1)
    leader_discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    platform_fill_seats: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="active")


class Group(IdMixin, TimestampMixin, Base):
    """One team filling its seats. ``pending`` until the leader pays, then ``open`` until
    ``succeeded`` (all seats paid) or ``failed`` (time ran out)."""

    __tablename__ = "groups"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0 AND seats_taken <= group_size", name="seats_range"),
        CheckConstraint("paid_count >= 0 AND paid_count <= seats_taken", name="paid_range"),
        CheckConstraint("platform_filled >= 0", name="platform_filled_nonnegative"),
        Index("ix_groups_campaign_status", "campaign_id", "status"),
        Index("ix_groups_status_expires", "status", "expires_at"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("group_campaigns.id"))
    leader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    group_size: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    platform_filled: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


# A member holds at most one active seat per group (the partial unique index below, also
# the conflict target when seating someone).
ACTIVE_SEAT_WHERE = text("status IN ('reserved', 'paid')")


class GroupMember(IdMixin, TimestampMixin, Base):
    """A seat: ``reserved`` (order unpaid) → ``paid``; or ``released`` (never paid) /
    ``refunded`` (the group failed)."""

    __tablename__ = "group_members"
    __table_args__ = (
        Index(
            "uq_group_members_active_seat",
            "group_id",
            "user_id",
            unique=True,
            postgresql_where=ACTIVE_SEAT_WHERE,
            sqlite_where=ACTIVE_SEAT_WHERE,
        ),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id"), index=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("group_campaigns.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), unique=True)
    is_leader: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[datetime | None]


class CampaignParticipant(Base):
    """Seats one user holds in a campaign, so the per-user limit is taken atomically."""

    __tablename__ = "group_campaign_participants"
    __table_args__ = (CheckConstraint("seats >= 0", name="seats_nonnegative"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("group_campaigns.id"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seats: Mapped[int] = mapped_column(Integer, default=0)
