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
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock
from quanzi.core.db import Base, IdMixin, RetryTransaction, TimestampMixin
from quanzi.core.errors import BadRequest, Conflict

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


async def claim(
    session: AsyncSession, *, scope: str, owner_id: uuid.UUID, key: str, payload: Any
) -> IdempotencyRecord | Replay:
    """Claim ``key`` for this request, or return the stored response of the first one."""
    fingerprint = request_fingerprint(payload)
    existing = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.owner_id == owner_id,
            IdempotencyRecord.key == key,
        )
    )
    if existing is not None:
        if existing.request_hash != fingerprint:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.",
                code="idempotency_key_reused",
            )
        if existing.status_code is None or existing.response_body is None:
            raise RetryTransaction()
        return Replay(existing.status_code, existing.response_body)
    record = IdempotencyRecord(
        scope=scope, owner_id=owner_id, key=key, request_hash=fingerprint, created_at=clock.now()
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError as exc:
        # A concurrent request with the same key committed first: start over to replay it.
        raise RetryTransaction() from exc
    return record


async def remember(
    session: AsyncSession, record: IdempotencyRecord, status_code: int, body: dict[str, Any]
) -> None:
    record.status_code = status_code
    record.response_body = body
    await session.flush()


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
