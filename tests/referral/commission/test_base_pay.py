"""Monthly base pay: managers paid once per month from the 1st in the shop's time zone,
runs that resume page by page, and the team-volume rule."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.referral.commission import service as commissions
from quanzi.referral.commission.models import BasePayment
from tests.helpers import Account, register
from tests.referral.commission.support import (
    Goods,
    balances,
    buy,
    ledger_sound,
    member,
    set_plan,
    share,
)
from tests.wallet.support import balance

LOW_THRESHOLDS = {"sales_manager": 1, "service_manager": 2}


async def payments() -> list[tuple[str, str, str, int]]:
    async def work(session: AsyncSession) -> list[tuple[str, str, str, int]]:
        rows = await session.execute(
            select(
                BasePayment.member_id, BasePayment.month, BasePayment.rank, BasePayment.amount_fen
            ).order_by(BasePayment.month, BasePayment.rank, BasePayment.member_id)
        )
        return [(str(m), month, rank, amount) for m, month, rank, amount in rows.all()]

    return await db.transaction(work)


async def chain(
    client: httpx.AsyncClient, plan_id: str, *, width: int = 1
) -> tuple[Account, list[Account], list[Account]]:
    """top ← mid_i ← low_i: top is a service manager (2+ owners in the team), each mid a
    sales manager, each low a shop owner."""
    top = await member(client, plan_id, name="Top")
    mids, lows = [], []
    for i in range(width):
        mids.append(await member(client, plan_id, referrer=top, name=f"Mid {i}"))
        lows.append(await member(client, plan_id, referrer=mids[-1], name=f"Low {i}"))
    return top, mids, lows


async def test_managers_are_paid_once_a_month(
    client: httpx.AsyncClient, op: Account, plan_id: str, clock: FrozenClock
) -> None:
    await set_plan(client, op, rank_thresholds=LOW_THRESHOLDS)
    top, (mid,), (low,) = await chain(client, plan_id)
    assert (await client.get("/api/v1/me", headers=mid.headers)).json()["rank"] == "sales_manager"

    assert await commissions.pay_base_pay(100) == 2
    assert await commissions.pay_base_pay(100) == 0
    assert await payments() == sorted(
        [
            (top.id, "2026-11", "service_manager", 300_000),
            (mid.id, "2026-11", "sales_manager", 50_000),
        ],
        key=lambda p: (p[1], p[2], p[0]),
    )
    assert await balances(top) == (0, 300_000)
    assert await balances(mid) == (0, 50_000)
    assert await balances(low) == (0, 0)

    # the last second of November in Shanghai: still November
    clock.set(datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC))
    assert await commissions.pay_base_pay(100) == 0
    # 1 December 00:00 in Shanghai: December's pay is due
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert await commissions.pay_base_pay(100) == 2
    assert await commissions.pay_base_pay(100) == 0
    assert await balances(top) == (0, 600_000)
    assert await balance(accounts.BASE_PAY_EXPENSE) == 700_000
    history = (await client.get("/api/v1/me/wallet/history", headers=mid.headers)).json()
    assert [(e["kind"], e["available_fen"]) for e in history["items"]] == [
        ("base_pay", 50_000),
        ("base_pay", 50_000),
    ]
    await ledger_sound()


async def test_a_run_resumes_page_by_page(
    client: httpx.AsyncClient, op: Account, plan_id: str
) -> None:
    await set_plan(client, op, rank_thresholds=LOW_THRESHOLDS)
    top, mids, _ = await chain(client, plan_id, width=3)
    paid = []
    while n := await commissions.pay_base_pay(1):
        paid.append(n)
    # one sales manager per call (and the service manager in the first)
    assert paid == [2, 1, 1]
    assert sorted(p[0] for p in await payments()) == sorted([top.id, *(m.id for m in mids)])


async def test_nothing_is_paid_for_a_zero_base_pay(
    client: httpx.AsyncClient, op: Account, plan_id: str
) -> None:
    await set_plan(
        client,
        op,
        rank_thresholds=LOW_THRESHOLDS,
        base_pay_fen={"sales_manager": 0, "service_manager": 300_000},
    )
    top, _, _ = await chain(client, plan_id)
    assert await commissions.pay_base_pay(100) == 1
    assert [p[0] for p in await payments()] == [top.id]


async def test_team_volume_rule_pays_only_managers_whose_team_sold(
    client: httpx.AsyncClient, op: Account, plan_id: str, goods: Goods, clock: FrozenClock
) -> None:
    stored = await set_plan(
        client,
        op,
        rank_thresholds=LOW_THRESHOLDS,
        team_volume_rule={"min_monthly_team_sales_fen": 15_000},
    )
    assert [w["rule"] for w in stored["warnings"]] == ["team_volume"]
    top, (mid,), (low,) = await chain(client, plan_id)
    code = await share(client, low, goods.product_id)
    # November: 20000 sold through low's link pays low (level 1) and mid (level 2); top is
    # level 3, beyond the plan's depth, so none of it counts as top's team sales
    await buy(client, await register(client), (goods.sku, 2), share_code=code)
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert await commissions.pay_base_pay(100) == 1
    assert [p[0] for p in await payments()] == [mid.id]
    assert await balances(top) == (0, 0)
    assert await balances(mid) == (600, 50_000)
