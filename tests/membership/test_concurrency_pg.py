"""Real row-lock races on PostgreSQL: one member paying two purchases at once, and two
workers sweeping the same expired memberships."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from quanzi.core.clock import FrozenClock
from quanzi.membership import service as membership
from tests.helpers import Account, quick_accounts
from tests.membership.support import become_member, bought, memberships_of, outbox_count

pytestmark = pytest.mark.postgres_only


async def test_two_purchases_paid_at_once_make_one_membership_of_two_years(
    client: httpx.AsyncClient, buyer: Account, plan: dict[str, Any], clock: FrozenClock
) -> None:
    first, second = [await bought(client, buyer, plan["id"]) for _ in range(2)]
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/payments/{order['payment']['id']}/sandbox/confirm",
                headers=buyer.headers,
            )
            for order in (first, second)
        )
    )
    assert [r.status_code for r in responses] == [200, 200]
    (row,) = await memberships_of(buyer.id)
    assert (row.status, row.expires_at) == ("active", clock.now() + timedelta(days=730))
    assert await outbox_count("membership.activated") == 2


async def test_two_sweeps_end_each_membership_once(
    client: httpx.AsyncClient,
    plan: dict[str, Any],
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    members = await quick_accounts(8, monkeypatch)
    for member in members:
        await become_member(client, member, plan["id"])
    clock.advance(timedelta(days=366))
    ended = await asyncio.gather(membership.expire_due(100), membership.expire_due(100))
    assert sum(ended) == 8
    assert await outbox_count("membership.ended") == 8
    assert await membership.expire_due(100) == 0
