"""One seeded demo shop for every test of this folder: the seed acts out 90 days (about a
minute of work), so it runs once per session, on a database of its own, and the tests
only read it (or run the seed again, which must change nothing).

The seed's "now" is :data:`END`; each test runs with the clock a little after it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import demo
from quanzi.core import clock as clock_module
from quanzi.core import db
from quanzi.core.config import reset_settings
from quanzi.core.db import Base
from quanzi.models import import_all_models
from tests.conftest import BACKEND, START, _reset_postgres

END = START
PORT = 8123


@dataclass(frozen=True)
class Seeded:
    url: str
    text: str
    """What the first ``quanzi demo`` printed."""


async def table_counts() -> dict[str, int]:
    """Rows in every table (what a second seed must leave as it is)."""
    import_all_models()

    async def count(session: AsyncSession) -> dict[str, int]:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }

    return await db.transaction(count)


def history_lines(text: str) -> list[str]:
    """The lines of ``quanzi demo``'s output that tell the history (before the links)."""
    return text.split("\n\n", 1)[0].splitlines()[3:]


def _use(url: str) -> None:
    os.environ["QUANZI_DATABASE_URL"] = url
    reset_settings()
    db.configure(url)


@pytest.fixture(scope="session")
async def seeded(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Seeded]:
    if BACKEND == "postgres":
        await _reset_postgres(database_url)
        url = database_url
    else:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(database_url, path)
        url = f"sqlite+aiosqlite:///{path}"
    _use(url)
    previous = clock_module.install(clock_module.FrozenClock(END))
    try:
        text = await demo.seed_and_describe("0.0.0.0", PORT)
    finally:
        clock_module.install(previous)
    yield Seeded(url, text)
    await db.dispose()


@pytest.fixture
def shop(seeded: Seeded) -> Iterator[Seeded]:
    """The seeded database as the process database, the clock just after the seed."""
    _use(seeded.url)
    previous = clock_module.install(clock_module.FrozenClock(END + timedelta(minutes=1)))
    yield seeded
    clock_module.install(previous)


@pytest.fixture
async def api(shop: Seeded) -> AsyncIterator[httpx.AsyncClient]:
    from quanzi.app import create_app

    application = create_app()
    _use(shop.url)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await db.dispose()
