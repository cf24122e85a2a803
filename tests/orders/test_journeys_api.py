"""An order's life through the public API: place, pay, ship, receive; expiry, automatic
completion, cancellation, and money that arrives after the order expired."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.orders import service as orders
from quanzi.payments import service as payments
from tests.helpers import Account, problem
from tests.orders.support import (
    Shop,
    assert_ledger_sound,
    balances,
    get_order,
    levels,
    paid,
    pay,
    placed,
    refund_rows,
    ship,
    status_path,
    topics,
    when,
)

SUPPLIER_OWED = 2 * 1500 + 2000


async def test_place_pay_ship_confirm_receipt(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account, clock: FrozenClock
) -> None:
    order = await placed(client, buyer, (shop.a, 2), (shop.b, 1))
    assert order["status"] == "pending_payment"
    assert order["goods_fen"] == 2 * 2500 + 4000
    assert order["shipping_fee_fen"] == 1000  # 9000 < the 9900 free-shipping threshold
    assert order["total_fen"] == 10000
    assert order["payment"]["provider"] == "sandbox"
    assert [(line["sku_id"], line["quantity"], line["paid_fen"]) for line in order["lines"]] == [
        (shop.a, 2, 5000),
        (shop.b, 1, 4000),
    ]
    assert when(order["payment_deadline"]) == clock.now() + timedelta(minutes=15)
    assert await levels(shop.a) == (8, 2, 0)
    assert await levels(shop.b) == (4, 1, 0)

    confirmed = await pay(client, buyer, order)
    assert confirmed.status_code == 200, confirmed.text
    assert (await get_order(client, buyer, order["id"]))["status"] == "paid"
    assert await levels(shop.a) == (8, 0, 2)
    owed = accounts.supplier_payable(shop.supplier_id)
    assert await balances(
        accounts.PROVIDER_CLEARING, accounts.SHIPPING_REVENUE, accounts.SALES_REVENUE, owed
    ) == {
        accounts.PROVIDER_CLEARING: 10000,
        accounts.SHIPPING_REVENUE: -1000,
        accounts.SALES_REVENUE: -(9000 - SUPPLIER_OWED),
        owed: -SUPPLIER_OWED,
    }

    shipped = await ship(client, op, order["id"])
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["tracking_no"] == "SF1234567890"
    assert when(shipped.json()["auto_complete_at"]) == clock.now() + timedelta(days=10)

    received = await client.post(
        f"/api/v1/orders/{order['id']}/confirm-receipt", headers=buyer.headers
    )
    assert received.status_code == 200, received.text
    assert received.json()["status"] == "completed"
    assert await status_path(order["id"]) == ["pending_payment", "paid", "shipped", "completed"]
    assert await topics(order["id"]) == [
        "order.created",
        "order.paid",
        "order.shipped",
        "order.completed",
    ]
    assert await levels(shop.a) == (8, 0, 2)
    await assert_ledger_sound()


async def test_free_shipping_from_the_threshold(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await placed(client, buyer, (shop.a, 4))  # 10000 ≥ 9900
    assert (order["shipping_fee_fen"], order["total_fen"]) == (0, 10000)


async def test_duplicate_lines_for_one_sku_are_merged(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await placed(client, buyer, (shop.a, 1), (shop.b, 1), (shop.a, 2))
    assert [(line["sku_id"], line["quantity"]) for line in order["lines"]] == [
        (shop.a, 3),
        (shop.b, 1),
    ]
    assert await levels(shop.a) == (7, 3, 0)


async def test_unpaid_order_expires_releases_stock_and_closes_payment(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, clock: FrozenClock
) -> None:
    order = await placed(client, buyer, (shop.a, 3))
    clock.advance(timedelta(minutes=14, seconds=59))
    assert await orders.expire_unpaid(100) == 0
    assert (await get_order(client, buyer, order["id"]))["status"] == "pending_payment"

    clock.advance(timedelta(seconds=1))
    assert await orders.expire_unpaid(100) == 1
    assert await orders.expire_unpaid(100) == 0  # once only
    expired = await get_order(client, buyer, order["id"])
    assert expired["status"] == "cancelled"
    assert when(expired["cancelled_at"]) == clock.now()
    assert await levels(shop.a) == (10, 0, 0)
    payment = await client.get(f"/api/v1/payments/{order['payment']['id']}", headers=buyer.headers)
    assert payment.json()["status"] == "closed"
    problem(await pay(client, buyer, order), 409, "payment_closed")
    assert await topics(order["id"]) == ["order.created", "order.cancelled"]


async def test_payment_after_expiry_is_booked_and_refunded_in_full(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, clock: FrozenClock
) -> None:
    order = await placed(client, buyer, (shop.a, 1))  # 2500 + 1000 shipping
    clock.advance(timedelta(minutes=16))
    assert await orders.expire_unpaid(100) == 1

    async def provider_notifies(session: AsyncSession) -> bool:
        return await payments.record_success(
            session,
            provider="sandbox",
            provider_event_id=f"late-{order['id']}",
            payment_id=uuid.UUID(order["payment"]["id"]),
            provider_txn_id="txn-late",
            amount_fen=3500,
        )

    assert await db.transaction(provider_notifies) is True
    late = await get_order(client, buyer, order["id"])
    assert late["status"] == "refunded"
    assert late["refunded_fen"] == 3500
    assert await status_path(order["id"]) == ["pending_payment", "cancelled", "refunded"]
    assert await refund_rows(order["id"]) == [3500]
    assert await levels(shop.a) == (10, 0, 0)
    payment = await client.get(f"/api/v1/payments/{order['payment']['id']}", headers=buyer.headers)
    assert (payment.json()["status"], payment.json()["refunded_fen"]) == ("succeeded", 3500)
    # The sandbox paid the refund out at once: every account is back to zero.
    owed = accounts.supplier_payable(shop.supplier_id)
    assert set(
        (
            await balances(
                accounts.PROVIDER_CLEARING,
                accounts.REFUNDS_PAYABLE,
                accounts.SALES_REVENUE,
                accounts.SHIPPING_REVENUE,
                owed,
            )
        ).values()
    ) == {0}
    await assert_ledger_sound()


async def test_shipped_orders_complete_automatically(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account, clock: FrozenClock
) -> None:
    order = await paid(client, buyer, (shop.a, 1))
    assert (await ship(client, op, order["id"])).status_code == 200
    clock.advance(timedelta(days=9, hours=23))
    assert await orders.auto_complete(100) == 0
    clock.advance(timedelta(hours=1))
    assert await orders.auto_complete(100) == 1
    done = await get_order(client, buyer, order["id"])
    assert done["status"] == "completed"
    assert when(done["completed_at"]) == clock.now()
    assert await orders.auto_complete(100) == 0


async def test_worker_round_runs_the_order_sweeps(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, clock: FrozenClock
) -> None:
    from quanzi import worker

    order = await placed(client, buyer, (shop.a, 1))
    clock.advance(timedelta(hours=1))
    done = await worker.run_once()
    assert done["orders.expire_unpaid"] == 1
    assert (await get_order(client, buyer, order["id"]))["status"] == "cancelled"


async def test_buyer_cancels_unpaid_order(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await placed(client, buyer, (shop.a, 2))
    cancelled = await client.post(
        f"/api/v1/orders/{order['id']}/cancel",
        json={"reason": "changed my mind"},
        headers=buyer.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "changed my mind"
    assert await levels(shop.a) == (10, 0, 0)
    problem(await pay(client, buyer, order), 409, "payment_closed")
    again = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    body = problem(again, 409, "illegal_transition")
    assert (body["from"], body["to"]) == ("cancelled", "cancelled")


async def test_buyer_cancels_paid_unshipped_order_for_a_full_refund(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 2), (shop.b, 1))
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["refunded_fen"]) == ("refunded", 10000)
    assert await levels(shop.a) == (10, 0, 0)
    assert await levels(shop.b) == (5, 0, 0)
    assert await status_path(order["id"]) == ["pending_payment", "paid", "refunded"]
    assert set((await balances(accounts.PROVIDER_CLEARING, accounts.SALES_REVENUE)).values()) == {0}
    await assert_ledger_sound()


async def test_shipped_order_cannot_be_cancelled(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 1))
    assert (await ship(client, op, order["id"])).status_code == 200
    body = problem(
        await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers),
        409,
        "illegal_transition",
    )
    assert (body["from"], body["to"]) == ("shipped", "cancelled")


async def test_illegal_transitions_are_409_with_from_and_to(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    pending = await placed(client, buyer, (shop.a, 1))
    body = problem(await ship(client, op, pending["id"]), 409, "illegal_transition")
    assert (body["from"], body["to"]) == ("pending_payment", "shipped")
    body = problem(
        await client.post(f"/api/v1/orders/{pending['id']}/confirm-receipt", headers=buyer.headers),
        409,
        "illegal_transition",
    )
    assert (body["from"], body["to"]) == ("pending_payment", "completed")

    order = await paid(client, buyer, (shop.a, 1))
    body = problem(
        await client.post(f"/api/v1/orders/{order['id']}/confirm-receipt", headers=buyer.headers),
        409,
        "illegal_transition",
    )
    assert (body["from"], body["to"]) == ("paid", "completed")
    assert (await ship(client, op, order["id"])).status_code == 200
    body = problem(await ship(client, op, order["id"]), 409, "illegal_transition")
    assert (body["from"], body["to"]) == ("shipped", "shipped")
    # Nothing of the refused attempts was written.
    assert await status_path(order["id"]) == ["pending_payment", "paid", "shipped"]
