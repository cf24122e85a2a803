from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base, IdMixin, TimestampMixin


class LedgerAccount(IdMixin, TimestampMixin, Base):
    __tablename__ = "ledger_accounts"

    code: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))


class LedgerTransfer(IdMixin, TimestampMixin, Base):
    """One balanced movement of money. Immutable; a correction is a new transfer."""

    __tablename__ = "ledger_transfers"

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    reference_type: Mapped[str | None] = mapped_column(String(40))
    reference_id: Mapped[str | None] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transfers.id"))


class LedgerPosting(IdMixin, TimestampMixin, Base):
    """One leg of a transfer: positive debits the account, negative credits it."""

    __tablename__ = "ledger_postings"
    __table_args__ = (CheckConstraint("amount_fen <> 0", name="nonzero"),)

    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_transfers.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
