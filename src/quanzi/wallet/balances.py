"""A member's wallet read from the ledger: balances and the history of every movement on
their pending and available accounts (commission, reversals, releases, clawbacks, base
pay, withdrawals). Nothing here is stored twice: the ledger is the record.

The ledger owns its tables; these are read-only queries over them, one statement each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.ledger.models import LedgerAccount, LedgerPosting, LedgerTransfer
from quanzi.wallet import rules
from quanzi.wallet.models import Withdrawal

BalanceName = Literal["pending", "available"]


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
    id: uuid.UUID
    at: datetime
    kind: str
    balance: BalanceName
    amount_fen: int
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
    """Movements on the member's balances, newest first; ``amount_fen`` is positive when
    money came to the member."""
    codes: dict[str, BalanceName] = {
        accounts.member_pending(member_id): "pending",
        accounts.member_available(member_id): "available",
    }
    query = (
        select(
            LedgerPosting.id,
            LedgerTransfer.created_at,
            LedgerTransfer.kind,
            LedgerAccount.code,
            LedgerPosting.amount_fen,
            LedgerTransfer.reference_type,
            LedgerTransfer.reference_id,
            LedgerTransfer.description,
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerTransfer, LedgerTransfer.id == LedgerPosting.transfer_id)
        .where(LedgerAccount.code.in_(list(codes)))
        .order_by(LedgerPosting.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(LedgerPosting.id < cursor)
    rows = (await session.execute(query)).all()
    more = len(rows) > limit
    items = [
        Entry(
            id=posting_id,
            at=at,
            kind=kind,
            balance=codes[code],
            amount_fen=-amount,
            reference_type=reference_type,
            reference_id=reference_id,
            description=description,
        )
        for posting_id, at, kind, code, amount, reference_type, reference_id, description in rows[
            :limit
        ]
    ]
    return HistoryPage(items, str(items[-1].id) if more else None)
