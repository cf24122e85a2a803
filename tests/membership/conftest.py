from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import Account, operator, register
from tests.membership.support import create_plan


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def buyer(client: httpx.AsyncClient) -> Account:
    return await register(client, name="Buyer")


@pytest.fixture
async def plan(client: httpx.AsyncClient, op: Account) -> dict[str, Any]:
    """The default plan: Shop owner, 39800 fen, 365 days, member prices."""
    return await create_plan(client, op)
