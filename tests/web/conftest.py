from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.web.support import Browser, NewBrowser, Shop, seed_shop


@pytest.fixture
async def new_browser(app: FastAPI) -> AsyncIterator[NewBrowser]:
    """Make browsers, each with its own cookies (a fresh profile per shopper)."""
    clients: list[httpx.AsyncClient] = []

    async def make() -> Browser:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        clients.append(client)
        return Browser(client)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def browser(new_browser: NewBrowser) -> Browser:
    return await new_browser()


@pytest.fixture
async def shop(app: FastAPI) -> Shop:
    return await seed_shop()
