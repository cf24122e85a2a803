from __future__ import annotations

import httpx
import pytest

from tests.helpers import Account, operator
from tests.production.support import Factory, factory


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def plant(client: httpx.AsyncClient) -> Factory:
    return await factory(client)
