from __future__ import annotations

import httpx
import pytest

from tests.helpers import Account, operator
from tests.referral.commission.support import Goods, make_goods, membership_plan


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def goods(client: httpx.AsyncClient) -> Goods:
    return await make_goods()


@pytest.fixture
async def plan_id(client: httpx.AsyncClient, op: Account) -> str:
    """The shop-owner membership plan (39800 fen, 365 days)."""
    return await membership_plan(client, op)
