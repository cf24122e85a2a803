"""Real races on PostgreSQL: bindings that would close a loop together (two, three or four
members at once) — exactly enough of them lose that no loop forms — and many bindings and
shop-owner changes on one team at once, after which the counts equal a recount."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.helpers import Account, quick_accounts
from tests.referral.support import (
    assert_counts_exact,
    bind_code,
    invite_code,
    node,
    register_under,
    set_mode,
    shop_owner,
    team,
)

pytestmark = pytest.mark.postgres_only


def outcome(response: httpx.Response) -> str:
    if response.status_code == 200:
        return "bound" if response.json()["changed"] else "kept"
    code: str = response.json()["code"]
    return code


async def test_a_under_b_and_b_under_a_at_once_exactly_one_wins(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs = 15
    people = await quick_accounts(2 * pairs, monkeypatch)
    codes = [await invite_code(client, who) for who in people]
    calls = []
    for i in range(pairs):
        a, b = 2 * i, 2 * i + 1
        calls.append(bind_code(client, people[a], codes[b]))
        calls.append(bind_code(client, people[b], codes[a]))
    responses = await asyncio.gather(*calls)
    for i in range(pairs):
        pair = Counter(outcome(r) for r in responses[2 * i : 2 * i + 2])
        assert pair == {"bound": 1, "binding_cycle": 1}, pair
    await assert_counts_exact()


async def test_a_ring_of_bindings_at_once_never_closes(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for size in (3, 4):
        ring = await quick_accounts(size, monkeypatch)
        codes = [await invite_code(client, who) for who in ring]
        responses = await asyncio.gather(
            *(bind_code(client, ring[i], codes[(i + 1) % size]) for i in range(size))
        )
        results = Counter(outcome(r) for r in responses)
        assert results == {"bound": size - 1, "binding_cycle": 1}, results
    await assert_counts_exact()


async def test_binding_below_and_above_at_once_cannot_make_a_loop(
    client: httpx.AsyncClient, op: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X under Y, while Y's parent P moves under Z, a member of X's team: either alone is
    fine, both together would close X -> Y -> P -> Z -> X. The two transactions touch
    different rows at first; the chain locks make them meet."""
    await set_mode(client, op, "latest")
    for _ in range(5):
        p = (await quick_accounts(1, monkeypatch))[0]
        y = await register_under(client, p, name="Y")
        x = (await quick_accounts(1, monkeypatch))[0]
        z = await register_under(client, x, name="Z")
        y_code, z_code = await invite_code(client, y), await invite_code(client, z)
        first, second = await asyncio.gather(
            bind_code(client, x, y_code), bind_code(client, p, z_code)
        )
        assert sorted([outcome(first), outcome(second)]) == ["binding_cycle", "bound"]
    await assert_counts_exact()


async def test_a_crowd_joining_one_team_at_once_keeps_counts_exact(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaders = await quick_accounts(3, monkeypatch)
    root, middle, bottom = leaders
    await bind_code(client, middle, await invite_code(client, root))
    await bind_code(client, bottom, await invite_code(client, middle))
    crowd = await quick_accounts(40, monkeypatch)
    codes = [await invite_code(client, who) for who in leaders]
    responses = await asyncio.gather(
        *(bind_code(client, who, codes[i % 3]) for i, who in enumerate(crowd))
    )
    assert all(outcome(r) == "bound" for r in responses)
    # And shop owners start and stop all over the team at the same time.
    await asyncio.gather(*(shop_owner(who.id) for who in crowd[:30]))
    await asyncio.gather(*(shop_owner(who.id, owner=False) for who in crowd[:10]))
    root_team = await team(client, root)
    assert (root_team["team_size"], root_team["team_count"]) == (42, 20)
    assert (await node(bottom.id)).team_size == 13
    await assert_counts_exact()
