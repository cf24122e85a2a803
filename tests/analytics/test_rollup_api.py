"""The rollups equal a recount from the source tables after a random sequence of
orders, payments, refunds, memberships and groups across several shop days."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import rules
from quanzi.analytics.models import DailyKpi
from quanzi.core import clock as clock_module
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.core.config import get_settings
from quanzi.core.outbox import OutboxEvent
from quanzi.groupbuy import closing
from tests.analytics.support import nonzero, recount, rollups, sweep
from tests.groupbuy import support as groups
from tests.helpers import Account, operator, problem, register
from tests.membership.support import become_member, create_plan
from tests.orders.support import make_shop, pay, placed, refund


async def _sequence(client: httpx.AsyncClient, clock: FrozenClock, seed: int) -> Account:
    """A random day of trading (orders, refunds, sweeps at random moments, time moving
    across shop days), then one group that succeeds and one that fails."""
    rng = random.Random(seed)
    op = await operator(client)
    shop = await make_shop()
    buyers = [await register(client, name=f"Buyer {i}") for i in range(3)]
    plan = await create_plan(client, op)
    await become_member(client, buyers[0], plan["id"])
    paid: list[dict[str, Any]] = []
    for _ in range(14):
        action = rng.choice(["order", "order", "refund", "time", "sweep"])
        if action == "order":
            buyer = rng.choice(buyers)
            order = await placed(client, buyer, (rng.choice([shop.a, shop.c]), 1))
            response = await pay(client, buyer, order)
            assert response.status_code == 200, response.text
            paid.append(order)
        elif action == "refund" and paid:
            order = paid.pop(rng.randrange(len(paid)))
            response = await refund(client, op, order["id"], rng.choice([None, 300]))
            assert response.status_code == 200, response.text
        elif action == "time":
            clock.advance(timedelta(hours=rng.choice([5, 11, 23])))
        else:
            await sweep(limit=rng.choice([1, 3, 50]))
    campaign = await groups.make_campaign(client, op, duration_minutes=60)
    won = await groups.open_group(client, campaign, buyers[0])
    await groups.pay(client, won, buyers[0])
    for member in buyers[1:]:
        joined = await groups.join(client, won["group"]["id"], member)
        assert joined.status_code == 201, joined.text
        await groups.pay(client, joined.json(), member)
    leader = await register(client, name="Leader")
    lost = await groups.open_group(client, campaign, leader)
    await groups.pay(client, lost, leader)
    clock.advance(timedelta(hours=2))
    assert await closing.close_expired(10) == 1
    return op


@pytest.mark.parametrize("seed", [7, 2026])
async def test_rollups_equal_a_recount(
    client: httpx.AsyncClient, clock: FrozenClock, seed: int
) -> None:
    await _sequence(client, clock, seed)
    await sweep()
    counted = nonzero(await recount())
    assert nonzero(await rollups()) == counted
    totals = {
        name: sum(row[name] for row in counted.values())
        for name in ("groups_succeeded", "groups_failed", "memberships_sold")
    }
    assert totals == {"groups_succeeded": 1, "groups_failed": 1, "memberships_sold": 1}
    assert sum(row["member_gmv_fen"] for row in counted.values()) > 0
    # A second pass finds nothing left to apply.
    assert await sweep() == 0
    assert nonzero(await rollups()) == counted


async def test_dashboard_series_and_totals(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    op = await _sequence(client, clock, 11)
    await sweep()
    counted = await recount()
    response = await client.get("/api/v1/admin/dashboard?days=7", headers=op.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    today = rules.shop_day(clock.now(), get_settings().timezone)
    window = rules.window(today, 7)
    assert [day["date"] for day in body["days"]] == [day.isoformat() for day in window]
    for day in body["days"]:
        expected = counted.get(rules.date.fromisoformat(day["date"]), {})
        assert day["gmv_fen"] == expected.get("gmv_fen", 0)
        assert day["orders"] == expected.get("orders_paid", 0)
        assert day["refunds_fen"] == expected.get("refunds_fen", 0)
        assert day["net_gmv_fen"] == day["gmv_fen"] - day["refunds_fen"]
    inside = [counted[day] for day in window if day in counted]
    totals = body["totals"]
    assert totals["gmv_fen"] == sum(row["gmv_fen"] for row in inside)
    assert totals["membership_fen"] == sum(row["membership_fen"] for row in inside)
    assert totals["member_share_bp"] == rules.share_bp(
        sum(row["member_gmv_fen"] for row in inside), totals["gmv_fen"]
    )
    # Distinct buyers over the window, not the sum of the daily counts.
    assert 1 <= totals["buyers"] <= sum(row["buyers"] for row in inside)
    assert body["as_of"] is not None


async def test_dashboard_is_for_operators(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    member = await register(client)
    problem(await client.get("/api/v1/admin/dashboard", headers=member.headers), 403, "forbidden")
    problem(await client.get("/api/v1/admin/dashboard"), 401, "unauthorized")
    op = await operator(client)
    too_many = await client.get("/api/v1/admin/dashboard?days=400", headers=op.headers)
    assert too_many.status_code == 422
    empty = await client.get("/api/v1/admin/dashboard?days=2", headers=op.headers)
    assert empty.status_code == 200
    assert [day["gmv_fen"] for day in empty.json()["days"]] == [0, 0]
    assert empty.json()["as_of"] is None


async def test_an_event_committed_late_is_applied_once(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """An event whose id is older than the cursor (its transaction committed after newer
    events were applied) is still applied, and only once."""
    await _sequence(client, clock, 3)
    await sweep()
    before = nonzero(await rollups())
    late_id = rules.uuid7_floor(clock_module.SystemClock().now() - timedelta(seconds=30))

    async def write_late(session: AsyncSession) -> None:
        session.add(
            OutboxEvent(
                id=late_id,
                topic="group.succeeded",
                payload={"group_id": str(uuid.uuid4())},
                created_at=clock.now(),
            )
        )

    await db.transaction(write_late)
    assert await sweep() == 1
    assert await sweep() == 0
    day = rules.shop_day(clock.now(), get_settings().timezone)

    async def succeeded(session: AsyncSession) -> int:
        row = await session.get(DailyKpi, day)
        return 0 if row is None else row.groups_succeeded

    assert await db.transaction(succeeded) == before.get(day, {}).get("groups_succeeded", 0) + 1
