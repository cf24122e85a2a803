"""Test harness: one real database per run (SQLite file or a throwaway PostgreSQL
database), migrated with Alembic once, emptied before every test.

``QUANZI_TEST_DATABASE=sqlite|postgres`` picks the database (``make test`` runs both).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from quanzi.core import clock as clock_module
from quanzi.core import db
from quanzi.core.config import reset_settings
from quanzi.core.migrate import upgrade

BACKEND = os.environ.get("QUANZI_TEST_DATABASE", "sqlite")
PG_ADMIN_DSN = os.environ.get(
    "QUANZI_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
START = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)

os.environ.setdefault("QUANZI_RUN_WORKER_IN_PROCESS", "false")


def pytest_report_header() -> str:
    return f"quanzi test database: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "postgres":
        return
    # Row-lock races only mean something on PostgreSQL; on SQLite they are not run at all
    # (deselected, not skipped: the PostgreSQL run of `make test` is where they count).
    kept = [item for item in items if "postgres_only" not in item.keywords]
    deselected = [item for item in items if "postgres_only" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgres":
        name = f"quanzi_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        base = PG_ADMIN_DSN.rsplit("/", 1)[0]
        import asyncio

        async def admin(sql: str) -> None:
            conn = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
        url = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
        upgrade(url)
        yield url
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        folder = tmp_path_factory.mktemp("db")
        template = folder / "template.db"
        upgrade(f"sqlite+aiosqlite:///{template}")
        yield str(template)


_PG_TABLES: list[str] = []


async def _reset_postgres(url: str) -> None:
    db.configure(url)
    async with db.engine().begin() as conn:
        if not _PG_TABLES:
            rows = await conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            _PG_TABLES.extend(row[0] for row in rows)
        await conn.execute(text(f"TRUNCATE {', '.join(_PG_TABLES)} CASCADE"))


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database configured as the process database."""
    reset_settings()
    if BACKEND == "postgres":
        url = database_url
        await _reset_postgres(url)
    else:
        path = tmp_path / "quanzi.db"
        shutil.copyfile(database_url, path)
        url = f"sqlite+aiosqlite:///{path}"
        db.configure(url)
    os.environ["QUANZI_DATABASE_URL"] = url
    reset_settings()
    yield url
    await db.dispose()


@pytest.fixture
def clock() -> Iterator[clock_module.FrozenClock]:
    frozen = clock_module.FrozenClock(START)
    previous = clock_module.install(frozen)
    yield frozen
    clock_module.install(previous)


@pytest.fixture
async def app(database: str, clock: clock_module.FrozenClock):  # type: ignore[no-untyped-def]
    from quanzi.app import create_app

    application = create_app()
    db.configure(database)
    return application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
