"""Operator refunds: partial and full, spread over lines, reversed in the ledger, paid out
by the provider, stock back for goods never shipped."""

from __future__ import annotations

import httpx
import pytest

from quanzi.ledger import rules as accounts
from tests.helpers import Account, problem, register
from tests.orders.support import (
    Shop,
    assert_ledger_sound,
    balances,
    get_order,
    levels,
    paid,
    placed,
    refund,
    refund_rows,
    ship,
    status_path,
    topics,
)


def ledger_codes(shop: Shop) -> list[str]:
    return [
        accounts.PROVIDER_CLEARING,
        accounts.REFUNDS_PAYABLE,
        accounts.SHIPPING_REVENUE,
        accounts.SALES_REVENUE,
        accounts.supplier_payable(shop.supplier_id),
    ]


async def test_partial_then_full_refund(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    # 2 × A (2500, supply 1500) + 1 × B (4000, supply 2000) + 1000 shipping = 10000.
    order = await paid(client, buyer, (shop.a, 2), (shop.b, 1))
    owed = accounts.supplier_payable(shop.supplier_id)

    first = await refund(client, op, order["id"], 3000)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["refund"]["amount_fen"] == 3000
    assert body["order"]["status"] == "paid"  # a partial refund keeps the status
    assert body["order"]["refunded_fen"] == 3000
    # Goods first, in proportion to what is left on each line (5000 : 4000).
    assert [line["refunded_fen"] for line in body["order"]["lines"]] == [1666, 1334]
    # Supplier payable reversed in proportion, rounded down: 3000×1666/5000, 2000×1334/4000.
    reversed_supply = 999 + 667
    assert await balances(*ledger_codes(shop)) == {
        accounts.PROVIDER_CLEARING: 10000 - 3000,  # the sandbox paid it out at once
        accounts.REFUNDS_PAYABLE: 0,
        accounts.SHIPPING_REVENUE: -1000,
        accounts.SALES_REVENUE: -(4000 - (3000 - reversed_supply)),
        owed: -(5000 - reversed_supply),
    }
    assert await levels(shop.a) == (8, 0, 2)  # a partial refund returns no stock

    rest = await refund(client, op, order["id"])  # no amount: everything left
    assert rest.status_code == 200, rest.text
    assert rest.json()["refund"]["amount_fen"] == 7000
    final = rest.json()["order"]
    assert (final["status"], final["refunded_fen"]) == ("refunded", 10000)
    assert [line["refunded_fen"] for line in final["lines"]] == [5000, 4000]
    assert set((await balances(*ledger_codes(shop))).values()) == {0}
    # Never shipped: the sold units are back on sale.
    assert await levels(shop.a) == (10, 0, 0)
    assert await levels(shop.b) == (5, 0, 0)
    assert await refund_rows(order["id"]) == [3000, 7000]
    assert await status_path(order["id"]) == ["pending_payment", "paid", "refunded"]
    assert (await topics(order["id"]))[-2:] == ["order.refunded", "order.refunded"]
    payment = await client.get(f"/api/v1/payments/{order['payment']['id']}", headers=buyer.headers)
    assert payment.json()["refunded_fen"] == 10000
    await assert_ledger_sound()

    problem(await refund(client, op, order["id"], 1), 409, "illegal_transition")


async def test_shipping_is_refunded_only_after_the_goods(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 1))  # 2500 + 1000 shipping
    assert (await refund(client, op, order["id"], 2500)).status_code == 200
    assert await balances(accounts.SHIPPING_REVENUE) == {accounts.SHIPPING_REVENUE: -1000}
    after = await get_order(client, buyer, order["id"])
    assert (after["status"], after["lines"][0]["refunded_fen"]) == ("paid", 2500)
    last = await refund(client, op, order["id"], 1000)
    assert last.json()["order"]["status"] == "refunded"
    assert await balances(accounts.SHIPPING_REVENUE) == {accounts.SHIPPING_REVENUE: 0}
    await assert_ledger_sound()


async def test_full_refund_after_shipment_keeps_the_goods_sold(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 2))
    assert (await ship(client, op, order["id"])).status_code == 200
    done = await refund(client, op, order["id"])
    assert done.json()["order"]["status"] == "refunded"
    assert await levels(shop.a) == (8, 0, 2)  # the goods are with the buyer, not on the shelf
    assert set((await balances(*ledger_codes(shop))).values()) == {0}
    await assert_ledger_sound()


async def test_completed_order_can_be_refunded_partly(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 1))
    assert (await ship(client, op, order["id"])).status_code == 200
    await client.post(f"/api/v1/orders/{order['id']}/confirm-receipt", headers=buyer.headers)
    partial = await refund(client, op, order["id"], 500)
    assert partial.json()["order"]["status"] == "completed"
    await assert_ledger_sound()


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (3501, 409, "refund_exceeds_paid"),
        (10**12 + 1, 422, "validation_error"),
        (0, 422, "validation_error"),
        (-5, 422, "validation_error"),
    ],
)
async def test_bad_refund_amounts(
    client: httpx.AsyncClient,
    shop: Shop,
    buyer: Account,
    op: Account,
    amount: int,
    status: int,
    code: str,
) -> None:
    order = await paid(client, buyer, (shop.a, 1))  # 3500
    problem(await refund(client, op, order["id"], amount), status, code)
    assert (await get_order(client, buyer, order["id"]))["refunded_fen"] == 0


async def test_refund_needs_a_paid_order_and_an_operator(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    pending = await placed(client, buyer, (shop.a, 1))
    body = problem(await refund(client, op, pending["id"]), 409, "illegal_transition")
    assert (body["from"], body["to"]) == ("pending_payment", "refunded")
    order = await paid(client, buyer, (shop.a, 1))
    problem(await refund(client, buyer, order["id"], 100), 403, "forbidden")
    problem(
        await client.post(
            f"/api/v1/admin/orders/{order['id']}/refund", json={"reason": "x", "amount_fen": 1}
        ),
        401,
        "unauthorized",
    )
    problem(
        await refund(client, op, "01a21251-0ec0-7343-831c-9ff3b4cc6e5e", 100),
        404,
        "order_not_found",
    )
    problem(
        await client.post(
            f"/api/v1/admin/orders/{order['id']}/refund",
            json={"amount_fen": 100},
            headers=op.headers,
        ),
        422,
        "validation_error",
    )


async def test_refund_with_idempotency_key_is_granted_once(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 2))
    first = await refund(client, op, order["id"], 1000, key="refund-1")
    again = await refund(client, op, order["id"], 1000, key="refund-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert await refund_rows(order["id"]) == [1000]
    problem(
        await refund(client, op, order["id"], 2000, key="refund-1"), 409, "idempotency_key_reused"
    )
    # Without a key, the same request is a second refund.
    assert (await refund(client, op, order["id"], 1000)).status_code == 200
    assert await refund_rows(order["id"]) == [1000, 1000]


async def test_refund_of_another_members_order_by_them_is_not_possible(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 1))
    stranger = await register(client, name="Stranger")
    problem(
        await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=stranger.headers),
        404,
        "order_not_found",
    )
    assert (await get_order(client, buyer, order["id"]))["status"] == "paid"
