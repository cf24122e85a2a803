"""Real races on PostgreSQL: hundreds of joiners on one group, many groups of one hot
campaign, and two worker processes closing the same expired groups."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.clock import FrozenClock
from quanzi.groupbuy.models import Group, GroupMember
from quanzi.ledger import rules as accounts
from quanzi.orders.models import Order
from quanzi.payments.models import Payment, PaymentRefund
from tests.groupbuy.support import (
    balance,
    campaign_row,
    group_page,
    group_row,
    join,
    ledger_sound,
    make_campaign,
    open_and_pay,
    pay,
    read,
)
from tests.helpers import Account, quick_accounts

pytestmark = pytest.mark.postgres_only


async def race_to_join(
    client: httpx.AsyncClient, group_id: str, joiners: list[Account]
) -> list[httpx.Response]:
    return list(await asyncio.gather(*(join(client, group_id, joiner) for joiner in joiners)))


@pytest.mark.parametrize(("size", "joiners"), [(5, 300), (2, 60), (3, 60), (10, 120)])
async def test_joiners_race_for_the_seats_of_one_group(
    client: httpx.AsyncClient,
    op: Account,
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    joiners: int,
) -> None:
    campaign = await make_campaign(client, op, group_size=size, stock=1000, per_user_limit=1)
    leader, *crowd = await quick_accounts(joiners + 1, monkeypatch)
    group_id = await open_and_pay(client, campaign, leader)

    responses = await race_to_join(client, group_id, crowd)
    codes = Counter(r.status_code if r.status_code == 201 else r.json()["code"] for r in responses)
    assert codes == {201: size - 1, "group_full": joiners - (size - 1)}

    # Only seat holders were asked for money; they pay, and the group succeeds at once.
    winners = [(r, a) for r, a in zip(responses, crowd, strict=True) if r.status_code == 201]
    await asyncio.gather(*(pay(client, r.json(), a) for r, a in winners))
    page = await group_page(client, group_id)
    assert (page["status"], page["paid_count"]) == ("succeeded", size)

    async def counts(session: AsyncSession) -> tuple[int, int]:
        payments = await session.scalar(select(func.count()).select_from(Payment))
        members = await session.scalar(select(func.count()).select_from(GroupMember))
        return int(payments or 0), int(members or 0)

    assert await read(counts) == (size, size)
    assert (await campaign_row(campaign.id)).seats_taken == size
    await ledger_sound()


async def test_many_groups_of_one_hot_campaign(
    client: httpx.AsyncClient, op: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = await make_campaign(client, op, group_size=3, stock=1000, per_user_limit=1)
    people = await quick_accounts(8 + 8 * 12, monkeypatch)
    leaders, crowd = people[:8], people[8:]
    group_ids = list(
        await asyncio.gather(*(open_and_pay(client, campaign, leader) for leader in leaders))
    )
    # 12 joiners per group, all at once across the 8 groups: 2 seats each.
    attempts = [join(client, group_ids[i % 8], joiner) for i, joiner in enumerate(crowd)]
    responses = await asyncio.gather(*attempts)
    assert Counter(r.status_code for r in responses) == {201: 16, 409: 80}
    for group_id in group_ids:
        group = await group_row(group_id)
        assert group.seats_taken == 3
        assert group.paid_count == 1
    assert (await campaign_row(campaign.id)).seats_taken == 24


async def test_two_worker_processes_close_each_group_once(
    client: httpx.AsyncClient,
    op: Account,
    monkeypatch: pytest.MonkeyPatch,
    clock: FrozenClock,
    database: str,
) -> None:
    """Groups expire (the test clock is in the real past); two real `quanzi` sweeps run
    at once as separate processes; every failed group's members are refunded once."""
    campaign = await make_campaign(client, op, group_size=3, stock=1000, per_user_limit=1)
    people = await quick_accounts(40, monkeypatch)
    group_ids = []
    for leader, friend in zip(people[::2], people[1::2], strict=True):
        group_id = await open_and_pay(client, campaign, leader)
        joined = await join(client, group_id, friend)
        await pay(client, joined.json(), friend)
        group_ids.append(group_id)
    clock.advance(timedelta(days=2))

    script = (
        "import asyncio\n"
        "from quanzi import wiring\n"
        "from quanzi.core import db\n"
        "from quanzi.groupbuy import closing\n"
        "async def main():\n"
        "    wiring.install()\n"
        "    total = 0\n"
        "    while (n := await closing.close_expired(7)):\n"
        "        total += n\n"
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
    closed = sum(int(out.decode().strip().splitlines()[-1]) for out, _ in outputs)
    assert closed == len(group_ids)

    async def check(session: AsyncSession) -> tuple[int, int, int]:
        failed = await session.scalar(
            select(func.count()).select_from(Group).where(Group.status == "failed")
        )
        refunds = await session.scalar(select(func.count()).select_from(PaymentRefund))
        refunded_orders = await session.scalar(
            select(func.count()).select_from(Order).where(Order.status == "refunded")
        )
        return int(failed or 0), int(refunds or 0), int(refunded_orders or 0)

    assert await read(check) == (20, 40, 40)
    assert await balance(accounts.PROVIDER_CLEARING) == 0
    assert await balance(accounts.REFUNDS_PAYABLE) == 0
    await ledger_sound()
