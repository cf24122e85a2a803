from __future__ import annotations

import httpx
import pytest

from tests.helpers import Account, operator


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)
