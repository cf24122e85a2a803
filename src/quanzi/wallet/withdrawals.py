"""Withdrawals: a member takes available money out, the operator approves or rejects, the
payout provider pays (after the commit, exactly once per withdrawal).

At request time the amount and its fee leave the member's available balance into
``withdrawal_payable``, so the same money can never be asked for twice. The check and the
move run under the member's wallet lock row, so concurrent requests of one member queue up
and each sees the balance the previous one left.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.core.config import get_settings
from quanzi.core.db import is_postgres
from quanzi.core.errors import Conflict, NotFound
from quanzi.core.outbox import emit, json_id
from quanzi.ledger import service as ledger
from quanzi.payments import payouts
from quanzi.payments.payouts import PayoutOutcome, PayoutRequest
from quanzi.wallet import rules
from quanzi.wallet.balances import available_balance
from quanzi.wallet.models import WalletLock, Withdrawal, WithdrawalSettings

# An approved payout the provider has not settled is submitted again after this long.
PAYOUT_RETRY_AFTER = timedelta(minutes=5)


# --- settings ------------------------------------------------------------------------------


async def get_terms(session: AsyncSession) -> rules.WithdrawalTerms:
    """The operator's withdrawal terms (defaults until first set)."""
    row = await session.get(WithdrawalSettings, 1)
    if row is None:
        return rules.WithdrawalTerms()
    return rules.WithdrawalTerms(
        min_amount_fen=row.min_amount_fen,
        daily_limit_fen=row.daily_limit_fen,
        fee_bp=row.fee_bp,
        fee_min_fen=row.fee_min_fen,
    )


async def set_terms(
    session: AsyncSession, terms: rules.WithdrawalTerms, *, actor_id: uuid.UUID
) -> rules.WithdrawalTerms:
    """Replace the withdrawal terms; requests from now on follow them."""
    values = {
        "min_amount_fen": terms.min_amount_fen,
        "daily_limit_fen": terms.daily_limit_fen,
        "fee_bp": terms.fee_bp,
        "fee_min_fen": terms.fee_min_fen,
        "updated_by": actor_id,
        "updated_at": clock.now(),
    }
    insert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        insert(WithdrawalSettings)
        .values(id=1, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )
    return terms


# --- reading -------------------------------------------------------------------------------


def not_found() -> NotFound:
    return NotFound("No such withdrawal.", code="withdrawal_not_found")


async def get_withdrawal(
    session: AsyncSession, withdrawal_id: uuid.UUID, *, member_id: uuid.UUID | None = None
) -> Withdrawal:
    """A withdrawal; with ``member_id`` only that member's (anyone else's is a 404)."""
    withdrawal = await session.get(Withdrawal, withdrawal_id, populate_existing=True)
    if withdrawal is None or (member_id is not None and withdrawal.member_id != member_id):
        raise not_found()
    return withdrawal


@dataclass(frozen=True)
class WithdrawalPage:
    items: list[Withdrawal]
    next_cursor: str | None


async def list_withdrawals(
    session: AsyncSession,
    *,
    limit: int,
    cursor: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    status: str | None = None,
) -> WithdrawalPage:
    """Newest first, optionally one member's or in one status."""
    where: list[ColumnElement[bool]] = []
    if cursor is not None:
        where.append(Withdrawal.id < cursor)
    if member_id is not None:
        where.append(Withdrawal.member_id == member_id)
    if status is not None:
        where.append(Withdrawal.status == status)
    rows = list(
        await session.scalars(
            select(Withdrawal).where(*where).order_by(Withdrawal.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return WithdrawalPage(rows, str(rows[-1].id) if more else None)


# --- requesting ----------------------------------------------------------------------------


async def _lock_wallet(session: AsyncSession, member_id: uuid.UUID) -> None:
    insert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        insert(WalletLock)
        .values(member_id=member_id, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["member_id"])
    )
    await session.execute(
        select(WalletLock.member_id).where(WalletLock.member_id == member_id).with_for_update()
    )


def _payload(withdrawal: Withdrawal) -> dict[str, object]:
    return {
        "withdrawal_id": json_id(withdrawal.id),
        "member_id": json_id(withdrawal.member_id),
        "amount_fen": withdrawal.amount_fen,
        "fee_fen": withdrawal.fee_fen,
        "status": withdrawal.status,
    }


async def request_withdrawal(
    session: AsyncSession, member_id: uuid.UUID, *, amount_fen: int
) -> Withdrawal:
    """Take ``amount_fen`` plus the fee out of the member's available balance, to be paid
    once an operator approves. Refused below the minimum (422
    ``withdrawal_below_minimum``), beyond the day's limit (409 ``daily_limit_exceeded``) or
    the balance (409 ``insufficient_balance``)."""
    await _lock_wallet(session, member_id)
    terms = await get_terms(session)
    now = clock.now()
    today = rules.shop_day(now, get_settings().timezone)
    withdrawn_today = await session.scalar(
        select(func.coalesce(func.sum(Withdrawal.amount_fen), 0)).where(
            Withdrawal.member_id == member_id,
            Withdrawal.shop_day == today,
            Withdrawal.status.in_(rules.COUNTED_TODAY),
        )
    )
    fee = rules.check_withdrawal(
        amount_fen,
        terms,
        available_fen=await available_balance(session, member_id),
        withdrawn_today_fen=int(withdrawn_today or 0),
    )
    withdrawal = Withdrawal(
        member_id=member_id,
        amount_fen=amount_fen,
        fee_fen=fee,
        status=rules.REQUESTED,
        shop_day=today,
        created_at=now,
    )
    session.add(withdrawal)
    await session.flush()
    await ledger.transfer(
        session,
        key=f"withdrawal:{withdrawal.id}",
        kind="withdrawal",
        legs=rules.request_legs(member_id, amount_fen, fee),
        reference_type="withdrawal",
        reference_id=withdrawal.id,
        description="withdrawal requested",
    )
    await emit(session, "withdrawal.requested", _payload(withdrawal))
    return withdrawal


# --- deciding ------------------------------------------------------------------------------


async def _lock(session: AsyncSession, withdrawal_id: uuid.UUID) -> Withdrawal:
    withdrawal = await session.scalar(
        select(Withdrawal)
        .where(Withdrawal.id == withdrawal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if withdrawal is None:
        raise not_found()
    return withdrawal


def _not_pending(withdrawal: Withdrawal, action: str) -> Conflict:
    return Conflict(
        f"This withdrawal is {withdrawal.status}; only a requested one can be {action}.",
        code="withdrawal_not_pending",
        status_now=withdrawal.status,
    )


async def approve(
    session: AsyncSession, withdrawal_id: uuid.UUID, *, actor_id: uuid.UUID
) -> Withdrawal:
    """Approve a requested withdrawal; the payout is sent after the commit. Approving an
    approved or paid one again changes nothing (and pays nothing twice)."""
    withdrawal = await _lock(session, withdrawal_id)
    if withdrawal.status in (rules.APPROVED, rules.PAID):
        return withdrawal
    if withdrawal.status != rules.REQUESTED:
        raise _not_pending(withdrawal, "approved")
    provider = payouts.default_name()
    payouts.get(provider)
    now = clock.now()
    withdrawal.status = rules.APPROVED
    withdrawal.decided_by = actor_id
    withdrawal.decided_at = now
    withdrawal.provider = provider
    withdrawal.submitted_at = now
    await session.flush()
    await emit(session, "withdrawal.approved", _payload(withdrawal))
    db.after_commit(session, lambda: submit_payout(withdrawal_id))
    return withdrawal


async def reject(
    session: AsyncSession, withdrawal_id: uuid.UUID, *, actor_id: uuid.UUID, reason: str
) -> Withdrawal:
    """Reject a requested withdrawal: amount and fee go back to the member's available
    balance. Rejecting a rejected one again changes nothing."""
    withdrawal = await _lock(session, withdrawal_id)
    if withdrawal.status == rules.REJECTED:
        return withdrawal
    if withdrawal.status != rules.REQUESTED:
        raise _not_pending(withdrawal, "rejected")
    withdrawal.status = rules.REJECTED
    withdrawal.decided_by = actor_id
    withdrawal.decided_at = clock.now()
    withdrawal.reason = reason.strip()[:200] or "rejected"
    await session.flush()
    await _give_back(session, withdrawal, "withdrawal rejected")
    await emit(
        session, "withdrawal.rejected", {**_payload(withdrawal), "reason": withdrawal.reason}
    )
    return withdrawal


async def _give_back(session: AsyncSession, withdrawal: Withdrawal, description: str) -> None:
    await ledger.transfer(
        session,
        key=f"withdrawal-returned:{withdrawal.id}",
        kind="withdrawal_returned",
        legs=rules.return_legs(withdrawal.member_id, withdrawal.amount_fen, withdrawal.fee_fen),
        reference_type="withdrawal",
        reference_id=withdrawal.id,
        description=description,
    )


# --- paying out ----------------------------------------------------------------------------


async def record_payout(
    session: AsyncSession, withdrawal_id: uuid.UUID, outcome: PayoutOutcome
) -> None:
    """What the provider said about an approved withdrawal: paid (the money left and the
    fee is earned), failed (everything back to available) or still pending (asked again
    later)."""
    withdrawal = await session.scalar(
        select(Withdrawal)
        .where(Withdrawal.id == withdrawal_id, Withdrawal.status == rules.APPROVED)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if withdrawal is None:
        return
    withdrawal.provider_payout_id = outcome.provider_payout_id or withdrawal.provider_payout_id
    if outcome.status == "pending":
        await session.flush()
        return
    if outcome.status == "failed":
        withdrawal.status = rules.FAILED
        withdrawal.reason = (outcome.detail or "the payout provider refused it")[:200]
        await session.flush()
        await _give_back(session, withdrawal, "withdrawal payout failed")
        await emit(session, "withdrawal.failed", _payload(withdrawal))
        return
    withdrawal.status = rules.PAID
    withdrawal.paid_at = clock.now()
    await session.flush()
    await ledger.transfer(
        session,
        key=f"withdrawal-paid:{withdrawal.id}",
        kind="withdrawal_paid",
        legs=rules.paid_legs(withdrawal.amount_fen, withdrawal.fee_fen),
        reference_type="withdrawal",
        reference_id=withdrawal.id,
        description="withdrawal paid out",
    )
    await emit(session, "withdrawal.paid", _payload(withdrawal))


async def submit_payout(withdrawal_id: uuid.UUID) -> None:
    """Send an approved withdrawal to its payout provider (outside any transaction) and
    record the outcome. Safe to repeat: the provider pays once per withdrawal id."""

    async def load(session: AsyncSession) -> Withdrawal | None:
        return await session.scalar(
            select(Withdrawal).where(
                Withdrawal.id == withdrawal_id, Withdrawal.status == rules.APPROVED
            )
        )

    withdrawal = await db.transaction(load)
    if withdrawal is None or withdrawal.provider is None:
        return
    outcome = await payouts.get(withdrawal.provider).pay_out(
        PayoutRequest(
            payout_id=str(withdrawal.id),
            user_id=str(withdrawal.member_id),
            amount_fen=withdrawal.amount_fen,
            description="提现 withdrawal",
        )
    )

    async def record(session: AsyncSession) -> None:
        await record_payout(session, withdrawal_id, outcome)

    await db.transaction(record)


async def retry_payouts(limit: int) -> int:
    """Worker sweep: submit again approved payouts unsettled for ``PAYOUT_RETRY_AFTER``
    (the after-commit submission was lost, or the provider said pending)."""
    cutoff = clock.now() - PAYOUT_RETRY_AFTER

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.scalars(
            select(Withdrawal.id)
            .where(Withdrawal.status == rules.APPROVED, Withdrawal.submitted_at <= cutoff)
            .order_by(Withdrawal.submitted_at)
            .limit(limit)
        )
        return list(result)

    done = 0
    for withdrawal_id in await db.transaction(due):

        async def claim(session: AsyncSession, withdrawal_id: uuid.UUID = withdrawal_id) -> bool:
            # Whoever moves submitted_at on submits; a second worker finds it not due.
            claimed = await session.execute(
                update(Withdrawal)
                .where(
                    Withdrawal.id == withdrawal_id,
                    Withdrawal.status == rules.APPROVED,
                    Withdrawal.submitted_at <= cutoff,
                )
                .values(submitted_at=clock.now())
                .returning(Withdrawal.id)
            )
            return claimed.first() is not None

        if await db.transaction(claim):
            await submit_payout(withdrawal_id)
            done += 1
    return done
