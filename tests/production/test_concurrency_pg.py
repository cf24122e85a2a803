"""Real row-lock races on PostgreSQL: concurrent demand for one SKU, concurrent sweeps, a
refund racing the moment a batch is produced."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.production import service as production
from tests.helpers import Account, register
from tests.orders.support import assert_ledger_sound, balances, refund
from tests.production.support import (
    SUPPLY,
    Factory,
    batches,
    cut_all,
    factory,
    group,
    group_order,
    outbox,
    succeed,
)

pytestmark = pytest.mark.postgres_only


async def confirmed_orders(
    client: httpx.AsyncClient, sku: str, count: int, quantity: int
) -> list[str]:
    order_ids = []
    for _ in range(count):
        buyer = await register(client, name="拼友")
        order_ids.append(await group_order(client, buyer, sku, quantity))
    return order_ids


async def test_concurrent_demand_meets_in_one_collecting_batch(
    client: httpx.AsyncClient, plant: Factory
) -> None:
    order_ids = await confirmed_orders(client, plant.sku, 12, 2)
    # Twelve groups of one order succeed at once, none finding a batch yet.
    await asyncio.gather(*(succeed(order_id) for order_id in order_ids))
    (batch,) = await batches(plant.supplier_id)
    assert (batch.status, batch.quantity, batch.order_count) == ("collecting", 24, 12)
    assert batch.payable_fen == 24 * SUPPLY


async def test_concurrent_demand_under_a_threshold_loses_nothing(
    client: httpx.AsyncClient, plant: Factory
) -> None:
    async def rule(session: AsyncSession) -> None:
        await production.set_rule(session, mode="threshold", threshold_quantity=5)

    await db.transaction(rule)
    order_ids = await confirmed_orders(client, plant.sku, 15, 2)
    await asyncio.gather(*(succeed(order_id) for order_id in order_ids))
    found = await batches(plant.supplier_id)
    assert sum(b.quantity for b in found) == 30
    assert sum(b.order_count for b in found) == 15
    statuses = Counter(b.status for b in found)
    assert statuses["collecting"] <= 1
    assert all(b.quantity >= 5 for b in found if b.status == "created")
    created = await outbox("production_batch.created")
    assert sorted(e["batch_id"] for e in created) == sorted(
        str(b.id) for b in found if b.status == "created"
    )


async def test_two_sweeps_cut_each_batch_once(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    others = [await factory(client, f"工厂{n}") for n in range(3)]
    for each in (plant, *others):
        await group(client, each.sku, size=2)
        await group(client, each.other_sku, size=2)
    clock.advance(timedelta(days=1))
    done = await asyncio.gather(production.cut_due(100), production.cut_due(100))
    assert sum(done) == 8
    assert {b.status for b in await batches()} == {"created"}
    created = await outbox("production_batch.created")
    assert len(created) == 8
    assert len({e["batch_id"] for e in created}) == 8


async def test_a_refund_racing_production_is_never_paid_to_the_supplier(
    client: httpx.AsyncClient, plant: Factory, op: Account, clock: FrozenClock
) -> None:
    payable = accounts.supplier_payable(plant.supplier_id)
    accrued = accounts.supplier_accrued(plant.supplier_id)
    owed = 0
    for _ in range(4):
        refunded, _ = await group(client, plant.sku, size=2, quantity=2)
        await cut_all(clock)
        (batch,) = [b for b in await batches(plant.supplier_id) if b.status == "created"]
        url = f"/api/v1/supplier/batches/{batch.id}"
        started = await client.post(f"{url}/start", headers=plant.staff.headers)
        assert started.status_code == 200
        refunded_now, produced = await asyncio.gather(
            refund(client, op, refunded),
            client.post(f"{url}/produced", headers=plant.staff.headers),
        )
        assert refunded_now.status_code == 200, refunded_now.text
        assert produced.status_code == 200, produced.text
        owed += 2 * SUPPLY
        assert await balances(payable, accrued) == {payable: -owed, accrued: 0}
    await assert_ledger_sound()
