"""Demand aggregation: confirmed group orders flow into one collecting batch per supplier
and SKU and shop day; the threshold rule cuts at once; refunds before the cut withdraw."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.orders import service as orders
from quanzi.production import service as production
from quanzi.production.models import ProductionBatchOrder
from tests.helpers import Account, register
from tests.orders.support import refund
from tests.production.support import (
    SUPPLY,
    Factory,
    batches,
    factory,
    group,
    group_order,
    outbox,
    succeed,
)


async def batch_order_count() -> int:
    async def work(session: AsyncSession) -> int:
        return int(
            await session.scalar(select(func.count()).select_from(ProductionBatchOrder)) or 0
        )

    return await db.transaction(work)


async def set_rule(mode: str, threshold: int | None = None) -> None:
    async def work(session: AsyncSession) -> None:
        await production.set_rule(session, mode=mode, threshold_quantity=threshold)

    await db.transaction(work)


async def test_groups_of_one_day_collect_into_one_batch_per_sku(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    await group(client, plant.sku, size=2, quantity=1)
    clock.advance(timedelta(hours=2))
    await group(client, plant.sku, size=3, quantity=2)
    await group(client, plant.other_sku, size=2, quantity=1)
    other = await factory(client, "另一家")
    await group(client, other.sku, size=2)

    mine = await batches(plant.supplier_id)
    assert [(str(b.sku_id), b.status, b.quantity, b.order_count) for b in mine] == [
        (plant.sku, "collecting", 2 + 6, 5),
        (plant.other_sku, "collecting", 2, 2),
    ]
    assert mine[0].payable_fen == 8 * SUPPLY
    assert mine[0].title == "乳胶枕"
    assert mine[0].sku_name == "标准"
    theirs = await batches(other.supplier_id)
    assert [(b.status, b.quantity) for b in theirs] == [("collecting", 2)]
    assert await batch_order_count() == 5 + 2 + 2
    assert await outbox("production_batch.created") == []


async def test_a_new_shop_day_starts_a_new_batch(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    # START is 10:00 in Shanghai; 15:59 UTC is 23:59 there, 16:00 UTC is midnight.
    clock.set(clock.now().replace(hour=15, minute=59))
    await group(client, plant.sku, size=2)
    clock.advance(timedelta(minutes=1))
    await group(client, plant.sku, size=2, quantity=3)

    first, second = await batches(plant.supplier_id)
    # The late demand cut yesterday's batch itself, without waiting for the worker.
    assert (first.status, first.quantity, first.cut_at) == ("created", 2, clock.now())
    assert (second.status, second.quantity) == ("collecting", 6)
    (event,) = await outbox("production_batch.created")
    assert event["batch_id"] == str(first.id)
    assert event["quantity"] == 2
    assert event["supplier_id"] == plant.supplier_id
    assert event["sku_id"] == plant.sku


async def test_replaying_group_succeeded_changes_nothing(
    client: httpx.AsyncClient, plant: Factory
) -> None:
    order_ids = await group(client, plant.sku, size=3)
    await succeed(*order_ids)
    await succeed(order_ids[0])
    (batch,) = await batches(plant.supplier_id)
    assert (batch.quantity, batch.order_count) == (3, 3)
    assert await batch_order_count() == 3


async def test_orders_that_are_not_confirmed_are_refused_loudly(
    client: httpx.AsyncClient, plant: Factory
) -> None:
    buyer = await register(client)

    async def place(session: AsyncSession) -> str:
        view = await orders.place_order(
            session,
            buyer_id=uuid.UUID(buyer.id),
            lines=[orders.LineRequest(uuid.UUID(plant.sku), 1)],
            address={
                "name": "韩梅梅",
                "phone": "13800138001",
                "province": "广东省",
                "city": "深圳市",
                "district": "南山区",
                "line1": "科技园 2 号",
            },
            kind="group",
            unit_price_overrides={uuid.UUID(plant.sku): 1990},
        )
        return str(view.order.id)

    order_id = await db.transaction(place)
    with pytest.raises(ValueError, match="not confirmed"):
        await succeed(order_id)
    assert await batches() == []


async def test_threshold_cuts_in_the_transaction_that_reaches_it(
    client: httpx.AsyncClient, plant: Factory
) -> None:
    await set_rule("threshold", 5)
    await group(client, plant.sku, size=2, quantity=1)
    (batch,) = await batches(plant.supplier_id)
    assert (batch.status, batch.quantity) == ("collecting", 2)

    await group(client, plant.sku, size=2, quantity=2)  # 2 + 4 = 6 ≥ 5
    (batch,) = await batches(plant.supplier_id)
    assert (batch.status, batch.quantity, batch.order_count) == ("created", 6, 4)
    (event,) = await outbox("production_batch.created")
    assert (event["quantity"], event["order_count"]) == (6, 4)
    assert event["payable_fen"] == 6 * SUPPLY

    await group(client, plant.sku, size=2)
    cut, collecting = await batches(plant.supplier_id)
    assert (cut.id, cut.quantity) == (batch.id, 6)
    assert (collecting.status, collecting.quantity) == ("collecting", 2)


async def test_lowering_the_threshold_cuts_batches_already_over_it(
    client: httpx.AsyncClient, plant: Factory
) -> None:
    await group(client, plant.sku, size=3)
    await group(client, plant.other_sku, size=2)
    await set_rule("threshold", 3)
    by_sku = {str(b.sku_id): b for b in await batches(plant.supplier_id)}
    assert by_sku[plant.sku].status == "created"
    assert by_sku[plant.other_sku].status == "collecting"


async def test_a_full_refund_before_the_cut_takes_the_order_out(
    client: httpx.AsyncClient, plant: Factory, op: Account
) -> None:
    first, second = await group(client, plant.sku, size=2, quantity=2)
    response = await refund(client, op, first)
    assert response.status_code == 200, response.text
    (batch,) = await batches(plant.supplier_id)
    assert (batch.quantity, batch.order_count, batch.payable_fen) == (2, 1, 2 * SUPPLY)

    # A partial refund keeps the goods in the batch (the buyer still gets them).
    response = await refund(client, op, second, 100)
    assert response.status_code == 200, response.text
    (batch,) = await batches(plant.supplier_id)
    assert (batch.quantity, batch.order_count) == (2, 1)

    # The last order out: the empty batch goes, and the next demand opens a new one.
    response = await refund(client, op, second)
    assert response.status_code == 200, response.text
    assert await batches(plant.supplier_id) == []
    buyer = await register(client)
    await succeed(await group_order(client, buyer, plant.sku, 4))
    (batch,) = await batches(plant.supplier_id)
    assert (batch.status, batch.quantity) == ("collecting", 4)
