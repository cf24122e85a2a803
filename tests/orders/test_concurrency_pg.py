"""Real row-lock races on PostgreSQL: many buyers, one hot SKU; duplicate submissions."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog.rules import SkuDraft
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.orders import service as orders
from quanzi.payments import service as payments
from tests.helpers import quick_accounts
from tests.orders.support import (
    assert_ledger_sound,
    count_orders,
    get_order,
    levels,
    make_product,
    make_supplier,
    place,
)

pytestmark = pytest.mark.postgres_only


async def hot_sku(stock: int) -> str:
    supplier = await make_supplier("爆款工厂")
    (sku,) = await make_product(
        supplier, "爆款纸巾", SkuDraft(name="10包", price_fen=990, stock=stock)
    )
    return sku


async def test_fifty_buyers_race_for_ten_units(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sku = await hot_sku(10)
    buyers = await quick_accounts(50, monkeypatch)
    responses = await asyncio.gather(*(place(client, buyer, (sku, 1)) for buyer in buyers))
    assert Counter(response.status_code for response in responses) == {201: 10, 409: 40}
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "insufficient_stock"
            assert response.json()["sku_id"] == sku
    assert await levels(sku) == (0, 10, 0)
    assert await count_orders() == 10


async def test_multi_sku_orders_in_opposite_orders_do_not_deadlock(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    supplier = await make_supplier("两件套工厂")
    first, second = await make_product(
        supplier,
        "两件套",
        SkuDraft(name="上", price_fen=1000, stock=100),
        SkuDraft(name="下", price_fen=1000, stock=100),
    )
    buyers = await quick_accounts(30, monkeypatch)
    responses = await asyncio.gather(
        *(
            place(
                client, buyer, *([(first, 1), (second, 1)] if i % 2 else [(second, 1), (first, 1)])
            )
            for i, buyer in enumerate(buyers)
        )
    )
    assert [response.status_code for response in responses] == [201] * 30
    assert await levels(first) == (70, 30, 0)
    assert await levels(second) == (70, 30, 0)


async def test_concurrent_duplicates_with_one_key_make_one_order(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sku = await hot_sku(10)
    (buyer,) = await quick_accounts(1, monkeypatch)
    responses = await asyncio.gather(
        *(place(client, buyer, (sku, 2), key="double-tap") for _ in range(8))
    )
    assert [response.status_code for response in responses] == [201] * 8
    assert len({response.json()["id"] for response in responses}) == 1
    assert all(response.json() == responses[0].json() for response in responses)
    assert await count_orders() == 1
    assert await levels(sku) == (8, 2, 0)


async def test_payment_racing_the_expiry_sweep_ends_paid_or_refunded(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> None:
    sku = await hot_sku(20)
    buyers = await quick_accounts(6, monkeypatch)
    placed = [(await place(client, buyer, (sku, 1))).json() for buyer in buyers]
    clock.advance(timedelta(minutes=15))

    async def notify(order: dict[str, Any]) -> None:
        async def work(session: AsyncSession) -> None:
            await payments.record_success(
                session,
                provider="sandbox",
                provider_event_id=f"race-{order['id']}",
                payment_id=uuid.UUID(order["payment"]["id"]),
                provider_txn_id=f"race-{order['id']}",
                amount_fen=order["total_fen"],
            )

        await db.transaction(work)

    await asyncio.gather(orders.expire_unpaid(100), *(notify(order) for order in placed))
    # Whoever won each race, the buyer either owns a paid order or has their money back.
    statuses = Counter(
        [
            (await get_order(client, buyer, order["id"]))["status"]
            for buyer, order in zip(buyers, placed, strict=True)
        ]
    )
    assert set(statuses) <= {"paid", "refunded"}
    assert sum(statuses.values()) == 6
    assert await levels(sku) == (20 - statuses["paid"], 0, statuses["paid"])
    await assert_ledger_sound()
