"""Double-entry ledger: every movement of money is one balanced, immutable transfer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.db import is_postgres
from quanzi.core.ids import new_id
from quanzi.ledger.models import LedgerAccount, LedgerPosting, LedgerTransfer
from quanzi.ledger.rules import Leg, account_kind, check_balanced, merge_legs


async def account_ids(session: AsyncSession, codes: Iterable[str]) -> dict[str, uuid.UUID]:
    """Ids of the accounts named by ``codes``, opening the missing ones."""
    wanted = sorted(set(codes))
    now = clock.now()
    rows = [
        {"id": new_id(), "code": code, "kind": account_kind(code), "created_at": now}
        for code in wanted
    ]
    insert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        insert(LedgerAccount).values(rows).on_conflict_do_nothing(index_elements=["code"])
    )
    result = await session.execute(
        select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.code.in_(wanted))
    )
    return {code: account_id for code, account_id in result.all()}


async def find_transfer(session: AsyncSession, key: str) -> LedgerTransfer | None:
    return await session.scalar(select(LedgerTransfer).where(LedgerTransfer.idempotency_key == key))


async def transfer(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    legs: Sequence[Leg],
    reference_type: str | None = None,
    reference_id: object | None = None,
    description: str = "",
    reverses_id: uuid.UUID | None = None,
) -> LedgerTransfer:
    """Record a balanced transfer once per ``key``; a repeat returns the first one unchanged."""
    existing = await find_transfer(session, key)
    if existing is not None:
        return existing
    legs = merge_legs(legs)
    check_balanced(legs)
    ids = await account_ids(session, (leg.account for leg in legs))
    now = clock.now()
    record = LedgerTransfer(
        id=new_id(),
        idempotency_key=key,
        kind=kind,
        reference_type=reference_type,
        reference_id=None if reference_id is None else str(reference_id),
        description=description[:300],
        reverses_id=reverses_id,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
            session.add_all(
                LedgerPosting(
                    transfer_id=record.id,
                    account_id=ids[leg.account],
                    amount_fen=leg.amount_fen,
                    created_at=now,
                )
                for leg in legs
            )
            await session.flush()
    except IntegrityError:
        # The same key committed concurrently: that transfer is the one.
        existing = await find_transfer(session, key)
        if existing is None:
            raise
        return existing
    return record


async def legs_of(session: AsyncSession, transfer_id: uuid.UUID) -> list[Leg]:
    result = await session.execute(
        select(LedgerAccount.code, LedgerPosting.amount_fen)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerPosting.transfer_id == transfer_id)
    )
    return [Leg(code, amount) for code, amount in result.all()]


async def balance(session: AsyncSession, code: str) -> int:
    """Sum of postings on an account (debits positive); 0 for an account never used."""
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerAccount.code == code)
    )
    return int(total or 0)


async def balances(session: AsyncSession, codes: Iterable[str]) -> dict[str, int]:
    wanted = list(set(codes))
    result = await session.execute(
        select(LedgerAccount.code, func.coalesce(func.sum(LedgerPosting.amount_fen), 0))
        .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
        .where(LedgerAccount.code.in_(wanted))
        .group_by(LedgerAccount.code)
    )
    found = {code: int(total) for code, total in result.all()}
    return {code: found.get(code, 0) for code in wanted}


async def trial_balance(session: AsyncSession) -> int:
    """Sum of every posting in the ledger: zero unless money was created or lost."""
    total = await session.scalar(select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0)))
    return int(total or 0)


async def unbalanced_transfers(session: AsyncSession) -> list[uuid.UUID]:
    result = await session.execute(
        select(LedgerPosting.transfer_id)
        .group_by(LedgerPosting.transfer_id)
        .having(func.sum(LedgerPosting.amount_fen) != 0)
    )
    return list(result.scalars())
