"""The operator's cut rule over HTTP and the worker sweep that cuts each shop day's batches
at midnight in Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from quanzi import worker
from quanzi.core.clock import FrozenClock
from quanzi.production import service as production
from tests.helpers import Account, problem, register
from tests.production.support import Factory, batches, group, outbox

RULE = "/api/v1/admin/production/rule"


async def test_the_rule_defaults_to_daily_and_only_operators_set_it(
    client: httpx.AsyncClient, op: Account, plant: Factory
) -> None:
    response = await client.get(RULE, headers=op.headers)
    assert response.json() == {"mode": "daily", "threshold_quantity": None, "updated_at": None}

    shopper = await register(client)
    problem(await client.get(RULE, headers=shopper.headers), 403, "forbidden")
    problem(
        await client.put(RULE, json={"mode": "daily"}, headers=plant.staff.headers),
        403,
        "forbidden",
    )
    problem(await client.get(RULE), 401, "unauthorized")

    response = await client.put(
        RULE, json={"mode": "threshold", "threshold_quantity": 50}, headers=op.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["mode"] == "threshold"
    assert response.json()["threshold_quantity"] == 50
    response = await client.get(RULE, headers=op.headers)
    assert (response.json()["mode"], response.json()["threshold_quantity"]) == ("threshold", 50)

    response = await client.put(RULE, json={"mode": "daily"}, headers=op.headers)
    assert response.json()["threshold_quantity"] is None


async def test_bad_rules_are_422(client: httpx.AsyncClient, op: Account) -> None:
    for body in (
        {"mode": "threshold"},
        {"mode": "threshold", "threshold_quantity": 0},
        {"mode": "threshold", "threshold_quantity": 10**9},
        {"mode": "daily", "threshold_quantity": 10},
        {"mode": "weekly"},
        {"mode": "daily", "extra": 1},
    ):
        problem(await client.put(RULE, json=body, headers=op.headers), 422, "validation_error")
    response = await client.get(RULE, headers=op.headers)
    assert response.json()["mode"] == "daily"


async def test_daily_sweep_cuts_at_shanghai_midnight(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    # 2026-11-02 10:00 and 23:30 in Shanghai: one shop day, one batch per SKU.
    await group(client, plant.sku, size=2)
    clock.set(datetime(2026, 11, 2, 15, 30, tzinfo=UTC))
    await group(client, plant.sku, size=2)
    await group(client, plant.other_sku, size=3)

    clock.set(datetime(2026, 11, 2, 15, 59, 59, tzinfo=UTC))  # 23:59:59 in Shanghai
    assert await production.cut_due(100) == 0
    assert {b.status for b in await batches()} == {"collecting"}

    clock.set(datetime(2026, 11, 2, 16, 0, tzinfo=UTC))  # midnight in Shanghai, 16:00 UTC
    done = await worker.run_once()
    assert done["production.cut_due"] == 2
    cut = await batches()
    assert [(b.status, b.quantity, b.cut_at) for b in cut] == [
        ("created", 4, clock.now()),
        ("created", 3, clock.now()),
    ]
    events = await outbox("production_batch.created")
    assert sorted(e["quantity"] for e in events) == [3, 4]
    assert await production.cut_due(100) == 0

    # The next day's demand collects anew until the next midnight.
    clock.advance(timedelta(hours=1))
    await group(client, plant.sku, size=2)
    clock.set(datetime(2026, 11, 3, 15, 0, tzinfo=UTC))
    assert await production.cut_due(100) == 0
    clock.set(datetime(2026, 11, 3, 16, 0, tzinfo=UTC))
    assert await production.cut_due(100) == 1
    assert [b.status for b in await batches()] == ["created"] * 3


async def test_threshold_leftovers_are_still_cut_at_midnight(
    client: httpx.AsyncClient, op: Account, plant: Factory, clock: FrozenClock
) -> None:
    response = await client.put(
        RULE, json={"mode": "threshold", "threshold_quantity": 10}, headers=op.headers
    )
    assert response.status_code == 200
    await group(client, plant.sku, size=3)
    clock.advance(timedelta(hours=5))  # 15:00 Shanghai
    assert await production.cut_due(100) == 0
    clock.advance(timedelta(hours=9))  # 00:00 the next day
    assert await production.cut_due(100) == 1
    (batch,) = await batches()
    assert (batch.status, batch.quantity) == ("created", 3)


async def test_operators_see_every_batch_and_may_cut_early(
    client: httpx.AsyncClient, op: Account, plant: Factory
) -> None:
    await group(client, plant.sku, size=2)
    await group(client, plant.other_sku, size=3)
    response = await client.get("/api/v1/admin/production/batches", headers=op.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [(i["sku_id"], i["status"], i["quantity"]) for i in items] == [
        (plant.other_sku, "collecting", 3),
        (plant.sku, "collecting", 2),
    ]

    page = await client.get(
        "/api/v1/admin/production/batches",
        params={"limit": 1},
        headers=op.headers,
    )
    assert page.json()["items"][0]["sku_id"] == plant.other_sku
    more = await client.get(
        "/api/v1/admin/production/batches",
        params={"limit": 1, "cursor": page.json()["next_cursor"]},
        headers=op.headers,
    )
    assert [i["sku_id"] for i in more.json()["items"]] == [plant.sku]
    assert more.json()["next_cursor"] is None

    batch_id = items[1]["id"]
    response = await client.post(
        f"/api/v1/admin/production/batches/{batch_id}/cut", headers=op.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "created"
    problem(
        await client.post(f"/api/v1/admin/production/batches/{batch_id}/cut", headers=op.headers),
        409,
        "illegal_transition",
    )

    filtered = await client.get(
        "/api/v1/admin/production/batches",
        params={"status": "created", "supplier_id": plant.supplier_id},
        headers=op.headers,
    )
    assert [i["id"] for i in filtered.json()["items"]] == [batch_id]
    by_sku = await client.get(
        "/api/v1/admin/production/batches",
        params={"sku_id": plant.other_sku},
        headers=op.headers,
    )
    assert [i["status"] for i in by_sku.json()["items"]] == ["collecting"]

    detail = await client.get(f"/api/v1/admin/production/batches/{batch_id}", headers=op.headers)
    assert detail.status_code == 200
    assert len(detail.json()["orders"]) == 2
    assert all(o["status"] == "confirmed" for o in detail.json()["orders"])

    problem(
        await client.get(
            "/api/v1/admin/production/batches/0190c3b2-0000-7000-8000-000000000000",
            headers=op.headers,
        ),
        404,
        "batch_not_found",
    )
    problem(
        await client.get(
            "/api/v1/admin/production/batches", params={"cursor": "nope"}, headers=op.headers
        ),
        422,
        "invalid_cursor",
    )
    problem(
        await client.get("/api/v1/admin/production/batches", headers=plant.staff.headers),
        403,
        "forbidden",
    )
