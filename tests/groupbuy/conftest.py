from __future__ import annotations

import httpx
import pytest

from tests.groupbuy.support import Campaign, make_campaign
from tests.helpers import Account, operator


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def campaign(client: httpx.AsyncClient, op: Account) -> Campaign:
    return await make_campaign(client, op)
