"""Team views over HTTP: my direct invitees (paged, no phone numbers), team sales rolled up
by the sweep, the star shop owners' leaderboard, and the operator's view of a member's
referral path."""

from __future__ import annotations

from datetime import timedelta

import httpx

from quanzi.core.clock import FrozenClock
from quanzi.referral import service
from tests.helpers import Account, problem, register
from tests.referral.support import (
    assert_counts_exact,
    buy,
    chain_of,
    log_in_again,
    make_product,
    refund,
    register_under,
    set_mode,
    share_code,
    shop_owner,
    team,
)


async def test_my_direct_invitees_are_paged_without_phone_numbers(
    client: httpx.AsyncClient,
) -> None:
    boss = await register(client, name="Boss")
    invitees = [await register_under(client, boss, name=f"Friend {i}") for i in range(5)]
    await register_under(client, invitees[0], name="Grandchild")
    await shop_owner(invitees[4].id)

    response = await client.get("/api/v1/me/team/members?limit=3", headers=boss.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [m["display_name"] for m in page["items"]] == ["Friend 4", "Friend 3", "Friend 2"]
    assert page["items"][0]["rank"] == "shop_owner"
    assert page["items"][0]["bound_via"] == "invite"
    assert "phone" not in response.text
    assert all(i.phone not in response.text for i in invitees)
    rest = await client.get(
        f"/api/v1/me/team/members?limit=3&cursor={page['next_cursor']}", headers=boss.headers
    )
    names = [(m["display_name"], m["team_size"]) for m in rest.json()["items"]]
    assert names == [("Friend 1", 0), ("Friend 0", 1)]
    assert rest.json()["next_cursor"] is None
    problem(await client.get("/api/v1/me/team/members"), 401, "unauthorized")


async def test_team_sales_are_rolled_up_along_the_chain(
    client: httpx.AsyncClient, op: Account
) -> None:
    root, middle, buyer = await chain_of(client, 3)
    product = await make_product()
    first = await buy(client, buyer, product)  # goods 5000
    await buy(client, middle, product, quantity=1)  # goods 2500
    assert (await team(client, root))["team_sales_fen"] == 0  # queued until the sweep
    assert await service.roll_up_team_sales(100) == 2
    assert await service.roll_up_team_sales(100) == 0
    root_team, middle_team = await team(client, root), await team(client, middle)
    assert (root_team["team_sales_fen"], root_team["own_sales_fen"]) == (7500, 0)
    assert (middle_team["team_sales_fen"], middle_team["own_sales_fen"]) == (5000, 2500)

    await refund(client, op, first["id"], 1000)
    assert await service.roll_up_team_sales(1) == 1
    assert (await team(client, root))["team_sales_fen"] == 6500
    await assert_counts_exact()


async def test_team_sales_move_with_a_rebound_member(
    client: httpx.AsyncClient, op: Account
) -> None:
    await set_mode(client, op, "latest")
    alice = await register(client, name="Alice")
    zoe = await register(client, name="Zoe")
    bob = await register_under(client, alice, name="Bob")
    carol = await register_under(client, bob, name="Carol")
    product = await make_product()
    await buy(client, carol, product)
    await service.roll_up_team_sales(100)
    assert (await team(client, alice))["team_sales_fen"] == 5000
    await buy(client, bob, product, share_code=await share_code(client, zoe, product))
    await service.roll_up_team_sales(100)
    # Bob bought through Zoe's link: in "latest" mode he and his team moved to her.
    assert (await team(client, alice))["team_sales_fen"] == 0
    assert (await team(client, zoe))["team_sales_fen"] == 10000
    await assert_counts_exact()


async def test_the_leaderboard_shows_star_shop_owners_by_attributed_sales(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    star, runner_up, not_owner = [
        await register(client, name=n) for n in ("Star", "Runner-up", "Not owner")
    ]
    buyer = await register(client, name="Buyer")
    for who in (star, runner_up):
        await shop_owner(who.id)
    product = await make_product()
    await buy(
        client, buyer, product, quantity=3, share_code=await share_code(client, star, product)
    )
    await buy(client, buyer, product, share_code=await share_code(client, runner_up, product))
    await buy(client, buyer, product, share_code=await share_code(client, not_owner, product))

    response = await client.get("/api/v1/leaderboard", headers=buyer.headers)
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["month"] == "2026-11"
    assert [
        (s["position"], s["display_name"], s["sales_fen"], s["order_count"]) for s in board["items"]
    ] == [
        (1, "Star", 7500, 1),
        (2, "Runner-up", 5000, 1),
    ]
    assert board["items"][0]["rank"] == "shop_owner"
    assert "phone" not in response.text

    clock.advance(timedelta(days=31))
    await log_in_again(client, buyer)
    assert (await client.get("/api/v1/leaderboard", headers=buyer.headers)).json()["items"] == []
    older = await client.get("/api/v1/leaderboard?month=2026-11", headers=buyer.headers)
    assert len(older.json()["items"]) == 2
    problem(
        await client.get("/api/v1/leaderboard?month=2026-13", headers=buyer.headers),
        422,
        "invalid_month",
    )
    problem(await client.get("/api/v1/leaderboard"), 401, "unauthorized")


async def test_the_operator_sees_a_members_referral_path(
    client: httpx.AsyncClient, op: Account
) -> None:
    chain = await chain_of(client, 6)
    deepest = chain[-1]
    await shop_owner(chain[2].id)
    url = f"/api/v1/admin/members/{deepest.id}/referral"
    response = await client.get(url, headers=op.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(s["level"], s["display_name"]) for s in body["path"]] == [
        (5 - i, f"L{i}") for i in range(4, -1, -1)
    ]
    assert body["path"][2]["rank"] == "shop_owner"
    assert body["path_truncated"] is False
    assert body["referrer_id"] == chain[4].id
    assert body["binding_changes"][0]["via"] == "invite"

    bounded = (await client.get(f"{url}?depth=2", headers=op.headers)).json()
    assert [s["display_name"] for s in bounded["path"]] == ["L4", "L3"]
    assert bounded["path_truncated"] is True

    root = (
        await client.get(f"/api/v1/admin/members/{chain[0].id}/referral", headers=op.headers)
    ).json()
    assert (root["team_size"], root["team_count"], root["path"]) == (5, 1, [])
    assert root["rank_changes"] == []
    owner = (
        await client.get(f"/api/v1/admin/members/{chain[2].id}/referral", headers=op.headers)
    ).json()
    assert owner["rank_changes"][0]["to_rank"] == "shop_owner"

    problem(await client.get(url, headers=deepest.headers), 403, "forbidden")
    problem(
        await client.get(
            "/api/v1/admin/members/00000000-0000-0000-0000-000000000000/referral",
            headers=op.headers,
        ),
        404,
        "user_not_found",
    )
    problem(await client.get(f"{url}?depth=0", headers=op.headers), 422, "validation_error")
    problem(await client.get(f"{url}?depth=201", headers=op.headers), 422, "validation_error")
