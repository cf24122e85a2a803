"""Commission accrual and its lifecycle through the real flow: orders paid through share
links, completion and the freeze, refunds before and after release, plan versions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from quanzi.core.clock import FrozenClock
from quanzi.groupbuy import closing
from quanzi.ledger import rules as accounts
from quanzi.orders import service as orders
from tests.groupbuy.support import join, make_campaign, open_and_pay
from tests.groupbuy.support import pay as pay_seat
from tests.helpers import Account, register
from tests.orders.support import pay
from tests.referral.commission.support import (
    Goods,
    balances,
    buy,
    complete,
    ledger_sound,
    member,
    pass_freeze,
    refund_order,
    rows,
    set_plan,
    share,
)
from tests.wallet.support import balance, wallet, withdraw


def uid(account: Account) -> uuid.UUID:
    return uuid.UUID(account.id)


async def team(client: httpx.AsyncClient, plan_id: str) -> tuple[Account, Account]:
    """U, a shop owner, and A, a shop owner U invited."""
    upline = await member(client, plan_id, name="U")
    sharer = await member(client, plan_id, referrer=upline, name="A")
    return upline, sharer


async def test_sharer_and_upline_earn_pending_commission(
    client: httpx.AsyncClient, goods: Goods, plan_id: str
) -> None:
    upline, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client, name="B")
    order = await buy(client, buyer, (goods.sku, 2), share_code=code)

    found = await rows(order["id"])
    assert [(r.beneficiary_id, r.level, r.rate_bp, r.base_fen, r.amount_fen) for r in found] == [
        (uid(sharer), 1, 1_000, 20_000, 2_000),
        (uid(upline), 2, 300, 20_000, 600),
    ]
    assert {(r.status, r.plan_version) for r in found} == {("pending", 1)}
    assert await balances(sharer) == (2_000, 0)
    assert await balances(upline) == (600, 0)
    assert (await wallet(client, sharer))["pending_fen"] == 2_000
    assert await balance(accounts.COMMISSION_EXPENSE) == 2_600
    mine = await client.get("/api/v1/me/commissions", headers=upline.headers)
    assert [
        (c["order_id"], c["level"], c["amount_fen"], c["net_fen"], c["status"])
        for c in mine.json()["items"]
    ] == [(order["id"], 2, 600, 600, "pending")]
    for_order = await client.get(
        "/api/v1/me/commissions", params={"order_id": order["id"]}, headers=buyer.headers
    )
    assert for_order.json() == {"items": [], "next_cursor": None}
    await ledger_sound()


async def test_base_is_the_paid_line_without_shipping_rounded_down(
    client: httpx.AsyncClient, goods: Goods, plan_id: str
) -> None:
    _, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client)
    order = await buy(client, buyer, (goods.cheap_sku, 1), share_code=code)
    assert order["total_fen"] == 3_333 + 1_000  # below the free-shipping threshold
    # floor(3333 × 10%) = 333 (333.3), floor(3333 × 3%) = 99 (99.99)
    assert [(r.level, r.amount_fen) for r in await rows(order["id"])] == [(1, 333), (2, 99)]


async def test_non_members_earn_nothing_and_nothing_is_passed_up(
    client: httpx.AsyncClient, goods: Goods, plan_id: str
) -> None:
    top = await member(client, plan_id, name="T")
    upline = await member(client, None, referrer=top, name="U (not a member)")
    sharer = await member(client, None, referrer=upline, name="A (not a member)")
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client)
    order = await buy(client, buyer, (goods.sku, 1), share_code=code)
    # A's link still attributes the order, but A and U earn nothing, and T (level 3)
    # is beyond the default depth of 2: nobody is paid
    assert await rows(order["id"]) == []
    assert await balance(accounts.COMMISSION_EXPENSE) == 0

    paid_upline = await member(client, plan_id, referrer=top, name="U2")
    free_sharer = await member(client, None, referrer=paid_upline, name="A2")
    code = await share(client, free_sharer, goods.product_id)
    order = await buy(client, buyer, (goods.sku, 1), share_code=code)
    assert [(r.beneficiary_id, r.level) for r in await rows(order["id"])] == [(uid(paid_upline), 2)]


async def test_own_link_and_membership_fees_pay_nothing(
    client: httpx.AsyncClient, goods: Goods, plan_id: str
) -> None:
    upline, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    own = await buy(client, sharer, (goods.sku, 1), share_code=code)
    assert await rows(own["id"]) == []
    # someone invited by a shop owner buys a membership: no commission on the fee
    await member(client, plan_id, referrer=sharer)
    assert await balance(accounts.COMMISSION_EXPENSE) == 0
    assert await balances(sharer) == (0, 0)
    assert await balances(upline) == (0, 0)


async def test_everyone_earns_when_the_plan_says_so(
    client: httpx.AsyncClient, op: Account, goods: Goods
) -> None:
    await set_plan(client, op, earning="everyone")
    upline = await member(client, None, name="U")
    sharer = await member(client, None, referrer=upline, name="A")
    code = await share(client, sharer, goods.product_id)
    order = await buy(client, await register(client), (goods.sku, 1), share_code=code)
    assert [(r.level, r.amount_fen, r.plan_version) for r in await rows(order["id"])] == [
        (1, 1_000, 2),
        (2, 300, 2),
    ]


async def test_completion_and_freeze_make_commission_available(
    client: httpx.AsyncClient, op: Account, goods: Goods, plan_id: str, clock: FrozenClock
) -> None:
    upline, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client)
    order = await buy(client, buyer, (goods.sku, 1), share_code=code)
    # not completed: the freeze has not even started
    assert await pass_freeze(clock, days=9) == 0
    await complete(client, op, buyer, order["id"])
    assert await pass_freeze(clock, days=6) == 0
    assert await pass_freeze(clock, days=1) == 1
    assert await pass_freeze(clock, days=1) == 0
    assert await balances(sharer) == (0, 1_000)
    assert await balances(upline) == (0, 300)
    assert {r.status for r in await rows(order["id"])} == {"available"}
    history = (await client.get("/api/v1/me/wallet/history", headers=sharer.headers)).json()
    assert [(e["kind"], e["pending_fen"], e["available_fen"]) for e in history["items"]] == [
        ("commission_release", -1_000, 1_000),
        ("commission", 1_000, 0),
    ]
    await ledger_sound()


async def test_refunds_reverse_pending_commission_proportionally(
    client: httpx.AsyncClient, op: Account, goods: Goods, plan_id: str
) -> None:
    upline, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client)
    order = await buy(client, buyer, (goods.sku, 2), (goods.cheap_sku, 1), share_code=code)
    before = {(r.order_line_id, r.level): r.amount_fen for r in await rows(order["id"])}
    assert sum(before.values()) == 2_000 + 333 + 600 + 99
    await refund_order(client, op, order["id"], 5_000)
    partly = await rows(order["id"])
    # 5000 of 23333 is spread over the lines in proportion: 4285 and 715
    assert sorted((r.level, r.base_fen, r.refunded_base_fen, r.reversed_fen) for r in partly) == [
        (1, 3_333, 715, 71),
        (1, 20_000, 4_285, 428),
        (2, 3_333, 715, 21),
        (2, 20_000, 4_285, 128),
    ]
    assert await balances(sharer) == (2_333 - 428 - 71, 0)
    await refund_order(client, op, order["id"])
    assert all(r.reversed_fen == r.amount_fen for r in await rows(order["id"]))
    assert await balances(sharer) == (0, 0)
    assert await balances(upline) == (0, 0)
    assert await balance(accounts.COMMISSION_EXPENSE) == 0
    await ledger_sound()


async def test_a_refund_after_release_is_clawed_back_as_a_debt(
    client: httpx.AsyncClient, op: Account, goods: Goods, plan_id: str, clock: FrozenClock
) -> None:
    _, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client)
    order = await buy(client, buyer, (goods.sku, 2), share_code=code)
    await complete(client, op, buyer, order["id"])
    await pass_freeze(clock)
    created = (await withdraw(client, sharer, 2_000)).json()
    approved = await client.post(
        f"/api/v1/admin/withdrawals/{created['id']}/approve", headers=op.headers
    )
    assert approved.status_code == 200
    await refund_order(client, op, order["id"], 10_000)
    # half the line refunded after the money left: 1000 clawed back, carried as a debt
    state = await wallet(client, sharer)
    assert (state["available_fen"], state["debt_fen"], state["withdrawn_fen"]) == (0, 1_000, 2_000)
    history = (await client.get("/api/v1/me/wallet/history", headers=sharer.headers)).json()
    assert history["items"][0]["kind"] == "commission_clawback"
    assert history["items"][0]["available_fen"] == -1_000
    # a debt refuses withdrawals and is paid off by later earnings
    assert (await withdraw(client, sharer, 1_000)).json()["code"] == "insufficient_balance"
    second = await buy(client, buyer, (goods.sku, 3), share_code=code)
    await complete(client, op, buyer, second["id"])
    await pass_freeze(clock)
    state = await wallet(client, sharer)
    assert (state["available_fen"], state["debt_fen"]) == (2_000, 0)
    await ledger_sound()


async def test_the_plan_in_force_at_payment_governs_the_order(
    client: httpx.AsyncClient, op: Account, goods: Goods, plan_id: str, clock: FrozenClock
) -> None:
    upline, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client)
    old = await buy(client, buyer, (goods.sku, 1), share_code=code)
    await set_plan(client, op, share_rate_bp=2_000, override_rates_bp=[500], freeze_days=14)
    new = await buy(client, buyer, (goods.sku, 1), share_code=code)
    assert [(r.plan_version, r.amount_fen) for r in await rows(old["id"])] == [(1, 1_000), (1, 300)]
    assert [(r.plan_version, r.amount_fen) for r in await rows(new["id"])] == [(2, 2_000), (2, 500)]
    await complete(client, op, buyer, old["id"])
    await complete(client, op, buyer, new["id"])
    # the old order keeps its 7 freeze days, the new one has 14
    assert await pass_freeze(clock, days=7) == 1
    assert await balances(sharer) == (2_000, 1_000)
    assert await pass_freeze(clock, days=7) == 1
    assert await balances(sharer) == (0, 3_000)
    assert await balances(upline) == (0, 800)


async def test_category_sku_and_rank_overrides_on_three_levels(
    client: httpx.AsyncClient, op: Account, goods: Goods, plan_id: str
) -> None:
    await set_plan(
        client,
        op,
        override_rates_bp=[300, 100],
        category_rates_bp={"茶": 1_500},
        sku_rates_bp={goods.cheap_sku: 2_000},
        rank_thresholds={"sales_manager": 1, "service_manager": 2},
        rank_override_bp={"sales_manager": 200, "service_manager": 400},
    )
    top = await member(client, plan_id, name="T")
    upline = await member(client, plan_id, referrer=top, name="U")
    sharer = await member(client, plan_id, referrer=upline, name="A")
    me = (await client.get("/api/v1/me", headers=top.headers)).json()
    assert me["rank"] == "service_manager"
    code = await share(client, sharer, goods.product_id)
    order = await buy(
        client, await register(client), (goods.sku, 1), (goods.cheap_sku, 3), share_code=code
    )
    found = await rows(order["id"])
    assert sorted((r.level, r.base_fen, r.rate_bp, r.amount_fen) for r in found) == [
        (1, 9_999, 2_000, 1_999),
        (1, 10_000, 1_500, 1_500),
        (2, 9_999, 500, 499),
        (2, 10_000, 500, 500),
        (3, 9_999, 500, 499),
        (3, 10_000, 500, 500),
    ]


async def test_money_after_cancellation_had_no_commission(
    client: httpx.AsyncClient, goods: Goods, plan_id: str, clock: FrozenClock
) -> None:
    _, sharer = await team(client, plan_id)
    code = await share(client, sharer, goods.product_id)
    buyer = await register(client)
    order = await buy(client, buyer, (goods.sku, 1), share_code=code, paid=False)
    clock.advance(timedelta(minutes=16))
    assert await orders.expire_unpaid(10) == 1
    late = await pay(client, buyer, order)
    assert late.status_code in (200, 409), late.text
    assert await rows(order["id"]) == []
    assert await balance(accounts.COMMISSION_EXPENSE) == 0
    await ledger_sound()


async def test_a_failed_group_reverses_its_commission(
    client: httpx.AsyncClient, op: Account, plan_id: str, clock: FrozenClock
) -> None:
    campaign = await make_campaign(client, op)
    leader = await register(client, name="Leader")
    group_id = await open_and_pay(client, campaign, leader)
    sharer = await member(client, plan_id, name="A")
    shared = await client.post(
        "/api/v1/shares", json={"group_id": group_id}, headers=sharer.headers
    )
    assert shared.status_code == 201, shared.text
    # B opens A's group link while logged in: the click attributes B's next order
    joiner = await register(client, name="B")
    landed = await client.get(f"/s/{shared.json()['code']}", headers=joiner.headers)
    assert landed.status_code == 302
    joined = await join(client, group_id, joiner)
    assert joined.status_code == 201, joined.text
    await pay_seat(client, joined.json(), joiner)
    order_id = joined.json()["order"]["id"]
    # floor(2990 × 10%) = 299, pending while the group fills
    assert [(r.beneficiary_id, r.level, r.amount_fen) for r in await rows(order_id)] == [
        (uid(sharer), 1, 299)
    ]
    assert await balances(sharer) == (299, 0)

    clock.advance(timedelta(days=2))
    assert await closing.close_expired(10) == 1
    (row,) = await rows(order_id)
    assert row.reversed_fen == 299
    assert await balances(sharer) == (0, 0)
    assert await balance(accounts.COMMISSION_EXPENSE) == 0
    await ledger_sound()
