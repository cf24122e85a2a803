"""A membership's life through the public API: buy, pay, member prices, renewal, refunds,
expiry by time (FrozenClock + the worker sweep), and the events other modules react to."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import worker
from quanzi.core import db, events
from quanzi.core.clock import FrozenClock
from quanzi.membership import service as membership
from quanzi.membership.events import MembershipActivated, MembershipEnded
from quanzi.orders import service as orders
from quanzi.payments import service as payments
from tests.helpers import Account, register
from tests.membership.support import (
    PLANS,
    become_member,
    bought,
    confirm,
    create_plan,
    log_in_again,
    me,
    memberships_of,
    my_membership,
    outbox_count,
)
from tests.orders.support import get_order, make_shop, placed, refund, status_path

YEAR = timedelta(days=365)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def seen(app: Any) -> list[object]:
    """Membership events as other modules receive them (subscribed after the app's wiring)."""
    received: list[object] = []

    async def record(session: AsyncSession, event: object) -> None:
        received.append(event)

    events.subscribe(MembershipActivated, record)
    events.subscribe(MembershipEnded, record)
    return received


async def _unit_price(client: httpx.AsyncClient, who: Account, sku: str) -> int:
    order = await placed(client, who, (sku, 1))
    unit: int = order["lines"][0]["unit_price_fen"]
    return unit


async def test_buy_pay_member_price_renew_and_refund(
    client: httpx.AsyncClient,
    op: Account,
    buyer: Account,
    plan: dict[str, Any],
    clock: FrozenClock,
    seen: list[object],
) -> None:
    shop = await make_shop()  # SKU b: 4000 fen, member price 3500
    order = await bought(client, buyer, plan["id"])
    assert (order["kind"], order["status"], order["total_fen"]) == (
        "membership",
        "pending_payment",
        39800,
    )
    assert (order["shipping_fee_fen"], order["address"]) == (0, None)
    (line,) = order["lines"]
    assert (line["sku_id"], line["supplier_id"], line["title"]) == (None, None, "Shop owner")
    assert (line["unit_price_fen"], line["quantity"], line["paid_fen"]) == (39800, 1, 39800)
    assert (await me(client, buyer))["membership"] is None
    assert await _unit_price(client, buyer, shop.b) == 4000

    start = clock.now()
    await confirm(client, buyer, order)
    paid_order = await get_order(client, buyer, order["id"])
    assert paid_order["status"] == "completed"  # virtual goods: delivered at payment
    assert await status_path(order["id"]) == ["pending_payment", "paid", "completed"]
    profile = (await me(client, buyer))["membership"]
    assert profile["plan"] == {"id": plan["id"], "name": "Shop owner"}
    assert profile["status"] == "active"
    assert when(profile["started_at"]) == start
    assert when(profile["expires_at"]) == start + YEAR
    assert profile["benefits"] == {"member_prices": True, "free_shipping_threshold_fen": None}
    mine = await my_membership(client, buyer)
    assert mine is not None
    assert {k: mine[k] for k in profile} == profile
    assert mine["partner_benefits"] == []
    (activated,) = seen
    assert activated == MembershipActivated(
        user_id=uuid.UUID(buyer.id),
        membership_id=uuid.UUID(profile["id"]),
        plan_id=uuid.UUID(plan["id"]),
        order_id=uuid.UUID(order["id"]),
        renewal=False,
    )

    # 自购省: the member's next order uses the member price; a stranger's does not.
    assert await _unit_price(client, buyer, shop.b) == 3500
    assert await _unit_price(client, await register(client), shop.b) == 4000

    # Renewing 100 days in extends from the current expiry: no day is lost.
    clock.advance(timedelta(days=100))
    await log_in_again(client, buyer, op)
    renewal = await become_member(client, buyer, plan["id"])
    profile = (await me(client, buyer))["membership"]
    assert when(profile["expires_at"]) == start + 2 * YEAR
    assert when(profile["started_at"]) == start
    assert isinstance(seen[-1], MembershipActivated)
    assert seen[-1].renewal is True
    assert seen[-1].membership_id == activated.membership_id
    assert len(await memberships_of(buyer.id)) == 1

    # Refunding the renewal in full takes its year back; the member stays a member.
    response = await refund(client, op, renewal["id"])
    assert response.status_code == 200, response.text
    profile = (await me(client, buyer))["membership"]
    assert (profile["status"], when(profile["expires_at"])) == ("active", start + YEAR)
    assert len(seen) == 2

    # Refunding the first year ends it: nothing is left.
    response = await refund(client, op, order["id"])
    assert response.status_code == 200, response.text
    assert response.json()["order"]["status"] == "refunded"
    assert (await me(client, buyer))["membership"] is None
    ended = await my_membership(client, buyer)
    assert ended is not None
    assert (ended["status"], when(ended["ended_at"])) == ("refunded", clock.now())
    assert when(ended["expires_at"]) == clock.now()
    assert seen[2:] == [
        MembershipEnded(uuid.UUID(buyer.id), activated.membership_id, reason="refunded")
    ]
    assert await _unit_price(client, buyer, shop.b) == 4000
    # Ended once: the sweep finds nothing, even after the old expiry passes.
    clock.advance(2 * YEAR)
    assert await membership.expire_due(100) == 0
    assert [type(e) for e in seen] == [MembershipActivated, MembershipActivated, MembershipEnded]
    assert await outbox_count("membership.ended") == 1


async def test_partial_refund_keeps_the_membership(
    client: httpx.AsyncClient, op: Account, buyer: Account, plan: dict[str, Any]
) -> None:
    order = await become_member(client, buyer, plan["id"])
    response = await refund(client, op, order["id"], 10000)
    assert response.status_code == 200, response.text
    assert response.json()["order"]["status"] == "completed"
    assert (await me(client, buyer))["membership"]["status"] == "active"
    # The rest refunded later is the full refund: then it ends.
    response = await refund(client, op, order["id"], 29800)
    assert response.status_code == 200, response.text
    assert response.json()["order"]["status"] == "refunded"
    assert (await me(client, buyer))["membership"] is None


async def test_expiry_by_time_and_the_sweep(
    client: httpx.AsyncClient,
    buyer: Account,
    plan: dict[str, Any],
    clock: FrozenClock,
    seen: list[object],
) -> None:
    shop = await make_shop()
    await become_member(client, buyer, plan["id"])
    clock.advance(YEAR - timedelta(seconds=1))
    await log_in_again(client, buyer)
    assert (await me(client, buyer))["membership"]["status"] == "active"
    assert await membership.expire_due(100) == 0

    clock.advance(timedelta(seconds=1))
    # Time alone ends the benefits, before any sweep has run.
    assert (await me(client, buyer))["membership"] is None
    assert await _unit_price(client, buyer, shop.b) == 4000

    rounds = [await worker.run_once(), await worker.run_once()]
    assert [r["membership.expire_due"] for r in rounds] == [1, 0]
    (row,) = await memberships_of(buyer.id)
    assert (row.status, row.end_reason, row.ended_at) == ("expired", "expired", row.expires_at)
    assert [type(e) for e in seen] == [MembershipActivated, MembershipEnded]
    assert seen[-1] == MembershipEnded(uuid.UUID(buyer.id), row.id, reason="expired")
    mine = await my_membership(client, buyer)
    assert mine is not None
    assert mine["status"] == "expired"

    # Buying again after the end starts a new membership from now.
    await become_member(client, buyer, plan["id"])
    rows = await memberships_of(buyer.id)
    assert [r.status for r in rows] == ["expired", "active"]
    assert rows[1].started_at == clock.now()
    assert isinstance(seen[-1], MembershipActivated)
    assert seen[-1].renewal is False


async def test_paying_after_expiry_before_the_sweep_ends_the_old_one_once(
    client: httpx.AsyncClient,
    buyer: Account,
    plan: dict[str, Any],
    clock: FrozenClock,
    seen: list[object],
) -> None:
    await become_member(client, buyer, plan["id"])
    clock.advance(YEAR + timedelta(days=3))
    await log_in_again(client, buyer)
    await become_member(client, buyer, plan["id"])
    old, new = await memberships_of(buyer.id)
    assert (old.status, new.status) == ("expired", "active")
    assert new.expires_at == clock.now() + YEAR  # the three lapsed days are not paid for
    assert [type(e) for e in seen] == [MembershipActivated, MembershipEnded, MembershipActivated]
    assert await membership.expire_due(100) == 0
    assert await outbox_count("membership.ended") == 1


async def test_unpaid_membership_order_lapses_and_late_money_is_returned(
    client: httpx.AsyncClient, buyer: Account, plan: dict[str, Any], clock: FrozenClock
) -> None:
    order = await bought(client, buyer, plan["id"])
    clock.advance(timedelta(minutes=16))
    assert await orders.expire_unpaid(100) == 1
    assert (await get_order(client, buyer, order["id"]))["status"] == "cancelled"

    async def provider_notifies(session: AsyncSession) -> bool:
        return await payments.record_success(
            session,
            provider="sandbox",
            provider_event_id=f"late-{order['id']}",
            payment_id=uuid.UUID(order["payment"]["id"]),
            provider_txn_id="txn-late",
            amount_fen=39800,
        )

    assert await db.transaction(provider_notifies) is True
    assert (await get_order(client, buyer, order["id"]))["status"] == "refunded"
    assert await memberships_of(buyer.id) == []
    assert (await me(client, buyer))["membership"] is None


async def test_plan_without_member_prices_and_with_free_shipping(
    client: httpx.AsyncClient, op: Account, buyer: Account, clock: FrozenClock
) -> None:
    shop = await make_shop()  # A: 2500 fen; the shop ships free from 9900, else 1000
    plan = await create_plan(
        client,
        op,
        name="Free shipping club",
        benefits={"member_prices": False, "free_shipping_threshold_fen": 2000},
    )
    before = await placed(client, buyer, (shop.a, 1))
    assert before["shipping_fee_fen"] == 1000
    await become_member(client, buyer, plan["id"])
    after = await placed(client, buyer, (shop.a, 1))
    assert after["shipping_fee_fen"] == 0
    # This plan gives no member prices.
    assert await _unit_price(client, buyer, shop.b) == 4000
    # Below the member's threshold, shipping is charged as usual.
    cheap = await make_shop()
    await client.patch(
        f"{PLANS}/{plan['id']}",
        json={"benefits": {"free_shipping_threshold_fen": 3000}},
        headers=op.headers,
    )
    assert (await placed(client, buyer, (cheap.a, 1)))["shipping_fee_fen"] == 1000
    assert (await placed(client, buyer, (cheap.c, 1)))["shipping_fee_fen"] == 0
