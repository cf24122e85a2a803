"""The distribution journey over HTTP, the referral side of it: A buys a membership and
shares a product; B opens the link before having an account, registers, is bound to A
through the share code the landing page left, and buys through the link; A sees the
conversion, the team, the team sales and the leaderboard; a refund of A's membership fee
takes A off the shop-owner ranks."""

from __future__ import annotations

import httpx

from quanzi.referral import service
from tests.helpers import Account, register
from tests.membership.support import become_member, create_plan
from tests.referral.support import (
    assert_counts_exact,
    bind_code,
    buy,
    make_product,
    refund,
    share,
    team,
)


async def test_share_register_bind_buy(client: httpx.AsyncClient, op: Account) -> None:
    plan = await create_plan(client, op)
    product = await make_product()
    alice = await register(client, name="Alice")
    membership_order = await become_member(client, alice, plan["id"])
    me = (await client.get("/api/v1/me", headers=alice.headers)).json()
    assert me["rank"] == "shop_owner"

    link = (await share(client, alice, product_id=product.id)).json()
    landing = await client.get(f"/s/{link['code']}", follow_redirects=False)
    assert landing.status_code == 302
    share_cookie, visitor_cookie = landing.cookies["qz_share"], landing.cookies["qz_vid"]

    bob = await register(client, name="Bob")
    client.cookies.set("qz_vid", visitor_cookie)
    bound = await bind_code(client, bob, share_cookie)
    client.cookies.clear()
    assert bound.json()["changed"] is True
    assert bound.json()["referrer"]["display_name"] == "Alice"

    await buy(client, bob, product, quantity=4, share_code=share_cookie)  # goods 10000
    mine = (await client.get("/api/v1/me/shares", headers=alice.headers)).json()["items"][0]
    assert (mine["click_count"], mine["order_count"], mine["sales_fen"]) == (1, 1, 10000)

    assert await service.roll_up_team_sales(100) == 1
    alice_team = await team(client, alice)
    assert (alice_team["direct_count"], alice_team["team_size"]) == (1, 1)
    assert alice_team["team_sales_fen"] == 10000
    members = (await client.get("/api/v1/me/team/members", headers=alice.headers)).json()
    assert [(m["display_name"], m["bound_via"]) for m in members["items"]] == [("Bob", "share")]

    board = (await client.get("/api/v1/leaderboard", headers=bob.headers)).json()
    assert [(s["display_name"], s["sales_fen"]) for s in board["items"]] == [("Alice", 10000)]

    # The membership fee comes back: Alice is no shop owner, and no star either.
    await refund(client, op, membership_order["id"])
    me = (await client.get("/api/v1/me", headers=alice.headers)).json()
    assert me["rank"] == "member"
    assert (await client.get("/api/v1/leaderboard", headers=bob.headers)).json()["items"] == []
    await assert_counts_exact()
