"""Group buying through the HTTP API: open, share, join, pay, succeed or fail."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.clock import FrozenClock
from quanzi.core.outbox import OutboxEvent
from quanzi.groupbuy import closing
from quanzi.ledger import rules as accounts
from quanzi.orders import service as orders
from tests.groupbuy.support import (
    GROUP_PRICE,
    Campaign,
    balance,
    campaign_row,
    group_page,
    group_row,
    join,
    ledger_sound,
    make_campaign,
    open_and_pay,
    open_group,
    order_status,
    pay,
    payments_count,
    read,
)
from tests.helpers import Account, problem, register
from tests.orders.support import ADDRESS


async def topics() -> list[str]:
    async def work(session: AsyncSession) -> list[str]:
        rows = await session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.created_at))
        return list(rows.all())

    result: list[str] = await read(work)
    return result


async def test_group_fills_and_succeeds(client: httpx.AsyncClient, campaign: Campaign) -> None:
    leader = await register(client, name="团长")
    answer = await open_group(client, campaign, leader)
    group_id = answer["group"]["id"]
    assert answer["order"]["kind"] == "group"
    assert answer["order"]["total_fen"] == GROUP_PRICE  # group price, delivered free
    assert answer["group"]["share_url"].endswith(f"/g/{group_id}")

    page = await group_page(client, group_id)
    assert page["status"] == "pending"
    # Nobody can join before the leader pays.
    friend = await register(client, name="小王")
    problem(await join(client, group_id, friend), 409, "group_closed")

    await pay(client, answer, leader)
    page = await group_page(client, group_id)
    assert page["status"] == "open"
    assert page["paid_count"] == 1
    assert page["seconds_left"] == 24 * 3600
    assert page["members"][0] == {
        "display_name": "团长",
        "is_leader": True,
        "paid": True,
        "joined_at": page["members"][0]["joined_at"],
    }

    second = await join(client, group_id, friend)
    assert second.status_code == 201, second.text
    assert (await group_page(client, group_id))["seats_left"] == 1
    await pay(client, second.json(), friend)

    third_member = await register(client, name="小李")
    third = await join(client, group_id, third_member)
    await pay(client, third.json(), third_member)

    page = await group_page(client, group_id)
    assert page["status"] == "succeeded"
    assert page["paid_count"] == 3
    assert page["seats_left"] == 0
    assert [m["display_name"] for m in page["members"]] == ["团长", "小王", "小李"]
    for order_id in (
        answer["order"]["id"],
        second.json()["order"]["id"],
        third.json()["order"]["id"],
    ):
        assert await order_status(order_id) == "confirmed"
    assert [t for t in await topics() if t.startswith("group.")] == [
        "group.opened",
        "group.succeeded",
    ]
    # Supply cost of made-to-order goods is accrued until production, not yet payable.
    assert await balance(accounts.supplier_accrued(campaign.supplier_id)) == -3 * 1800
    assert await balance(accounts.supplier_payable(campaign.supplier_id)) == 0
    await ledger_sound()

    late = await register(client, name="迟到")
    problem(await join(client, group_id, late), 409, "group_closed")


async def test_leader_perk_is_a_discount_on_the_leader_order(
    client: httpx.AsyncClient, op: Account
) -> None:
    campaign = await make_campaign(client, op, leader_discount_fen=500)
    leader = await register(client)
    answer = await open_group(client, campaign, leader)
    assert answer["order"]["discount_fen"] == 500
    assert answer["order"]["total_fen"] == GROUP_PRICE - 500
    await pay(client, answer, leader)
    joiner = await register(client)
    joined = await join(client, answer["group"]["id"], joiner)
    assert joined.json()["order"]["total_fen"] == GROUP_PRICE


async def test_joining_refusals(client: httpx.AsyncClient, op: Account, clock: FrozenClock) -> None:
    campaign = await make_campaign(client, op, group_size=2, per_user_limit=1)
    leader = await register(client)
    group_id = await open_and_pay(client, campaign, leader)

    problem(await join(client, group_id, leader), 409, "already_joined")
    problem(
        await client.post(
            "/api/v1/groups/00000000-0000-7000-8000-000000000000/join",
            json={"address": ADDRESS},
            headers=leader.headers,
        ),
        404,
        "group_not_found",
    )
    problem(
        await client.post(f"/api/v1/groups/{group_id}/join", json={"address": ADDRESS}),
        401,
        "unauthorized",
    )
    problem(
        await client.post(f"/api/v1/groups/{group_id}/join", json={}, headers=leader.headers),
        422,
        "validation_error",
    )

    friend = await register(client)
    taken = await join(client, group_id, friend)  # takes the last seat, unpaid
    assert taken.status_code == 201
    before = await payments_count()
    stranger = await register(client)
    problem(await join(client, group_id, stranger), 409, "group_full")
    assert await payments_count() == before  # no money asked of a refused joiner

    # Per-user limit across the campaign's groups: the friend cannot open another group.
    problem(
        await client.post(
            "/api/v1/groups",
            json={"campaign_id": campaign.id, "address": ADDRESS},
            headers=friend.headers,
        ),
        409,
        "limit_reached",
    )

    # A paused campaign takes no new groups.
    paused = await client.patch(
        f"/api/v1/admin/group-campaigns/{campaign.id}",
        json={"status": "paused"},
        headers=op.headers,
    )
    assert paused.status_code == 200
    problem(
        await client.post(
            "/api/v1/groups",
            json={"campaign_id": campaign.id, "address": ADDRESS},
            headers=stranger.headers,
        ),
        409,
        "campaign_not_running",
    )


async def test_campaign_not_started_and_sold_out(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    later = await make_campaign(client, op, starts_at=(clock.now() + timedelta(days=1)).isoformat())
    leader = await register(client)
    problem(
        await client.post(
            "/api/v1/groups",
            json={"campaign_id": later.id, "address": ADDRESS},
            headers=leader.headers,
        ),
        409,
        "campaign_not_running",
    )
    small = await make_campaign(client, op, group_size=2, stock_allotted=2)
    first = await register(client)
    await open_group(client, small, first)
    second = await register(client)
    await open_group(client, small, second)
    third = await register(client)
    problem(
        await client.post(
            "/api/v1/groups",
            json={"campaign_id": small.id, "address": ADDRESS},
            headers=third.headers,
        ),
        409,
        "campaign_sold_out",
    )


async def test_unpaid_seat_is_released_when_its_payment_window_ends(
    client: httpx.AsyncClient, campaign: Campaign, clock: FrozenClock
) -> None:
    leader = await register(client)
    group_id = await open_and_pay(client, campaign, leader)
    dawdler = await register(client)
    held = await join(client, group_id, dawdler)
    assert (await group_page(client, group_id))["seats_left"] == 1
    clock.advance(timedelta(minutes=16))
    assert await orders.expire_unpaid(100) == 1
    assert await order_status(held.json()["order"]["id"]) == "cancelled"
    page = await group_page(client, group_id)
    assert page["seats_left"] == 2
    assert [m["display_name"] for m in page["members"]] == ["Shopper"]
    assert (await campaign_row(campaign.id)).seats_taken == 1
    # The released member may come back.
    again = await join(client, group_id, dawdler)
    assert again.status_code == 201


async def test_leader_who_never_pays_takes_the_group_down(
    client: httpx.AsyncClient, campaign: Campaign, clock: FrozenClock
) -> None:
    leader = await register(client)
    answer = await open_group(client, campaign, leader)
    clock.advance(timedelta(minutes=16))
    await orders.expire_unpaid(100)
    page = await group_page(client, answer["group"]["id"])
    assert page["status"] == "failed"
    assert (await campaign_row(campaign.id)).seats_taken == 0


async def test_expired_group_fails_and_refunds_every_paid_member(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    campaign = await make_campaign(client, op, group_size=4)
    leader = await register(client)
    group_id = await open_and_pay(client, campaign, leader)
    friend = await register(client)
    joined = await join(client, group_id, friend)
    await pay(client, joined.json(), friend)
    dawdler = await register(client)
    unpaid = await join(client, group_id, dawdler)

    clock.advance(timedelta(hours=23))
    assert await closing.close_expired(100) == 0  # not due yet
    clock.advance(timedelta(hours=1))
    assert await closing.close_expired(100) == 1
    assert await closing.close_expired(100) == 0  # exactly once

    page = await group_page(client, group_id)
    assert page["status"] == "failed"
    assert {m["display_name"] for m in page["members"]} == {"Shopper"}
    assert len(page["members"]) == 2  # the two who paid
    assert await order_status(joined.json()["order"]["id"]) == "refunded"
    assert await order_status(unpaid.json()["order"]["id"]) == "cancelled"
    # The provider (sandbox) paid both refunds back: nothing held, nothing owed.
    assert await balance(accounts.PROVIDER_CLEARING) == 0
    assert await balance(accounts.REFUNDS_PAYABLE) == 0
    assert await balance(accounts.supplier_accrued(campaign.supplier_id)) == 0
    assert (await campaign_row(campaign.id)).seats_taken == 0
    await ledger_sound()
    assert "group.failed" in await topics()

    # A payment for the closed unpaid seat arriving late is refunded, not counted.
    problem(
        await client.post(
            f"/api/v1/payments/{unpaid.json()['order']['payment']['id']}/sandbox/confirm",
            headers=dawdler.headers,
        ),
        409,
        "payment_closed",
    )


async def test_platform_fills_the_last_seat_openly(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    campaign = await make_campaign(client, op, group_size=3, platform_fill_seats=1)
    leader = await register(client)
    group_id = await open_and_pay(client, campaign, leader)
    friend = await register(client)
    joined = await join(client, group_id, friend)
    await pay(client, joined.json(), friend)
    clock.advance(timedelta(days=1))
    assert await closing.close_expired(100) == 1
    page = await group_page(client, group_id)
    assert page["status"] == "succeeded"
    assert page["platform_filled"] == 1
    assert len(page["members"]) == 2  # no fake member for the filled seat
    assert await balance(accounts.SUBSIDY_EXPENSE) == GROUP_PRICE
    assert await order_status(joined.json()["order"]["id"]) == "confirmed"
    await ledger_sound()


async def test_platform_does_not_fill_more_than_allowed(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    campaign = await make_campaign(client, op, group_size=4, platform_fill_seats=1)
    leader = await register(client)
    group_id = await open_and_pay(client, campaign, leader)
    clock.advance(timedelta(days=1))
    await closing.close_expired(100)
    assert (await group_page(client, group_id))["status"] == "failed"
    assert await balance(accounts.SUBSIDY_EXPENSE) == 0


async def test_operator_refund_of_a_paid_seat_frees_it(
    client: httpx.AsyncClient, campaign: Campaign, op: Account
) -> None:
    leader = await register(client)
    group_id = await open_and_pay(client, campaign, leader)
    friend = await register(client)
    joined = await join(client, group_id, friend)
    await pay(client, joined.json(), friend)
    refund = await client.post(
        f"/api/v1/admin/orders/{joined.json()['order']['id']}/refund",
        json={"reason": "buyer asked"},
        headers=op.headers,
    )
    assert refund.status_code == 200, refund.text
    group = await group_row(group_id)
    assert (group.paid_count, group.seats_taken, group.status) == (1, 1, "open")


async def test_discovery_lists_open_groups_closest_to_full_first(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    lone = await open_and_pay(client, campaign, await register(client))
    nearly = await open_and_pay(client, campaign, await register(client))
    member = await register(client)
    await pay(client, (await join(client, nearly, member)).json(), member)
    await open_group(client, campaign, await register(client))  # pending: not listed
    page = await client.get(f"/api/v1/group-campaigns/{campaign.id}")
    assert page.status_code == 200
    body = page.json()
    assert body["running"] is True
    assert body["solo_price_fen"] > body["group_price_fen"]
    assert [g["id"] for g in body["open_groups"]] == [nearly, lone]
    assert body["open_groups"][0]["seats_left"] == 1
    listing = await client.get("/api/v1/group-campaigns")
    assert [c["id"] for c in listing.json()] == [campaign.id]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"group_price_fen": 3990}, "invalid_campaign"),
        ({"group_size": 1}, "validation_error"),
        ({"group_size": 101}, "validation_error"),
        ({"duration_minutes": 0}, "validation_error"),
        ({"group_price_fen": -1}, "validation_error"),
        ({"group_price_fen": 10**15}, "validation_error"),
        ({"sku_id": "00000000-0000-7000-8000-000000000000"}, "sku_not_found"),
        ({"sku_id": "nope"}, "validation_error"),
    ],
)
async def test_campaign_refusals(
    client: httpx.AsyncClient, op: Account, campaign: Campaign, change: dict[str, object], code: str
) -> None:
    body = {
        "sku_id": campaign.sku_id,
        "group_price_fen": 2000,
        "group_size": 3,
        "duration_minutes": 60,
        **change,
    }
    response = await client.post("/api/v1/admin/group-campaigns", json=body, headers=op.headers)
    assert response.status_code in {404, 422}
    assert response.json()["code"] == code


async def test_members_cannot_manage_campaigns(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    member = await register(client)
    problem(
        await client.patch(
            f"/api/v1/admin/group-campaigns/{campaign.id}",
            json={"status": "ended"},
            headers=member.headers,
        ),
        403,
        "forbidden",
    )


async def test_open_group_replay_returns_the_first_answer(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    leader = await register(client)
    body = {"campaign_id": campaign.id, "address": ADDRESS}
    headers = {**leader.headers, "Idempotency-Key": "open-1"}
    first = await client.post("/api/v1/groups", json=body, headers=headers)
    again = await client.post("/api/v1/groups", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = await client.post("/api/v1/groups", json={**body, "share_code": "x"}, headers=headers)
    problem(other, 409, "idempotency_key_reused")


async def test_join_replay_returns_the_first_answer(
    client: httpx.AsyncClient, campaign: Campaign
) -> None:
    group_id = await open_and_pay(client, campaign, await register(client))
    friend = await register(client)
    headers = {**friend.headers, "Idempotency-Key": "join-1"}
    body = {"address": ADDRESS}
    first = await client.post(f"/api/v1/groups/{group_id}/join", json=body, headers=headers)
    again = await client.post(f"/api/v1/groups/{group_id}/join", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert first.json() == again.json()
    assert (await group_row(group_id)).seats_taken == 2
    other_group = await open_and_pay(client, campaign, await register(client))
    problem(
        await client.post(f"/api/v1/groups/{other_group}/join", json=body, headers=headers),
        409,
        "idempotency_key_reused",
    )
