"""A member's wallet read from the ledger: balances and the history of every movement on
their pending and available accounts (commission, reversals, releases, clawbacks, base
pay, withdrawals). Nothing here is stored twice: the ledger is the record.

The ledger owns its tables; these are read-only queries over them, one statement each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.ledger.models import LedgerAccount, LedgerPosting, LedgerTransfer
from quanzi.wallet import rules
from quanzi.wallet.models import Withdrawal


@dataclass(frozen=True)
class WalletSummary:
    pending_fen: int
    available_fen: int
    debt_fen: int
    withdrawing_fen: int
    withdrawn_fen: int


async def available_balance(session: AsyncSession, member_id: uuid.UUID) -> int:
    """What the member may spend now (negative when clawbacks left a debt)."""
    return -await ledger.balance(session, accounts.member_available(member_id))


async def summary(session: AsyncSession, member_id: uuid.UUID) -> WalletSummary:
    """Pending, available (and debt), on its way out, and paid out so far."""
    pending_code = accounts.member_pending(member_id)
    available_code = accounts.member_available(member_id)
    found = await ledger.balances(session, [pending_code, available_code])
    balances = rules.member_balances(found[pending_code], found[available_code])
    in_flight = Withdrawal.status.in_(rules.IN_FLIGHT)
    paid = Withdrawal.status == rules.PAID
    totals = (
        await session.execute(
            select(
                func.coalesce(
                    func.sum(
                        case((in_flight, Withdrawal.amount_fen + Withdrawal.fee_fen), else_=0)
                    ),
                    0,
                ),
                func.coalesce(func.sum(case((paid, Withdrawal.amount_fen), else_=0)), 0),
            ).where(Withdrawal.member_id == member_id)
        )
    ).one()
    return WalletSummary(
        pending_fen=balances.pending_fen,
        available_fen=balances.available_fen,
        debt_fen=balances.debt_fen,
        withdrawing_fen=int(totals[0]),
        withdrawn_fen=int(totals[1]),
    )


@dataclass(frozen=True)
class Entry:
    """One transfer touching the member's balances: how much it moved on each (positive
    when money came to the member)."""

    id: uuid.UUID
    at: datetime
    kind: str
    pending_fen: int
    available_fen: int
    reference_type: str | None
    reference_id: str | None
    description: str


@dataclass(frozen=True)
class HistoryPage:
    items: list[Entry]
    next_cursor: str | None


async def history(
    session: AsyncSession, member_id: uuid.UUID, *, limit: int, cursor: uuid.UUID | None
) -> HistoryPage:
    """Transfers that moved the member's balances (commission, reversals, releases,
    clawbacks, base pay, withdrawals), newest first; the cursor is the last transfer id."""
    pending = accounts.member_pending(member_id)
    available = accounts.member_available(member_id)

    def moved(code: str) -> ColumnElement[int]:
        return func.sum(case((LedgerAccount.code == code, -LedgerPosting.amount_fen), else_=0))

    query = (
        select(
            LedgerTransfer.id,
            LedgerTransfer.created_at,
            LedgerTransfer.kind,
            moved(pending),
            moved(available),
            LedgerTransfer.reference_type,
            LedgerTransfer.reference_id,
            LedgerTransfer.description,
        )
        .join(LedgerPosting, LedgerPosting.transfer_id == LedgerTransfer.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerAccount.code.in_([pending, available]))
        .group_by(LedgerTransfer.id)
        .order_by(LedgerTransfer.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(LedgerTransfer.id < cursor)
    rows = (await session.execute(query)).all()
    items = [
        Entry(
            id=transfer_id,
            at=at,
            kind=kind,
            pending_fen=int(pending_fen),
            available_fen=int(available_fen),
            reference_type=reference_type,
            reference_id=reference_id,
            description=description,
        )
        for (
            transfer_id,
            at,
            kind,
            pending_fen,
            available_fen,
            reference_type,
            reference_id,
            description,
        ) in rows[:limit]
    ]
    return HistoryPage(items, str(items[-1].id) if len(rows) > limit else None)
