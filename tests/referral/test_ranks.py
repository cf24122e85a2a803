"""Ranks in the database: shop owners counted incrementally from membership events,
promotions and demotions at the plan's thresholds in the same transaction, the change log,
``rank_of``/``members_with_rank``, the counting rule, and re-ranking after a plan change."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.referral import service
from quanzi.referral.models import RankChange
from tests.helpers import Account, register
from tests.referral.support import (
    assert_counts_exact,
    node,
    register_under,
    set_rank_rules,
    shop_owner,
    team,
)


async def rank_of(who: Account) -> str:
    async def work(session: AsyncSession) -> str:
        return await service.rank_of(session, uuid.UUID(who.id))

    return await db.transaction(work)


async def changes(who: Account) -> list[RankChange]:
    async def work(session: AsyncSession) -> list[RankChange]:
        rows = await session.scalars(
            select(RankChange)
            .where(RankChange.user_id == uuid.UUID(who.id))
            .order_by(RankChange.created_at, RankChange.id)
        )
        return list(rows)

    return await db.transaction(work)


async def with_rank(*ranks: str, after: uuid.UUID | None = None, limit: int = 100) -> list[str]:
    async def work(session: AsyncSession) -> list[str]:
        found = await service.members_with_rank(session, ranks, after_id=after, limit=limit)
        return [str(user_id) for user_id in found]

    return await db.transaction(work)


async def test_shop_owners_in_the_team_promote_and_demote_the_manager(
    client: httpx.AsyncClient,
) -> None:
    await set_rank_rules(sales=2, service=3)
    boss = await register(client, name="Boss")
    middle = await register_under(client, boss, name="Middle")
    a = await register_under(client, middle, name="A")
    b = await register_under(client, middle, name="B")
    c = await register_under(client, a, name="C")
    assert await rank_of(boss) == "member"

    await shop_owner(boss.id)
    assert await rank_of(boss) == "shop_owner"
    await shop_owner(a.id)
    await shop_owner(b.id)
    # Boss's team holds A and B (through Middle): two shop owners = sales manager.
    assert await rank_of(boss) == "sales_manager"
    assert await rank_of(middle) == "member"  # not a shop owner themselves
    await shop_owner(c.id)
    assert await rank_of(boss) == "service_manager"
    boss_team = await team(client, boss)
    assert boss_team["team_count"] == 3
    assert boss_team["next_rank"] is None

    # A repeated event (a renewal) counts nothing twice.
    await shop_owner(c.id)
    assert (await node(boss.id)).team_count == 3

    # Ranks follow the team: C's membership ends, Boss is a sales manager again.
    await shop_owner(c.id, owner=False)
    assert await rank_of(boss) == "sales_manager"
    log = await changes(boss)
    assert [(r.from_rank, r.to_rank) for r in log] == [
        ("member", "shop_owner"),
        ("shop_owner", "sales_manager"),
        ("sales_manager", "service_manager"),
        ("service_manager", "sales_manager"),
    ]
    assert "team shop owners=2" in log[1].reason
    assert "membership started" in log[1].reason
    assert "membership ended (expired)" in log[3].reason
    await assert_counts_exact()


async def test_a_manager_without_membership_is_a_member(client: httpx.AsyncClient) -> None:
    await set_rank_rules(sales=1, service=2)
    boss = await register(client, name="Boss")
    member = await register_under(client, boss, name="M")
    await shop_owner(member.id)
    assert await rank_of(boss) == "member"
    await shop_owner(boss.id)
    assert await rank_of(boss) == "sales_manager"
    await shop_owner(boss.id, owner=False)
    assert await rank_of(boss) == "member"
    body = await client.get("/api/v1/me", headers=boss.headers)
    assert body.json()["rank"] == "member"


async def test_direct_counting_counts_only_direct_invitees(client: httpx.AsyncClient) -> None:
    await set_rank_rules(sales=2, service=5, counting="direct")
    boss = await register(client, name="Boss")
    a = await register_under(client, boss, name="A")
    deep = await register_under(client, a, name="Deep")
    await shop_owner(boss.id)
    await shop_owner(a.id)
    await shop_owner(deep.id)
    assert await rank_of(boss) == "shop_owner"
    view = await team(client, boss)
    assert (view["counted"], view["team_count"], view["direct_owner_count"]) == (1, 2, 1)
    assert (view["next_rank"], view["needed_for_next"]) == ("sales_manager", 1)
    b = await register_under(client, boss, name="B")
    await shop_owner(b.id)
    assert await rank_of(boss) == "sales_manager"


async def test_a_plan_change_re_ranks_the_members_it_affects(client: httpx.AsyncClient) -> None:
    await set_rank_rules(sales=3, service=4)
    boss = await register(client, name="Boss")
    owners = [await register_under(client, boss, name=f"O{i}") for i in range(2)]
    await shop_owner(boss.id)
    for owner in owners:
        await shop_owner(owner.id)
    assert await rank_of(boss) == "shop_owner"

    await set_rank_rules(sales=1, service=2)
    assert await rank_of(boss) == "service_manager"
    assert await with_rank("service_manager") == [boss.id]
    log = await changes(boss)
    assert "rank rules changed" in log[-1].reason

    await set_rank_rules(sales=5, service=9)
    assert await with_rank("sales_manager", "service_manager") == []
    assert await rank_of(boss) == "shop_owner"


async def test_members_with_rank_pages_in_id_order(client: httpx.AsyncClient) -> None:
    await set_rank_rules(sales=1, service=5)
    managers = []
    for i in range(5):
        boss = await register(client, name=f"Boss{i}")
        member = await register_under(client, boss, name=f"M{i}")
        await shop_owner(boss.id)
        await shop_owner(member.id)
        managers.append(boss.id)
    expected = sorted(managers, key=uuid.UUID)
    first = await with_rank("sales_manager", limit=2)
    assert first == expected[:2]
    rest = await with_rank("sales_manager", after=uuid.UUID(first[-1]), limit=10)
    assert rest == expected[2:]
    assert len(await with_rank("shop_owner", limit=100)) == 5


async def test_next_rank_from_the_team_view(client: httpx.AsyncClient) -> None:
    boss = await register(client, name="Boss")
    view = await team(client, boss)
    assert (view["rank"], view["next_rank"], view["needed_for_next"]) == (
        "member",
        "shop_owner",
        None,
    )
    assert view["rank_rules"] == {
        "counting": "team",
        "sales_manager": 90,
        "service_manager": 900,
    }
    await shop_owner(boss.id)
    view = await team(client, boss)
    assert (view["rank"], view["next_rank"], view["next_threshold"], view["needed_for_next"]) == (
        "shop_owner",
        "sales_manager",
        90,
        90,
    )


async def test_buying_a_membership_makes_a_shop_owner_for_the_team(
    client: httpx.AsyncClient, op: Account
) -> None:
    """The real wiring: a paid membership order publishes MembershipActivated."""
    from tests.membership.support import become_member, create_plan

    plan = await create_plan(client, op)
    boss = await register(client, name="Boss")
    member = await register_under(client, boss, name="Member")
    await become_member(client, member, plan["id"])
    me = (await client.get("/api/v1/me", headers=member.headers)).json()
    assert me["rank"] == "shop_owner"
    boss_team = await team(client, boss)
    assert (boss_team["team_count"], boss_team["direct_owner_count"]) == (1, 1)
    # A membership fee is no sale: nothing queued for team sales, no conversion.
    assert await service.roll_up_team_sales(100) == 0
    await assert_counts_exact()
