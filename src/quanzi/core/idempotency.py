"""``Idempotency-Key`` handling for POSTs that move money.

The key is claimed inside the request's own transaction, so a claim exists only if the
work it guards committed. A replay with the same body gets the first response back; the
same key with a different body is refused with ``idempotency_key_reused``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import Insert, Integer, String, UniqueConstraint, Update, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock
from quanzi.core.db import Base, IdMixin, RetryTransaction, TimestampMixin, is_postgres
from quanzi.core.errors import BadRequest, Conflict
from quanzi.core.ids import new_id

MAX_KEY_LENGTH = 200


class IdempotencyRecord(IdMixin, TimestampMixin, Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "owner_id", "key"),)

    scope: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[uuid.UUID]
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None]


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Claim:
    """A key this request holds: :func:`remember` stores the answer on it."""

    id: uuid.UUID


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def validate_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise BadRequest(
            "This request needs an Idempotency-Key header (any unique string per attempt).",
            code="idempotency_key_required",
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(
            f"Idempotency-Key must be printable and at most {MAX_KEY_LENGTH} characters.",
            code="idempotency_key_invalid",
        )
    return key


@lru_cache(maxsize=2)
def _claim_statement(postgres: bool) -> Insert:
    # Built once per dialect: every money-moving POST claims a key.
    insert = pg_insert if postgres else sqlite_insert
    return (
        insert(IdempotencyRecord)
        .values(
            id=bindparam("claim_id"),
            scope=bindparam("claim_scope"),
            owner_id=bindparam("claim_owner"),
            key=bindparam("claim_key"),
            request_hash=bindparam("claim_hash"),
            created_at=bindparam("claim_at"),
        )
        .on_conflict_do_nothing(index_elements=["scope", "owner_id", "key"])
        .returning(IdempotencyRecord.id)
    )


@lru_cache(maxsize=1)
def _remember_statement() -> Update:
    return (
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == bindparam("claim_id"))
        .values(status_code=bindparam("answer_status"), response_body=bindparam("answer_body"))
    )


async def claim(
    session: AsyncSession, *, scope: str, owner_id: uuid.UUID, key: str, payload: Any
) -> Claim | Replay:
    """Claim ``key`` for this request, or return the stored response of the first one.

    One INSERT in the common case (a new key). A concurrent request with the same key
    makes it wait until the first commits (then replays its answer) or rolls back (then
    claims the key itself).
    """
    fingerprint = request_fingerprint(payload)
    claim_id = new_id()
    connection = await session.connection()
    claimed = await connection.execute(
        _claim_statement(is_postgres(session)),
        {
            "claim_id": claim_id,
            "claim_scope": scope,
            "claim_owner": owner_id,
            "claim_key": key,
            "claim_hash": fingerprint,
            "claim_at": clock.now(),
        },
    )
    if claimed.first() is not None:
        return Claim(claim_id)
    first = (
        await session.execute(
            select(
                IdempotencyRecord.request_hash,
                IdempotencyRecord.status_code,
                IdempotencyRecord.response_body,
            ).where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.owner_id == owner_id,
                IdempotencyRecord.key == key,
            )
        )
    ).one()
    if first.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with a different request body.",
            code="idempotency_key_reused",
        )
    if first.status_code is None or first.response_body is None:
        raise RetryTransaction()
    return Replay(first.status_code, first.response_body)


async def remember(
    session: AsyncSession, claimed: Claim, status_code: int, body: dict[str, Any]
) -> None:
    """Store the answer to replay for the claimed key."""
    connection = await session.connection()
    await connection.execute(
        _remember_statement(),
        {"claim_id": claimed.id, "answer_status": status_code, "answer_body": body},
    )


async def respond_once(
    session: AsyncSession,
    *,
    scope: str,
    owner_id: uuid.UUID,
    key: str | None,
    payload: Any,
    status_code: int,
    work: Callable[[], Awaitable[dict[str, Any]]],
    required: bool = False,
) -> JSONResponse:
    """Answer a money-moving POST once per ``Idempotency-Key``.

    ``work`` runs and its JSON body is stored with the claim; a replay with the same body
    gets that answer back, the same key with another body is refused. Without a key,
    ``work`` simply runs — unless the endpoint ``required`` one.
    """
    if key is None and not required:
        return JSONResponse(await work(), status_code=status_code)
    found = await claim(
        session, scope=scope, owner_id=owner_id, key=validate_key(key), payload=payload
    )
    if isinstance(found, Replay):
        return JSONResponse(found.body, status_code=found.status_code)
    body = await work()
    await remember(session, found, status_code, body)
    return JSONResponse(body, status_code=status_code)


async def redirect_once(
    session: AsyncSession,
    *,
    scope: str,
    owner_id: uuid.UUID,
    key: str | None,
    payload: Any,
    work: Callable[[], Awaitable[str]],
) -> str:
    """A page form's POST, once per form key (a hidden field): ``work`` makes something
    and returns where to see it; a double submit gets the same place back."""
    found = await claim(
        session, scope=scope, owner_id=owner_id, key=validate_key(key), payload=payload
    )
    if isinstance(found, Replay):
        return str(found.body["location"])
    location = await work()
    await remember(session, found, 303, {"location": location})
    return location
