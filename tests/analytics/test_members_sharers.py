"""Paid members over time, repurchase and top sharers: rolled up from the outbox like the
other KPIs, equal to a recount from the source tables, and served by the dashboard."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import rules, service
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.core.config import get_settings
from quanzi.membership import service as membership
from tests.analytics.support import (
    nonzero,
    recount,
    rollups,
    sharer_recount,
    sharer_rollups,
    sweep,
)
from tests.helpers import Account, operator, register
from tests.membership.support import become_member, create_plan
from tests.referral.support import buy, make_product, share_code

GOODS_FEN = 5000  # buy(): 2 × 2500 fen of goods, plus 1000 shipping
TOTAL_FEN = 6000


async def trade(client: httpx.AsyncClient, clock: FrozenClock) -> tuple[Account, Account]:
    """Day 0: two members join (one renews at once), a sharer's link sells twice; day 1:
    the same buyer buys again without a link; day 6: the member who did not renew has
    expired and is ended by the sweep. Returns the operator and the sharer."""
    op = await operator(client)
    plan = await create_plan(client, op, duration_days=5)
    loyal, lapsing = await register(client, name="Loyal"), await register(client, name="Lapsing")
    await become_member(client, loyal, plan["id"])
    await become_member(client, loyal, plan["id"])  # a renewal: no new member
    await become_member(client, lapsing, plan["id"])
    sharer, buyer = await register(client, name="Sharer"), await register(client, name="Buyer")
    product = await make_product()
    code = await share_code(client, sharer, product)
    await buy(client, buyer, product, share_code=code)
    await sweep(limit=2)  # part of the day applied early: the rest adds to it later
    await buy(client, buyer, product, share_code=code)
    clock.advance(timedelta(days=1))
    await buy(client, buyer, product)
    clock.advance(timedelta(days=5))
    assert await membership.expire_due(10) == 1
    return op, sharer


async def test_members_and_sharers_roll_up_like_a_recount(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await trade(client, clock)
    await sweep()
    assert nonzero(await rollups()) == nonzero(await recount())
    sharers = await sharer_recount()
    assert list(sharers.values()) == [(2, 2 * GOODS_FEN)]
    assert await sharer_rollups() == sharers
    assert await sweep() == 0


async def test_the_dashboard_shows_members_repurchase_and_top_sharers(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    op, sharer = await trade(client, clock)
    await sweep()
    response = await client.get("/api/v1/admin/dashboard?days=7", headers=op.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    today = rules.shop_day(clock.now(), get_settings().timezone)
    by_day = {day["date"]: day for day in body["days"]}
    first, second = (today - timedelta(days=6)).isoformat(), (today - timedelta(days=5)).isoformat()
    assert by_day[first]["members_joined"] == 2
    assert by_day[first]["active_members"] == 2
    assert by_day[second]["active_members"] == 2
    # The tenure ended when it expired (day 5), though the sweep ended it on day 6.
    expired = (today - timedelta(days=1)).isoformat()
    assert by_day[expired]["members_ended"] == 1
    assert by_day[expired]["active_members"] == 1
    assert by_day[today.isoformat()]["active_members"] == 1
    assert by_day[first]["gmv_fen"] == 2 * TOTAL_FEN
    assert by_day[first]["membership_share_bp"] == rules.share_bp(3 * 39800, 3 * 39800 + 12000)
    # The buyer came back on the second day: a returning buyer that day.
    assert (by_day[second]["buyers"], by_day[second]["repeat_buyers"]) == (1, 1)
    assert by_day[second]["repurchase_bp"] == 10_000
    totals = body["totals"]
    assert (totals["active_members"], totals["members_joined"], totals["members_ended"]) == (
        1,
        2,
        1,
    )
    assert (totals["buyers"], totals["repeat_buyers"], totals["repurchase_bp"]) == (1, 1, 10_000)
    assert body["top_sharers"] == [
        {
            "sharer_id": sharer.id,
            "display_name": "Sharer",
            "orders": 2,
            "sales_fen": 2 * GOODS_FEN,
        }
    ]
    # A window that starts after the sales: members carried in from before it, no sharers.
    recent = await client.get("/api/v1/admin/dashboard?days=3", headers=op.headers)
    assert recent.status_code == 200, recent.text
    assert [day["active_members"] for day in recent.json()["days"]] == [2, 1, 1]
    assert recent.json()["top_sharers"] == []
    assert recent.json()["totals"]["repeat_buyers"] == 0


async def test_a_buyer_paying_twice_on_one_day_is_not_a_repeat_buyer(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    buyer = await register(client)
    product = await make_product()
    await buy(client, buyer, product)
    await buy(client, buyer, product)
    await sweep()

    async def board(session: AsyncSession) -> dict[str, int]:
        return (await service.dashboard(session, days=1)).totals

    totals = await db.transaction(board)
    assert (totals["buyers"], totals["repeat_buyers"], totals["orders_paid"]) == (1, 0, 2)
