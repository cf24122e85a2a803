"""Double-entry ledger: every movement of money is one balanced, immutable transfer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Insert,
    String,
    Uuid,
    bindparam,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from quanzi.core import clock
from quanzi.core.db import UTCDateTime, is_postgres
from quanzi.core.ids import new_id
from quanzi.ledger.models import LedgerAccount, LedgerPosting, LedgerTransfer
from quanzi.ledger.rules import Leg, account_id, account_kind, check_balanced, merge_legs


async def account_ids(session: AsyncSession, codes: Iterable[str]) -> dict[str, uuid.UUID]:
    """Ids of the accounts named by ``codes``, opening the missing ones."""
    wanted = sorted(set(codes))
    await session.execute(_open_accounts(session, wanted, clock.now()))
    return {code: account_id(code) for code in wanted}


def _open_accounts(session: AsyncSession, codes: Sequence[str], now: datetime) -> Insert:
    insert = pg_insert if is_postgres(session) else sqlite_insert
    rows = [
        {"id": account_id(code), "code": code, "kind": account_kind(code), "created_at": now}
        for code in codes
    ]
    return insert(LedgerAccount).values(rows).on_conflict_do_nothing(index_elements=["code"])


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
) -> uuid.UUID:
    """Record a balanced transfer once per ``key`` and return its id; a repeat (in this
    transaction or a concurrent one) records nothing and returns the first one's id.

    On PostgreSQL the accounts, the transfer and its postings are written by one
    statement (one round trip on the hottest write path of the shop).
    """
    legs = merge_legs(legs)
    check_balanced(legs)
    now = clock.now()
    transfer_id = new_id()
    header = {
        "id": transfer_id,
        "idempotency_key": key,
        "kind": kind,
        "reference_type": reference_type,
        "reference_id": None if reference_id is None else str(reference_id),
        "description": description[:300],
        "reverses_id": reverses_id,
        "created_at": now,
    }
    postings = [
        {
            "id": new_id(),
            "transfer_id": transfer_id,
            "account_id": account_id(leg.account),
            "amount_fen": leg.amount_fen,
            "created_at": now,
        }
        for leg in legs
    ]
    codes = sorted({leg.account for leg in legs})
    if is_postgres(session):
        recorded = await _record_in_one_statement(session, codes, header, postings)
    else:
        recorded = await _record_in_steps(session, codes, header, postings)
    if recorded:
        return transfer_id
    first = await session.scalar(
        select(LedgerTransfer.id).where(LedgerTransfer.idempotency_key == key)
    )
    if first is None:
        raise RuntimeError(f"ledger transfer {key!r} neither recorded nor found")
    return first


@lru_cache(maxsize=1)
def _one_statement_transfer() -> Insert:
    """The transfer as one statement with named parameters, built once: the accounts it
    posts to (opened if new), the transfer (once per key) and its postings. Arrays are
    unnested so that the statement has one shape whatever the number of legs."""
    now = bindparam("now", type_=UTCDateTime())

    def unnest(name: str, item_type: TypeEngine[Any]) -> ColumnElement[Any]:
        return func.unnest(bindparam(name, type_=ARRAY(item_type)))

    accounts = (
        pg_insert(LedgerAccount)
        .from_select(
            ["id", "code", "kind", "created_at"],
            select(
                unnest("account_ids", Uuid()),
                unnest("codes", String()),
                unnest("kinds", String()),
                now,
            ),
        )
        .on_conflict_do_nothing(index_elements=["code"])
        .cte("accounts")
    )
    recorded = (
        pg_insert(LedgerTransfer)
        .values(
            id=bindparam("transfer_id"),
            idempotency_key=bindparam("key"),
            kind=bindparam("kind"),
            reference_type=bindparam("reference_type"),
            reference_id=bindparam("reference_id"),
            description=bindparam("description"),
            reverses_id=bindparam("reverses_id"),
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(LedgerTransfer.id)
        .cte("recorded")
    )
    legs = select(
        unnest("posting_ids", Uuid()).label("id"),
        unnest("posting_accounts", Uuid()).label("account_id"),
        unnest("posting_amounts", BigInteger()).label("amount_fen"),
    ).subquery("legs")
    rows = select(legs.c.id, recorded.c.id, legs.c.account_id, legs.c.amount_fen, now).join_from(
        recorded, legs, true()
    )
    # A data-modifying CTE runs to completion even though nothing reads it.
    return (
        pg_insert(LedgerPosting)
        .from_select(["id", "transfer_id", "account_id", "amount_fen", "created_at"], rows)
        .add_cte(accounts)
        .returning(LedgerPosting.transfer_id)
    )


async def _record_in_one_statement(
    session: AsyncSession,
    codes: Sequence[str],
    header: dict[str, Any],
    postings: list[dict[str, Any]],
) -> bool:
    # Core execution on the session's connection: no ORM work for rows nobody loads.
    connection = await session.connection()
    written = await connection.execute(
        _one_statement_transfer(),
        {
            "now": header["created_at"],
            "account_ids": [account_id(code) for code in codes],
            "codes": list(codes),
            "kinds": [account_kind(code) for code in codes],
            "transfer_id": header["id"],
            "key": header["idempotency_key"],
            "kind": header["kind"],
            "reference_type": header["reference_type"],
            "reference_id": header["reference_id"],
            "description": header["description"],
            "reverses_id": header["reverses_id"],
            "posting_ids": [p["id"] for p in postings],
            "posting_accounts": [p["account_id"] for p in postings],
            "posting_amounts": [p["amount_fen"] for p in postings],
        },
    )
    return written.first() is not None


async def _record_in_steps(
    session: AsyncSession,
    codes: Sequence[str],
    header: dict[str, Any],
    postings: list[dict[str, Any]],
) -> bool:
    await session.execute(_open_accounts(session, codes, header["created_at"]))
    recorded = await session.execute(
        sqlite_insert(LedgerTransfer)
        .values(header)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(LedgerTransfer.id)
    )
    if recorded.first() is None:
        return False
    await session.execute(insert(LedgerPosting).values(postings))
    return True


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
