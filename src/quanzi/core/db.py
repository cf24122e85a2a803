"""Database engine, sessions and the one-transaction-per-request rule.

A request or a sweep item runs in exactly one transaction, opened at the edge:
``TransactionalRoute`` for the API (commit on success, rollback on any error, retry on
serialization failures and deadlocks) and :func:`transaction` for the worker and CLI.
Services receive the session, ``flush()`` and never ``commit()``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import JSON, BigInteger, DateTime, MetaData, Uuid, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm import Session as SyncSession
from sqlalchemy.types import TypeDecorator

from quanzi.core import clock
from quanzi.core.config import get_settings
from quanzi.core.errors import ServiceUnavailable, Unprocessable
from quanzi.core.ids import new_id

log = logging.getLogger("quanzi.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, on PostgreSQL and SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else clock.as_utc(value)


JSONType = JSON().with_variant(JSONB(), "postgresql")
Fen = BigInteger


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid, dict[str, Any]: JSONType}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, nullable=False)


# --- engine and sessions -------------------------------------------------------------

_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def _sqlite_begin_immediate(engine: AsyncEngine) -> None:
    # SQLite upgrades a read lock to a write lock mid-transaction and then fails with
    # "database is locked"; taking the write lock at BEGIN serialises writers cleanly.
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 15})
        _sqlite_begin_immediate(engine)
        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False
    )


def configure(url: str | None = None) -> AsyncEngine:
    """(Re)create the process engine, from settings unless ``url`` is given."""
    global _engine, _sessionmaker
    settings = get_settings()
    _engine = make_engine(url or settings.database_url, pool_size=settings.database_pool_size)
    _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False, autoflush=False)
    return _engine


def engine() -> AsyncEngine:
    if _engine is None:
        configure()
    assert _engine is not None
    return _engine


def sessionmaker() -> async_sessionmaker[AsyncSession]:
    if _sessionmaker is None:
        configure()
    assert _sessionmaker is not None
    return _sessionmaker


async def dispose() -> None:
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine, _sessionmaker = None, None


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- retries -------------------------------------------------------------------------

RETRYABLE_SQLSTATES = {"40001", "40P01"}
MAX_ATTEMPTS = 5


class RetryTransaction(Exception):
    """Raised by a service when the transaction lost a race and must start over."""


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, RetryTransaction):
        return True
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if state in RETRYABLE_SQLSTATES:
            return True
        return "database is locked" in str(orig)
    return False


# PostgreSQL's "character not in repertoire" / "untranslatable character": a NUL in text.
UNSTORABLE_TEXT_SQLSTATES = {"22021", "22P05"}


def is_unstorable_text(exc: BaseException) -> bool:
    """The database refused text it cannot store (PostgreSQL and the NUL character)."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in (
        UNSTORABLE_TEXT_SQLSTATES
    )


T = TypeVar("T")


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(0.005 * (2**attempt))


AfterCommit = Callable[[], Awaitable[object]]


def after_commit(session: AsyncSession, action: AfterCommit) -> None:
    """Run ``action`` once this session's transaction has committed (never if it rolls back).

    For side effects that leave the process (a provider call, a webhook): they must not run
    while the transaction holds row locks, and must not run at all if it fails. Each action
    must be safe to lose (a sweep redoes it) and safe to repeat (it is idempotent).
    """
    session.info.setdefault("after_commit", []).append(action)


async def _run_after_commit(session: AsyncSession) -> None:
    actions: list[AfterCommit] = session.info.pop("after_commit", [])
    for action in actions:
        try:
            await action()
        except Exception:
            log.exception("after-commit action failed; its sweep will retry it")


_MEMO = "transaction_memo"


def transaction_memo(session: AsyncSession, name: str) -> dict[Any, Any]:
    """A dict that lives as long as the session's current transaction, for a read that two
    subscribers of one event both need (asked once, answered twice). Emptied when the
    transaction commits or rolls back, so nothing read in it outlives what it saw."""
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(_MEMO, {})
    return memos.setdefault(name, {})


@event.listens_for(SyncSession, "after_commit")
@event.listens_for(SyncSession, "after_soft_rollback")
def _forget_memos(session: SyncSession, *_: Any) -> None:
    session.info.pop(_MEMO, None)


def _forget_after_commit(session: AsyncSession) -> None:
    session.info.pop("after_commit", None)


@asynccontextmanager
async def session_scope() -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits on success and rolls back on error."""
    async with sessionmaker()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            _forget_after_commit(session)
            await session.rollback()
            raise
        await _run_after_commit(session)


async def transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction, retrying it whole on serialization failure."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            async with session_scope() as session:
                return await work(session)
        except Exception as exc:
            if not is_retryable(exc) or attempt == MAX_ATTEMPTS - 1:
                raise
            log.info("retrying transaction after %s", type(exc).__name__)
            await _backoff(attempt)
    raise AssertionError("unreachable")


class TransactionalRoute(APIRoute):
    """One request = one transaction: commit when the endpoint answered < 400, else roll
    back; rerun the whole endpoint on a retryable database error."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def transactional_handler(request: Request) -> Response:
            await request.body()  # cache the body so a retry can read it again
            for attempt in range(MAX_ATTEMPTS):
                try:
                    async with sessionmaker()() as session:
                        request.state.session = session
                        try:
                            response = await handler(request)
                            if response.status_code < 400:
                                await session.commit()
                            else:
                                _forget_after_commit(session)
                                await session.rollback()
                        except BaseException:
                            _forget_after_commit(session)
                            await session.rollback()
                            raise
                        await _run_after_commit(session)
                        return response
                except Exception as exc:
                    if is_unstorable_text(exc):
                        # A validator let a NUL through: refuse the text, never answer 500.
                        raise Unprocessable(
                            "Text must not contain NUL characters.", code="invalid_text"
                        ) from exc
                    if not is_retryable(exc):
                        raise
                    if attempt == MAX_ATTEMPTS - 1:
                        raise ServiceUnavailable(
                            "The shop is busy right now; nothing was saved. Please retry.",
                            code="busy",
                        ) from exc
                    await _backoff(attempt)
            raise AssertionError("unreachable")

        return transactional_handler


def get_session(request: Request) -> AsyncSession:
    """FastAPI dependency: the request's session (made by ``TransactionalRoute``)."""
    session: AsyncSession = request.state.session
    return session
