from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class WalletLock(TimestampMixin, Base):
    """One row per member who ever asked to withdraw: locked (``FOR UPDATE``) while a
    withdrawal checks the balance and takes the money, so two requests of one member run
    one after the other and never both spend the same balance."""

    __tablename__ = "wallet_locks"

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Withdrawal(IdMixin, TimestampMixin, Base):
    """A member's request to take ``amount_fen`` out (plus ``fee_fen``, kept by the shop).

    requested → approved → paid, or requested → rejected, or approved → failed (the
    provider refused it; the money went back to available)."""

    __tablename__ = "withdrawals"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("fee_fen >= 0", name="fee_non_negative"),
        CheckConstraint(
            "status IN ('requested', 'approved', 'paid', 'rejected', 'failed')",
            name="status_known",
        ),
        Index("ix_withdrawals_member_id_id", "member_id", "id"),
        Index("ix_withdrawals_member_id_shop_day", "member_id", "shop_day"),
        Index("ix_withdrawals_status_id", "status", "id"),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))
    # The shop's calendar day of the request (YYYY-MM-DD), for the daily limit.
    shop_day: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[uuid.UUID | None]
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(20))
    provider_payout_id: Mapped[str | None] = mapped_column(String(80))
    # When the payout was last handed to the provider; a sweep asks again after a while.
    submitted_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]


class WithdrawalSettings(Base):
    """The operator's withdrawal terms; a single row (id 1), defaults until first set."""

    __tablename__ = "withdrawal_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    min_amount_fen: Mapped[int] = mapped_column(BigInteger)
    daily_limit_fen: Mapped[int] = mapped_column(BigInteger)
    fee_bp: Mapped[int] = mapped_column(Integer)
    fee_min_fen: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime]
