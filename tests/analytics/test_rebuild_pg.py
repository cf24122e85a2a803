"""The PostgreSQL-only rebuild recomputes the same rollups as the sweep."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import service
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from tests.analytics.support import nonzero, recount, rollups, sharer_rollups, sweep
from tests.analytics.test_members_sharers import trade
from tests.analytics.test_rollup_api import _sequence

pytestmark = pytest.mark.postgres_only


async def test_rebuild_equals_the_sweep(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    await _sequence(client, clock, 5)
    await sweep()
    swept = nonzero(await rollups())

    async def rebuild(session: AsyncSession) -> int:
        return await service.rebuild(session)

    assert await db.transaction(rebuild) == len(swept)
    assert nonzero(await rollups()) == swept == nonzero(await recount())
    # The cursor moved past every event: the sweep has nothing to add.
    assert await sweep() == 0


async def test_rebuild_counts_members_and_sharers(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await trade(client, clock)
    await sweep()
    swept, sharers = nonzero(await rollups()), await sharer_rollups()
    assert sharers

    async def rebuild(session: AsyncSession) -> int:
        return await service.rebuild(session)

    await db.transaction(rebuild)
    assert nonzero(await rollups()) == swept
    assert await sharer_rollups() == sharers
