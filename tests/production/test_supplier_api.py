"""The supplier portal: a supplier sees only its own cut batches, moves them through
production, and is owed (once, net of refunds) when a batch is produced."""

from __future__ import annotations

from typing import Any

import httpx

from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from tests.helpers import Account, account_with_roles, problem, register
from tests.orders.support import ADDRESS, assert_ledger_sound, balances, refund
from tests.production.support import (
    SUPPLY,
    Factory,
    cut_all,
    factory,
    group,
    outbox,
    transfers,
)

BATCHES = "/api/v1/supplier/batches"


async def only_batch(client: httpx.AsyncClient, staff: Account) -> dict[str, Any]:
    response = await client.get(BATCHES, headers=staff.headers)
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert isinstance(item, dict)
    return item


async def test_a_supplier_sees_its_own_batches_once_cut(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    other = await factory(client, "别家工厂")
    mine = await group(client, plant.sku, size=2, quantity=3)
    await group(client, other.sku, size=2)

    # Still collecting: not the supplier's business yet.
    response = await client.get(BATCHES, headers=plant.staff.headers)
    assert response.json() == {"items": [], "next_cursor": None}

    await cut_all(clock)
    batch = await only_batch(client, plant.staff)
    assert (batch["sku_id"], batch["status"], batch["quantity"]) == (plant.sku, "created", 6)
    assert batch["supplier_id"] == plant.supplier_id
    assert batch["payable_fen"] == 6 * SUPPLY
    assert batch["payable_booked_fen"] is None

    detail = await client.get(f"{BATCHES}/{batch['id']}", headers=plant.staff.headers)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["shipped_count"] == 0
    assert sorted(o["order_id"] for o in body["orders"]) == sorted(mine)
    for order in body["orders"]:
        assert order["quantity"] == 3
        assert order["status"] == "confirmed"
        assert order["address"]["name"] == ADDRESS["name"]
        assert order["address"]["line1"] == ADDRESS["line1"]
        assert order["carrier"] is None
        assert order["tracking_no"] is None

    # The other supplier cannot tell this batch exists.
    theirs = await only_batch(client, other.staff)
    assert theirs["supplier_id"] == other.supplier_id
    for method, path in (
        ("GET", f"{BATCHES}/{batch['id']}"),
        ("GET", f"{BATCHES}/{batch['id']}/shipments.csv"),
        ("POST", f"{BATCHES}/{batch['id']}/start"),
        ("POST", f"{BATCHES}/{batch['id']}/produced"),
    ):
        response = await client.request(method, path, headers=other.staff.headers)
        problem(response, 404, "batch_not_found")
    problem(
        await client.post(
            f"{BATCHES}/{batch['id']}/shipments",
            json={"shipments": [{"order_id": mine[0], "carrier": "SF", "tracking_no": "1"}]},
            headers=other.staff.headers,
        ),
        404,
        "batch_not_found",
    )
    problem(
        await client.post(
            f"{BATCHES}/{batch['id']}/shipments.csv",
            content=b"order_id,carrier,tracking_no\n",
            headers={**other.staff.headers, "content-type": "text/csv"},
        ),
        404,
        "batch_not_found",
    )

    shopper = await register(client)
    problem(await client.get(BATCHES, headers=shopper.headers), 403, "forbidden")
    unlinked = await account_with_roles(client, "supplier")
    problem(await client.get(BATCHES, headers=unlinked.headers), 403, "not_supplier_staff")


async def test_a_collecting_batch_is_hidden_from_its_supplier(
    client: httpx.AsyncClient, plant: Factory, op: Account
) -> None:
    await group(client, plant.sku, size=2)
    listing = await client.get("/api/v1/admin/production/batches", headers=op.headers)
    (batch,) = listing.json()["items"]
    assert batch["status"] == "collecting"
    problem(
        await client.get(f"{BATCHES}/{batch['id']}", headers=plant.staff.headers),
        404,
        "batch_not_found",
    )
    problem(
        await client.post(f"{BATCHES}/{batch['id']}/start", headers=plant.staff.headers),
        404,
        "batch_not_found",
    )


async def test_listing_filters_by_status_and_pages(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    for _ in range(3):
        await group(client, plant.sku, size=2)
        await cut_all(clock)
    newest = (await client.get(BATCHES, params={"limit": 2}, headers=plant.staff.headers)).json()
    assert len(newest["items"]) == 2
    rest = (
        await client.get(
            BATCHES,
            params={"limit": 2, "cursor": newest["next_cursor"]},
            headers=plant.staff.headers,
        )
    ).json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    ids = [b["id"] for b in newest["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)

    started = await client.post(f"{BATCHES}/{ids[0]}/start", headers=plant.staff.headers)
    assert started.status_code == 200
    in_production = await client.get(
        BATCHES, params={"status": "in_production"}, headers=plant.staff.headers
    )
    assert [b["id"] for b in in_production.json()["items"]] == [ids[0]]
    created = await client.get(BATCHES, params={"status": "created"}, headers=plant.staff.headers)
    assert [b["id"] for b in created.json()["items"]] == ids[1:]
    problem(
        await client.get(BATCHES, params={"status": "collecting"}, headers=plant.staff.headers),
        422,
        "validation_error",
    )


async def test_production_steps_and_illegal_moves(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    await group(client, plant.sku, size=2)
    await cut_all(clock)
    batch = await only_batch(client, plant.staff)
    url = f"{BATCHES}/{batch['id']}"
    headers = plant.staff.headers

    body = problem(await client.post(f"{url}/produced", headers=headers), 409, "illegal_transition")
    assert (body["from"], body["to"]) == ("created", "produced")

    started = await client.post(f"{url}/start", headers=headers)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_production"
    assert started.json()["production_started_at"] is not None
    problem(await client.post(f"{url}/start", headers=headers), 409, "illegal_transition")

    produced = await client.post(f"{url}/produced", headers=headers)
    assert produced.status_code == 200, produced.text
    assert produced.json()["status"] == "produced"
    assert produced.json()["produced_at"] is not None
    for step in ("start", "produced"):
        problem(await client.post(f"{url}/{step}", headers=headers), 409, "illegal_transition")

    assert [e["status"] for e in await outbox("production_batch.in_production")] == [
        "in_production"
    ]
    (event,) = await outbox("production_batch.produced")
    assert (event["batch_id"], event["payable_fen"]) == (batch["id"], 2 * SUPPLY)


async def test_payable_is_booked_once_net_of_refunds_before_production(
    client: httpx.AsyncClient, plant: Factory, op: Account, clock: FrozenClock
) -> None:
    payable = accounts.supplier_payable(plant.supplier_id)
    accrued = accounts.supplier_accrued(plant.supplier_id)
    partly, fully, whole = await group(client, plant.sku, size=3, quantity=2)  # 3980 each
    # Group goods are owed only once made: the supply cost accrues at payment.
    assert await balances(payable, accrued) == {payable: 0, accrued: -3 * 2 * SUPPLY}

    await cut_all(clock)
    assert (await refund(client, op, partly, 1000)).status_code == 200
    assert (await refund(client, op, fully)).status_code == 200
    batch = await only_batch(client, plant.staff)
    assert batch["quantity"] == 6  # cut: the factory was told 6; the refunded order stays listed
    url = f"{BATCHES}/{batch['id']}"
    assert (await client.post(f"{url}/start", headers=plant.staff.headers)).status_code == 200
    # Nothing is payable while the goods are being made.
    assert (await balances(payable))[payable] == 0

    produced = await client.post(f"{url}/produced", headers=plant.staff.headers)
    assert produced.status_code == 200, produced.text
    partly_owed = 2400 - 2400 * 1000 // 3980  # supply reversed in proportion to the refund
    owed = partly_owed + 0 + 2400
    assert produced.json()["payable_booked_fen"] == owed
    assert await balances(payable, accrued) == {payable: -owed, accrued: 0}
    assert await transfers("supplier_payable") == [
        (f"production-payable:{batch['id']}", batch["id"])
    ]
    detail = (await client.get(url, headers=plant.staff.headers)).json()
    booked = {o["order_id"]: (o["status"], o["booked_fen"]) for o in detail["orders"]}
    assert booked == {
        partly: ("confirmed", partly_owed),
        fully: ("refunded", 0),
        whole: ("confirmed", 2400),
    }

    # Pressing "produced" again books nothing more.
    problem(
        await client.post(f"{url}/produced", headers=plant.staff.headers), 409, "illegal_transition"
    )
    assert len(await transfers("supplier_payable")) == 1
    await assert_ledger_sound()


async def test_a_refund_after_production_is_taken_off_the_payable(
    client: httpx.AsyncClient, plant: Factory, op: Account, clock: FrozenClock
) -> None:
    payable = accounts.supplier_payable(plant.supplier_id)
    accrued = accounts.supplier_accrued(plant.supplier_id)
    first, second = await group(client, plant.sku, size=2, quantity=2)
    await cut_all(clock)
    batch = await only_batch(client, plant.staff)
    url = f"{BATCHES}/{batch['id']}"
    await client.post(f"{url}/start", headers=plant.staff.headers)
    await client.post(f"{url}/produced", headers=plant.staff.headers)
    assert await balances(payable, accrued) == {payable: -4800, accrued: 0}

    assert (await refund(client, op, first, 500)).status_code == 200
    first_owed = 2400 - 2400 * 500 // 3980
    assert await balances(payable, accrued) == {payable: -(first_owed + 2400), accrued: 0}
    assert (await refund(client, op, first)).status_code == 200
    assert (await refund(client, op, second)).status_code == 200
    assert await balances(payable, accrued) == {payable: 0, accrued: 0}

    detail = (await client.get(url, headers=plant.staff.headers)).json()
    assert detail["payable_booked_fen"] == 0
    assert {o["booked_fen"] for o in detail["orders"]} == {0}
    assert len(await transfers("supplier_payable_reversal")) == 3
    await assert_ledger_sound()
