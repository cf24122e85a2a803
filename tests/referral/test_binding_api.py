"""Binding over HTTP: invite codes at registration and later, the three binding modes with
a frozen clock, self-binding and loops refused along the whole chain, operator settings."""

from __future__ import annotations

from datetime import timedelta

import httpx

from quanzi.core.clock import FrozenClock
from quanzi.referral import service
from tests.helpers import Account, problem, register
from tests.referral.support import (
    SETTINGS,
    assert_counts_exact,
    bind_code,
    chain_of,
    invite_code,
    log_in_again,
    node,
    register_under,
    set_mode,
    team,
    uplines_of,
)


async def referrer(client: httpx.AsyncClient, who: Account) -> dict[str, object] | None:
    response = await client.get("/api/v1/me/referrer", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] | None = response.json()["referrer"]
    return body


async def test_registering_with_an_invite_code_binds_to_its_owner(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, name="Alice")
    bob = await register_under(client, alice, name="Bob")
    carol = await register_under(client, bob, name="Carol")

    assert await referrer(client, bob) == {"id": alice.id, "display_name": "Alice"}
    assert await referrer(client, alice) is None
    response = await client.get("/api/v1/me/referrer", headers=carol.headers)
    assert response.json()["via"] == "invite"
    assert response.json()["expires_at"] is None

    alice_team = await team(client, alice)
    assert (alice_team["direct_count"], alice_team["team_size"]) == (1, 2)
    bob_team = await team(client, bob)
    assert (bob_team["direct_count"], bob_team["team_size"]) == (1, 1)
    assert bob_team["referrer"]["referrer"]["display_name"] == "Alice"
    await assert_counts_exact()


async def test_an_unknown_invite_code_at_registration_is_refused(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "phone": "13912345670",
        "password": "s3cret-pass",
        "display_name": "X",
        "invite_code": "NOSUCH22",
    }
    response = await client.post("/api/v1/auth/register", json=body)
    problem(response, 422, "invite_code_unknown")


async def test_binding_later_with_an_invite_code(client: httpx.AsyncClient) -> None:
    alice = await register(client, name="Alice")
    bob = await register(client, name="Bob")
    response = await bind_code(client, bob, (await invite_code(client, alice)).lower())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True
    assert body["referrer"] == {"id": alice.id, "display_name": "Alice"}
    assert body["via"] == "invite"
    problem(await bind_code(client, bob, "NOPE2345"), 404, "referral_code_unknown")
    await assert_counts_exact()


async def test_self_binding_is_refused(client: httpx.AsyncClient) -> None:
    alice = await register(client, name="Alice")
    body = problem(
        await bind_code(client, alice, await invite_code(client, alice)), 409, "binding_cycle"
    )
    assert "own referrer" in body["detail"]
    assert (await node(alice.id)).parent_id is None


async def test_binding_under_ones_own_team_is_refused_along_the_whole_chain(
    client: httpx.AsyncClient, op: Account
) -> None:
    # In "latest" mode a new arrival rebinds, so only the loop check stands in the way.
    await set_mode(client, op, "latest")
    chain = await chain_of(client, 6)  # L0 <- L1 <- ... <- L5
    root, deepest = chain[0], chain[-1]
    response = await bind_code(client, root, await invite_code(client, deepest))
    body = problem(response, 409, "binding_cycle")
    assert "own team" in body["detail"]
    # Every ancestor of the would-be referrer is refused too, however far up.
    for middle in chain[1:-1]:
        problem(
            await bind_code(client, chain[0], await invite_code(client, middle)),
            409,
            "binding_cycle",
        )
    problem(
        await bind_code(client, chain[2], await invite_code(client, chain[4])), 409, "binding_cycle"
    )
    # Sideways and upwards moves are fine: L3 (with L4, L5) moves under L0 directly.
    response = await bind_code(client, chain[3], await invite_code(client, root))
    assert response.json()["changed"] is True
    assert (await node(chain[3].id)).parent_id is not None
    assert (await team(client, root))["direct_count"] == 2
    assert (await team(client, chain[2]))["team_size"] == 0
    await assert_counts_exact()


async def test_first_touch_keeps_the_first_binding_forever(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    alice = await register(client, name="Alice")
    zoe = await register(client, name="Zoe")
    bob = await register_under(client, alice, name="Bob")
    zoe_code, alice_code = await invite_code(client, zoe), await invite_code(client, alice)
    clock.advance(timedelta(days=400))
    await log_in_again(client, bob)
    response = await bind_code(client, bob, zoe_code)
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] is False
    assert body["referrer"]["display_name"] == "Alice"
    # The same referrer again is no change either.
    again = await bind_code(client, bob, alice_code)
    assert again.json()["changed"] is False


async def test_days_mode_bindings_lapse_and_a_new_arrival_rebinds(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    await set_mode(client, op, "days", days=30)
    alice = await register(client, name="Alice")
    zoe = await register(client, name="Zoe")
    bob = await register_under(client, alice, name="Bob")
    response = await client.get("/api/v1/me/referrer", headers=bob.headers)
    bound_at = response.json()["bound_at"]
    assert response.json()["expires_at"] is not None
    zoe_code = await invite_code(client, zoe)
    clock.advance(timedelta(days=10))
    carol = await register_under(client, bob, name="Carol")  # bound until day 40

    clock.advance(timedelta(days=19))
    kept = await bind_code(client, bob, zoe_code)
    assert kept.json()["changed"] is False
    assert await uplines_of(carol) == [bob.id, alice.id]

    clock.advance(timedelta(days=2))
    await log_in_again(client, alice, bob, zoe)
    # Lapsed: nobody refers Bob any more (attribution and commission stop at once) ...
    assert await referrer(client, bob) is None
    assert await uplines_of(carol) == [bob.id]
    # ... and the next arrival binds him anew, his team moving with him.
    moved = await bind_code(client, bob, zoe_code)
    assert moved.json()["changed"] is True
    assert moved.json()["bound_at"] != bound_at
    assert (await team(client, zoe))["team_size"] == 2
    assert (await team(client, alice))["team_size"] == 0
    await assert_counts_exact()


async def test_the_expiry_sweep_takes_lapsed_teams_out_of_the_counts(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    await set_mode(client, op, "days", days=7)
    alice = await register(client, name="Alice")
    bob = await register_under(client, alice, name="Bob")
    await register_under(client, bob, name="Carol")
    assert (await team(client, alice))["team_size"] == 2
    assert await service.lapse_expired_bindings(100) == 0

    clock.advance(timedelta(days=8))
    await log_in_again(client, alice, bob)
    # Carol's binding to Bob lapsed too: both go.
    assert await service.lapse_expired_bindings(100) == 2
    assert (await team(client, alice))["team_size"] == 0
    assert (await team(client, bob))["team_size"] == 0
    assert await service.lapse_expired_bindings(100) == 0
    await assert_counts_exact()


async def test_latest_mode_moves_the_member_and_their_team(
    client: httpx.AsyncClient, op: Account
) -> None:
    await set_mode(client, op, "latest")
    alice = await register(client, name="Alice")
    zoe = await register(client, name="Zoe")
    bob = await register_under(client, alice, name="Bob")
    await register_under(client, bob, name="Carol")
    response = await bind_code(client, bob, await invite_code(client, zoe))
    assert response.json()["changed"] is True
    assert (await team(client, alice))["team_size"] == 0
    zoe_team = await team(client, zoe)
    assert (zoe_team["direct_count"], zoe_team["team_size"]) == (1, 2)
    await assert_counts_exact()


async def test_referral_settings_are_for_operators_and_validated(
    client: httpx.AsyncClient, op: Account
) -> None:
    member = await register(client)
    problem(await client.get(SETTINGS, headers=member.headers), 403, "forbidden")
    problem(await client.put(SETTINGS, json={}, headers=member.headers), 403, "forbidden")
    response = await client.get(SETTINGS, headers=op.headers)
    assert response.json() == {
        "binding_mode": "first_touch",
        "binding_days": None,
        "attribution_days": 7,
    }
    problem(
        await client.put(SETTINGS, json={"binding_mode": "days"}, headers=op.headers),
        422,
        "invalid_referral_settings",
    )
    for bad in (
        {"binding_mode": "forever"},
        {"binding_mode": "days", "binding_days": 0},
        {"attribution_days": 0},
        {"attribution_days": 366},
        {"binding_mode": "latest", "surprise": 1},
    ):
        problem(await client.put(SETTINGS, json=bad, headers=op.headers), 422, "validation_error")
    assert await set_mode(client, op, "days", days=14, attribution_days=3) == {
        "binding_mode": "days",
        "binding_days": 14,
        "attribution_days": 3,
    }
    # Leaving days mode drops the days.
    assert (await set_mode(client, op, "first_touch", days=14))["binding_days"] is None
