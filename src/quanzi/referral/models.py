from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class ReferralSettings(Base):
    """The operator's referral policy: one row (id 1); absent means the defaults."""

    __tablename__ = "referral_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    binding_mode: Mapped[str] = mapped_column(String(16))
    binding_days: Mapped[int | None] = mapped_column(Integer)
    attribution_days: Mapped[int] = mapped_column(Integer)
    # The rank rules (counting and thresholds) the stored ranks were last computed under.
    rank_basis: Mapped[str | None] = mapped_column(String(60))
    updated_at: Mapped[datetime]
    updated_by: Mapped[uuid.UUID | None]


class ReferralNode(Base):
    """One user's place in the referral tree and the team counts kept for them.

    The tree is stored as parent pointers only; a chain is walked with a recursive query
    (one indexed primary-key step per level). Counts are maintained incrementally along
    the ancestors whenever a binding or a shop-owner status changes.
    """

    __tablename__ = "referral_nodes"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> user_id", name="not_own_parent"),
        CheckConstraint(
            "direct_count >= 0 AND direct_owner_count >= 0 AND team_size >= 0 AND team_count >= 0",
            name="counts_not_negative",
        ),
        Index("ix_referral_nodes_parent_id_user_id", "parent_id", "user_id"),
        Index("ix_referral_nodes_rank_user_id", "rank", "user_id"),
        Index("ix_referral_nodes_expires_at", "expires_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    bound_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    bound_via: Mapped[str | None] = mapped_column(String(16))
    share_link_id: Mapped[uuid.UUID | None]
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    direct_count: Mapped[int] = mapped_column(Integer, default=0)
    direct_owner_count: Mapped[int] = mapped_column(Integer, default=0)
    team_size: Mapped[int] = mapped_column(Integer, default=0)
    team_count: Mapped[int] = mapped_column(Integer, default=0)
    own_sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    team_sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    rank: Mapped[str] = mapped_column(String(20), default="member")
    rank_changed_at: Mapped[datetime | None]


class ReferralBindingChange(IdMixin, TimestampMixin, Base):
    """Audit trail of bindings: every bind, rebind and lapse, and how it came about."""

    __tablename__ = "referral_binding_changes"
    __table_args__ = (
        Index("ix_referral_binding_changes_user_id_created_at", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    from_parent_id: Mapped[uuid.UUID | None]
    to_parent_id: Mapped[uuid.UUID | None]
    via: Mapped[str] = mapped_column(String(16))
    share_link_id: Mapped[uuid.UUID | None]
    expires_at: Mapped[datetime | None]


class RankChange(IdMixin, TimestampMixin, Base):
    """Every rank change, with the counts behind it."""

    __tablename__ = "referral_rank_changes"
    __table_args__ = (
        Index("ix_referral_rank_changes_user_id_created_at", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    from_rank: Mapped[str] = mapped_column(String(20))
    to_rank: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))


class ShareLink(IdMixin, TimestampMixin, Base):
    """A member's tracked short link to one product or group (one per member and target).

    The counters are bumped with one conditional statement each (click, conversion,
    refund), so reading a member's links never counts rows."""

    __tablename__ = "share_links"
    __table_args__ = (
        UniqueConstraint("sharer_id", "target_kind", "target_id"),
        Index("ix_share_links_sharer_id_id", "sharer_id", "id"),
    )

    code: Mapped[str] = mapped_column(String(16), unique=True)
    sharer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[uuid.UUID]
    click_count: Mapped[int] = mapped_column(Integer, default=0)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class ShareClick(IdMixin, Base):
    """One opening of a share link. ``visitor_id`` is the logged-in visitor (or the member
    who later claimed an anonymous visitor key); ``visitor_key`` is the hash of the
    first-party ``qz_vid`` cookie of an anonymous browser."""

    __tablename__ = "share_clicks"
    __table_args__ = (
        Index("ix_share_clicks_visitor_id_clicked_at", "visitor_id", "clicked_at"),
        Index("ix_share_clicks_visitor_key", "visitor_key"),
    )

    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_links.id"), index=True)
    sharer_id: Mapped[uuid.UUID]
    visitor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    visitor_key: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    clicked_at: Mapped[datetime]


class ShareConversion(TimestampMixin, Base):
    """A paid order attributed to a share link (at most one per order)."""

    __tablename__ = "share_conversions"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("share_links.id"), index=True)
    sharer_id: Mapped[uuid.UUID] = mapped_column(index=True)
    buyer_id: Mapped[uuid.UUID]
    month: Mapped[str] = mapped_column(String(7))
    sales_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class SharerMonth(Base):
    """A sharer's attributed sales in one calendar month (shop time zone), net of refunds:
    the leaderboard reads these rows, never the conversions."""

    __tablename__ = "share_monthly_sales"
    __table_args__ = (Index("ix_share_monthly_sales_month_sales_fen", "month", "sales_fen"),)

    sharer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class TeamSalesEntry(IdMixin, TimestampMixin, Base):
    """A buyer's paid (positive) or refunded (negative) goods amount waiting to be added to
    their own and their ancestors' sales by the roll-up sweep. Queued, not applied in the
    payment's transaction, so a paid order never locks a whole chain up to its root."""

    __tablename__ = "referral_team_sales_queue"

    buyer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[uuid.UUID]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
