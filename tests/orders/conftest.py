from __future__ import annotations

import httpx
import pytest

from tests.helpers import Account, operator, register
from tests.orders.support import Shop, make_shop


@pytest.fixture
async def shop(client: httpx.AsyncClient) -> Shop:
    return await make_shop()


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def buyer(client: httpx.AsyncClient) -> Account:
    return await register(client, name="Buyer")
