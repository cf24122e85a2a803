"""Real races on PostgreSQL: two worker processes pay a month's base pay at once, and
every manager is paid exactly once; a refund racing the release sweep never loses or
doubles commission."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.ledger.models import LedgerTransfer
from quanzi.membership import service as membership
from quanzi.payments import service as payments
from quanzi.referral import service as referral
from quanzi.referral.commission import service as commissions
from quanzi.referral.commission.models import BasePayment, Commission
from tests.helpers import Account, quick_accounts
from tests.referral.commission.support import (
    Goods,
    balances,
    buy,
    complete,
    ledger_sound,
    member,
    rows,
    set_plan,
    share,
)
from tests.wallet.support import balance

pytestmark = pytest.mark.postgres_only

MANAGERS = 24


async def shop_owners_in_pairs(
    plan_id: str, monkeypatch: pytest.MonkeyPatch, pairs: int
) -> list[Account]:
    """``pairs`` sales managers, each with one shop owner under them (thresholds 1/2)."""
    people = await quick_accounts(2 * pairs, monkeypatch)
    managers, owners = people[:pairs], people[pairs:]

    async def bind(session: AsyncSession) -> None:
        for manager, owner in zip(managers, owners, strict=True):
            await referral.bind(session, uuid.UUID(owner.id), uuid.UUID(manager.id), via="invite")

    await db.transaction(bind)
    for person in people:

        async def join(session: AsyncSession, person: Account = person) -> None:
            view = await membership.buy(
                session, user_id=uuid.UUID(person.id), plan_id=uuid.UUID(plan_id)
            )
            await payments.confirm_sandbox(session, view.order.payment_id, uuid.UUID(person.id))

        await db.transaction(join)
    return managers


async def test_two_worker_processes_pay_each_manager_once(
    client: httpx.AsyncClient,
    op: Account,
    plan_id: str,
    monkeypatch: pytest.MonkeyPatch,
    database: str,
) -> None:
    await set_plan(client, op, rank_thresholds={"sales_manager": 1, "service_manager": 1_000})
    managers = await shop_owners_in_pairs(plan_id, monkeypatch, MANAGERS)

    script = (
        "import asyncio\n"
        "from quanzi import wiring\n"
        "from quanzi.core import db\n"
        "from quanzi.referral.commission import basepay\n"
        "async def main():\n"
        "    wiring.install()\n"
        "    total = 0\n"
        "    for _ in range(40):\n"
        "        total += await basepay.pay_base_pay(2)\n"
        "    await db.dispose()\n"
        "    print(total)\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "QUANZI_DATABASE_URL": database}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [await proc.communicate() for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    paid = [int(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    assert sum(paid) == MANAGERS

    async def check(session: AsyncSession) -> tuple[int, int, int]:
        payments_made = await session.scalar(select(func.count()).select_from(BasePayment))
        members = await session.scalar(select(func.count(func.distinct(BasePayment.member_id))))
        transfers = await session.scalar(
            select(func.count())
            .select_from(LedgerTransfer)
            .where(LedgerTransfer.kind == "base_pay")
        )
        return int(payments_made or 0), int(members or 0), int(transfers or 0)

    assert await db.transaction(check) == (MANAGERS, MANAGERS, MANAGERS)
    assert await balance(accounts.BASE_PAY_EXPENSE) == 50_000 * MANAGERS
    for manager in managers:
        assert await balances(manager) == (0, 50_000)
    # a later round in the same month pays nobody again
    assert await commissions.pay_base_pay(100) == 0
    await ledger_sound()


async def test_refunds_racing_the_release_sweep(
    client: httpx.AsyncClient,
    op: Account,
    goods: Goods,
    plan_id: str,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sharer = await member(client, plan_id, name="A")
    code = await share(client, sharer, goods.product_id)
    (buyer,) = await quick_accounts(1, monkeypatch)
    orders = [await buy(client, buyer, (goods.sku, 1), share_code=code) for _ in range(12)]
    for order in orders:
        await complete(client, op, buyer, order["id"])
    clock.advance(timedelta(days=7, seconds=1))

    async def refund(order_id: str) -> httpx.Response:
        return await client.post(
            f"/api/v1/admin/orders/{order_id}/refund",
            json={"reason": "race", "amount_fen": 4_000},
            headers=op.headers,
        )

    results = await asyncio.gather(
        commissions.release_due(100),
        commissions.release_due(100),
        *(refund(order["id"]) for order in orders),
    )
    # an order a refund holds is skipped by the sweeps (SKIP LOCKED) and released next round
    released = results[0] + results[1] + await commissions.release_due(100)
    assert released == len(orders)
    assert all(r.status_code == 200 for r in results[2:])
    # each order: 1000 commission, 400 of it reversed (from pending or clawed back)
    for order in orders:
        (row,) = await rows(order["id"])
        assert (row.amount_fen, row.reversed_fen, row.status) == (1_000, 400, "available")
    assert await balances(sharer) == (0, 600 * len(orders))

    async def expense(session: AsyncSession) -> int:
        owed = await session.scalar(
            select(func.sum(Commission.amount_fen - Commission.reversed_fen))
        )
        assert await ledger.balance(session, accounts.COMMISSION_EXPENSE) == owed
        return int(owed or 0)

    assert await db.transaction(expense) == 600 * len(orders)
    await ledger_sound()
