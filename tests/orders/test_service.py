"""The service entry points upper modules use (group orders, price overrides, discounts),
the domain events they receive, and the stock edge functions."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import stock
from quanzi.core import db, events
from quanzi.core.errors import Conflict
from quanzi.ledger import rules as accounts
from quanzi.orders import service as orders
from quanzi.orders.events import (
    OrderCancelled,
    OrderCompleted,
    OrderPaid,
    OrderRefunded,
    OrderShipped,
)
from quanzi.orders.rules import IllegalTransition
from tests.helpers import Account
from tests.orders.support import (
    ADDRESS,
    Shop,
    assert_ledger_sound,
    balances,
    get_order,
    levels,
    paid,
    pay,
    ship,
    status_path,
)


async def place_group_order(
    buyer: Account, sku: str, *, price: int, discount: int = 0
) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        view = await orders.place_order(
            session,
            buyer_id=uuid.UUID(buyer.id),
            lines=[orders.LineRequest(uuid.UUID(sku), 2)],
            address=ADDRESS,
            kind="group",
            unit_price_overrides={uuid.UUID(sku): price},
            discount_fen=discount,
            shipping_fee_fen=0,
        )
        return {
            "id": str(view.order.id),
            "payment": {"id": str(view.order.payment_id)},
            "total_fen": view.order.total_fen,
            "lines": [
                (line.unit_price_fen, line.discount_fen, line.paid_fen) for line in view.lines
            ],
        }

    return await db.transaction(work)


async def test_group_order_lifecycle(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await place_group_order(buyer, shop.a, price=1800, discount=300)
    assert order["total_fen"] == 2 * 1800 - 300  # leader perk, free shipping
    assert order["lines"] == [(1800, 300, 3300)]
    assert (await pay(client, buyer, order)).status_code == 200
    assert (await get_order(client, buyer, order["id"]))["status"] == "grouping"
    problem = (await ship(client, op, order["id"])).json()
    assert (problem["code"], problem["from"]) == ("illegal_transition", "grouping")

    async def confirm(session: AsyncSession) -> None:
        await orders.confirm_group_order(session, uuid.UUID(order["id"]))

    await db.transaction(confirm)
    assert (await ship(client, op, order["id"])).status_code == 200
    assert await status_path(order["id"]) == ["pending_payment", "grouping", "confirmed", "shipped"]
    # Sold at 1650 a unit against a supply price of 1500: 300 of sales revenue.
    assert await balances(accounts.SALES_REVENUE) == {accounts.SALES_REVENUE: -300}
    await assert_ledger_sound()


async def test_failed_group_is_refunded_by_the_group_module(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await place_group_order(buyer, shop.a, price=1800)
    assert (await pay(client, buyer, order)).status_code == 200

    async def group_failed(session: AsyncSession) -> None:
        await orders.refund_order(session, uuid.UUID(order["id"]), reason="group failed")

    await db.transaction(group_failed)
    done = await get_order(client, buyer, order["id"])
    assert (done["status"], done["refunded_fen"]) == ("refunded", 3600)
    assert await levels(shop.a) == (10, 0, 0)
    assert set((await balances(accounts.PROVIDER_CLEARING, accounts.SALES_REVENUE)).values()) == {0}
    await assert_ledger_sound()


async def test_group_order_in_grouping_cannot_be_cancelled_by_the_buyer(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await place_group_order(buyer, shop.a, price=1800)
    assert (await pay(client, buyer, order)).status_code == 200
    refused = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert refused.status_code == 409
    assert (refused.json()["from"], refused.json()["to"]) == ("grouping", "cancelled")


async def test_regular_orders_are_not_confirmed_as_groups(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 1))

    async def confirm(session: AsyncSession) -> None:
        await orders.confirm_group_order(session, uuid.UUID(order["id"]))

    with pytest.raises(IllegalTransition):
        await db.transaction(confirm)


async def test_domain_events_reach_subscribers(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    seen: list[object] = []

    async def record(session: AsyncSession, event: object) -> None:
        seen.append(event)

    for event_type in (OrderPaid, OrderShipped, OrderCompleted, OrderRefunded, OrderCancelled):
        events.subscribe(event_type, record)

    order = await paid(client, buyer, (shop.a, 2), (shop.b, 1))
    assert (await ship(client, op, order["id"])).status_code == 200
    await client.post(f"/api/v1/orders/{order['id']}/confirm-receipt", headers=buyer.headers)
    await client.post(
        f"/api/v1/admin/orders/{order['id']}/refund",
        json={"amount_fen": 900, "reason": "one pear bruised"},
        headers=op.headers,
    )
    order_id = uuid.UUID(order["id"])
    paid_event, shipped, completed, refunded = seen
    assert paid_event == OrderPaid(
        order_id=order_id,
        buyer_id=uuid.UUID(buyer.id),
        kind="regular",
        status="paid",
        total_fen=10000,
        payment_id=uuid.UUID(order["payment"]["id"]),
        share_code=None,
        paid_at=paid_event.paid_at,
    )
    assert paid_event.paid_at.tzinfo is not None
    assert shipped == OrderShipped(order_id, uuid.UUID(buyer.id), "regular")
    assert completed == OrderCompleted(order_id, uuid.UUID(buyer.id), "regular")
    assert isinstance(refunded, OrderRefunded)
    assert (refunded.amount_fen, refunded.shipping_fen, refunded.fully_refunded) == (900, 0, False)
    assert [(line.sku_id, line.amount_fen) for line in refunded.lines] == [
        (uuid.UUID(shop.a), 500),
        (uuid.UUID(shop.b), 400),
    ]

    seen.clear()
    pending = await client.post(
        "/api/v1/orders",
        json={"lines": [{"sku_id": shop.a, "quantity": 1}], "address": ADDRESS},
        headers={**buyer.headers, "Idempotency-Key": "cancel-me"},
    )
    await client.post(f"/api/v1/orders/{pending.json()['id']}/cancel", headers=buyer.headers)
    assert seen == [
        OrderCancelled(uuid.UUID(pending.json()["id"]), uuid.UUID(buyer.id), "regular", "buyer")
    ]


async def test_stock_moves_are_all_or_nothing(client: httpx.AsyncClient, shop: Shop) -> None:
    a, b = uuid.UUID(shop.a), uuid.UUID(shop.b)

    async def reserve_too_much(session: AsyncSession) -> None:
        with pytest.raises(Conflict) as refused:
            await stock.reserve(session, {a: 3, b: 6})
        assert (refused.value.code, refused.value.extra["sku_id"]) == ("insufficient_stock", str(b))
        # The refusal put back what it had taken, so a caller may carry on.
        await stock.reserve(session, {a: 3, b: 5})

    await db.transaction(reserve_too_much)
    assert await levels(shop.a) == (7, 3, 0)
    assert await levels(shop.b) == (0, 5, 0)

    async def moves(session: AsyncSession) -> None:
        await stock.commit(session, {a: 2})
        await stock.release(session, {a: 1, b: 5})
        await stock.return_sold(session, {a: 1})

    await db.transaction(moves)
    assert await levels(shop.a) == (9, 0, 1)
    assert await levels(shop.b) == (5, 0, 0)

    async def impossible(session: AsyncSession) -> None:
        await stock.release(session, {a: 1})

    with pytest.raises(stock.StockCounterError):
        await db.transaction(impossible)
    assert await levels(shop.a) == (9, 0, 1)


async def test_sku_facts_in_one_query(client: httpx.AsyncClient, shop: Shop) -> None:
    async def work(session: AsyncSession) -> dict[uuid.UUID, stock.SkuFacts]:
        return await stock.load_sku_facts(session, [uuid.UUID(shop.b), uuid.UUID(int=7)])

    facts = await db.transaction(work)
    assert list(facts) == [uuid.UUID(shop.b)]
    fact = facts[uuid.UUID(shop.b)]
    assert (fact.title, fact.sku_name, fact.price_fen, fact.member_price_fen) == (
        "秋月梨",
        "5斤装",
        4000,
        3500,
    )
    assert (fact.supply_price_fen, str(fact.supplier_id), fact.sellable) == (
        2000,
        shop.supplier_id,
        True,
    )
