"""Who may see and move which order; listings and their filters."""

from __future__ import annotations

import httpx

from tests.helpers import Account, problem, register
from tests.orders.support import Shop, get_order, paid, placed, ship, supplier_staff


async def test_only_the_buyer_operators_and_the_supplier_see_an_order(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await placed(client, buyer, (shop.a, 1))
    url = f"/api/v1/orders/{order['id']}"
    assert (await get_order(client, buyer, order["id"]))["id"] == order["id"]
    assert (await get_order(client, op, order["id"]))["id"] == order["id"]
    own_staff = await supplier_staff(client, shop.supplier_id)
    assert (await get_order(client, own_staff, order["id"]))["id"] == order["id"]

    stranger = await register(client, name="Stranger")
    problem(await client.get(url, headers=stranger.headers), 404, "order_not_found")
    other_staff = await supplier_staff(client, shop.other_supplier_id)
    problem(await client.get(url, headers=other_staff.headers), 404, "order_not_found")
    problem(await client.get(url), 401, "unauthorized")


async def test_strangers_cannot_move_an_order(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    order = await paid(client, buyer, (shop.a, 1))
    stranger = await register(client, name="Stranger")
    for action in ("cancel", "confirm-receipt"):
        problem(
            await client.post(f"/api/v1/orders/{order['id']}/{action}", headers=stranger.headers),
            404,
            "order_not_found",
        )
    problem(await ship(client, stranger, order["id"]), 403, "forbidden")
    problem(await ship(client, buyer, order["id"]), 403, "forbidden")
    assert (await ship(client, op, order["id"])).status_code == 200
    problem(
        await client.post(
            f"/api/v1/orders/{order['id']}/confirm-receipt", headers=stranger.headers
        ),
        404,
        "order_not_found",
    )
    assert (await get_order(client, buyer, order["id"]))["status"] == "shipped"


async def test_supplier_staff_ship_only_orders_wholly_theirs(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    own_staff = await supplier_staff(client, shop.supplier_id)
    other_staff = await supplier_staff(client, shop.other_supplier_id)
    order = await paid(client, buyer, (shop.a, 1), (shop.b, 1))
    problem(await ship(client, other_staff, order["id"]), 404, "order_not_found")
    shipped = await ship(client, own_staff, order["id"])
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"

    mixed = await paid(client, buyer, (shop.a, 1), (shop.c, 1))
    problem(await ship(client, own_staff, mixed["id"]), 404, "order_not_found")
    problem(await ship(client, other_staff, mixed["id"]), 404, "order_not_found")
    # Both can see it: it holds goods of each.
    assert (await get_order(client, own_staff, mixed["id"]))["status"] == "paid"
    assert (await get_order(client, other_staff, mixed["id"]))["status"] == "paid"


async def test_supplier_role_without_a_supplier_sees_and_ships_nothing(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    from tests.helpers import account_with_roles

    loose = await account_with_roles(client, "supplier")
    order = await paid(client, buyer, (shop.a, 1))
    problem(await ship(client, loose, order["id"]), 404, "order_not_found")
    listing = await client.get("/api/v1/admin/orders", headers=loose.headers)
    assert listing.json() == {"items": [], "next_cursor": None}


async def test_my_orders_are_paginated_and_filtered(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    ids = {(await placed(client, buyer, (shop.a, 1)))["id"] for _ in range(3)}
    paid_order = await paid(client, buyer, (shop.a, 1))
    await placed(client, op, (shop.a, 1))  # someone else's

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/orders", params=params, headers=buyer.headers)).json()
        assert len(page["items"]) <= 2
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([*ids, paid_order["id"]])
    assert seen == sorted(seen, reverse=True)  # newest (largest time-ordered id) first

    only_paid = await client.get("/api/v1/orders", params={"status": "paid"}, headers=buyer.headers)
    assert [item["id"] for item in only_paid.json()["items"]] == [paid_order["id"]]
    assert only_paid.json()["items"][0]["lines"][0]["sku_id"] == shop.a


async def test_admin_listing_filters_and_scopes_supplier_staff(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    mine = await paid(client, buyer, (shop.a, 1))
    theirs = await placed(client, buyer, (shop.c, 1))
    other_buyer = await register(client, name="Other buyer")
    third = await placed(client, other_buyer, (shop.b, 1))

    everything = await client.get("/api/v1/admin/orders", headers=op.headers)
    assert {item["id"] for item in everything.json()["items"]} == {
        mine["id"],
        theirs["id"],
        third["id"],
    }
    by_buyer = await client.get(
        "/api/v1/admin/orders", params={"buyer_id": other_buyer.id}, headers=op.headers
    )
    assert [item["id"] for item in by_buyer.json()["items"]] == [third["id"]]
    by_status = await client.get(
        "/api/v1/admin/orders", params={"status": "paid", "kind": "regular"}, headers=op.headers
    )
    assert [item["id"] for item in by_status.json()["items"]] == [mine["id"]]
    by_supplier = await client.get(
        "/api/v1/admin/orders", params={"supplier_id": shop.other_supplier_id}, headers=op.headers
    )
    assert [item["id"] for item in by_supplier.json()["items"]] == [theirs["id"]]

    staff = await supplier_staff(client, shop.other_supplier_id)
    # Supplier staff only ever see their own supplier's orders, whatever they ask for.
    scoped = await client.get(
        "/api/v1/admin/orders", params={"supplier_id": shop.supplier_id}, headers=staff.headers
    )
    assert [item["id"] for item in scoped.json()["items"]] == [theirs["id"]]
    problem(await client.get("/api/v1/admin/orders", headers=buyer.headers), 403, "forbidden")
