"""Direct shipment: a supplier ships each order of a produced batch to its buyer, as JSON or
from a CSV file; every row is checked before anything ships; the buyer sees the parcel."""

from __future__ import annotations

from typing import Any

import httpx

from quanzi.core.clock import FrozenClock
from tests.helpers import Account, problem, register
from tests.orders.support import get_order, refund
from tests.production.support import Factory, cut_all, group_order, outbox, succeed

BATCHES = "/api/v1/supplier/batches"


async def produced_batch(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock, size: int = 3
) -> tuple[str, list[tuple[str, Account]]]:
    """A produced batch of ``size`` orders; returns its id and (order id, buyer) pairs."""
    orders = []
    for _ in range(size):
        buyer = await register(client, name="拼友")
        orders.append((await group_order(client, buyer, plant.sku, 1), buyer))
    await succeed(*(order_id for order_id, _ in orders))
    await cut_all(clock)
    listing = await client.get(BATCHES, headers=plant.staff.headers)
    (batch,) = listing.json()["items"]
    for step in ("start", "produced"):
        response = await client.post(f"{BATCHES}/{batch['id']}/{step}", headers=plant.staff.headers)
        assert response.status_code == 200, response.text
    return batch["id"], orders


def csv_upload(plant: Factory, text: str, *, bom: bool = False) -> dict[str, Any]:
    data = ("\ufeff" if bom else "") + text
    return {
        "content": data.encode("utf-8"),
        "headers": {**plant.staff.headers, "content-type": "text/csv; charset=utf-8"},
    }


async def test_json_shipments_reach_the_buyer(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, orders = await produced_batch(client, plant, clock, size=2)
    (first, buyer), (second, _) = orders
    response = await client.post(
        f"{BATCHES}/{batch_id}/shipments",
        json={"shipments": [{"order_id": first, "carrier": " 顺丰 ", "tracking_no": "SF001"}]},
        headers=plant.staff.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "batch_id": batch_id,
        "shipped": 1,
        "unchanged": 0,
        "results": [
            {
                "row": 1,
                "order_id": first,
                "result": "shipped",
                "carrier": "顺丰",
                "tracking_no": "SF001",
            }
        ],
    }
    seen = await get_order(client, buyer, first)
    assert (seen["status"], seen["carrier"], seen["tracking_no"]) == ("shipped", "顺丰", "SF001")
    assert seen["shipped_at"] is not None
    shipped = await outbox("order.shipped")
    assert [(e["order_id"], e["tracking_no"]) for e in shipped] == [(first, "SF001")]

    detail = (await client.get(f"{BATCHES}/{batch_id}", headers=plant.staff.headers)).json()
    assert detail["shipped_count"] == 1
    by_id = {o["order_id"]: o for o in detail["orders"]}
    assert (by_id[first]["status"], by_id[first]["tracking_no"]) == ("shipped", "SF001")
    assert by_id[second]["status"] == "confirmed"

    # The buyer confirms receipt: the journey ends like any order's.
    received = await client.post(f"/api/v1/orders/{first}/confirm-receipt", headers=buyer.headers)
    assert received.status_code == 200, received.text
    assert received.json()["status"] == "completed"


async def test_csv_upload_ships_every_row_and_a_repeat_is_a_no_op(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, orders = await produced_batch(client, plant, clock, size=3)
    lines = ["Order_ID, Carrier ,tracking_no"] + [
        f"{order_id},中通,ZT{n:04d}" for n, (order_id, _) in enumerate(orders)
    ]
    text = "\r\n".join(lines[:2]) + "\r\n\r\n" + "\r\n".join(lines[2:]) + "\r\n"
    response = await client.post(
        f"{BATCHES}/{batch_id}/shipments.csv", **csv_upload(plant, text, bom=True)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["shipped"], body["unchanged"]) == (3, 0)
    assert [r["row"] for r in body["results"]] == [2, 4, 5]
    for n, (order_id, buyer) in enumerate(orders):
        seen = await get_order(client, buyer, order_id)
        assert (seen["status"], seen["carrier"], seen["tracking_no"]) == (
            "shipped",
            "中通",
            f"ZT{n:04d}",
        )

    again = await client.post(f"{BATCHES}/{batch_id}/shipments.csv", **csv_upload(plant, text))
    assert again.status_code == 200, again.text
    assert (again.json()["shipped"], again.json()["unchanged"]) == (0, 3)
    assert {r["result"] for r in again.json()["results"]} == {"already_shipped"}
    assert len(await outbox("order.shipped")) == 3


async def test_a_multipart_file_upload_works_too(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, orders = await produced_batch(client, plant, clock, size=2)
    text = "order_id,carrier,tracking_no\n" + "".join(
        f"{order_id},EMS,E{n}\n" for n, (order_id, _) in enumerate(orders)
    )
    response = await client.post(
        f"{BATCHES}/{batch_id}/shipments.csv",
        files={"file": ("发货.csv", ("\ufeff" + text).encode("utf-8"), "text/csv")},
        headers=plant.staff.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["shipped"] == 2


async def test_bad_rows_are_all_listed_and_nothing_ships(
    client: httpx.AsyncClient, plant: Factory, op: Account, clock: FrozenClock
) -> None:
    batch_id, orders = await produced_batch(client, plant, clock, size=4)
    (good, _), (shipped, _), (refunded, _), (fine, buyer) = orders
    ok = await client.post(
        f"{BATCHES}/{batch_id}/shipments",
        json={"shipments": [{"order_id": shipped, "carrier": "SF", "tracking_no": "SF9"}]},
        headers=plant.staff.headers,
    )
    assert ok.status_code == 200, ok.text
    assert (await refund(client, op, refunded)).status_code == 200
    stranger = await group_order(client, await register(client), plant.other_sku)

    text = "\n".join(
        [
            "order_id,carrier,tracking_no",
            f"{good},SF,SF1",  # 2: fine
            f"{shipped},SF,SF-other",  # 3: shipped with another number
            f"{refunded},SF,SF3",  # 4: refunded
            f"{stranger},SF,SF4",  # 5: not in this batch
            "not-an-id,SF,SF5",  # 6
            f"{fine},,SF6",  # 7: no carrier
            f"{fine},SF,",  # 8: no tracking number
            f"{good},SF,SF1",  # 9: listed twice
            f"{fine}",  # 10: too few fields
            f"{fine},SF,{'9' * 61}",  # 11: too long
        ]
    )
    response = await client.post(f"{BATCHES}/{batch_id}/shipments.csv", **csv_upload(plant, text))
    body = problem(response, 422, "invalid_shipments")
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (3, "already_shipped"),
        (4, "order_refunded"),
        (5, "not_in_batch"),
        (6, "invalid_order_id"),
        (7, "missing_carrier"),
        (8, "missing_tracking_no"),
        (9, "duplicate_order"),
        (10, "missing_fields"),
        (11, "tracking_no_too_long"),
    ]
    assert body["errors"][0]["order_id"] == shipped
    assert all(e["reason"] for e in body["errors"])
    # Row 2 was fine, but nothing was written.
    seen = await get_order(client, buyer, fine)
    assert seen["status"] == "confirmed"
    detail = (await client.get(f"{BATCHES}/{batch_id}", headers=plant.staff.headers)).json()
    assert detail["shipped_count"] == 1
    assert len(await outbox("order.shipped")) == 1

    response = await client.post(
        f"{BATCHES}/{batch_id}/shipments",
        json={
            "shipments": [
                {"order_id": good, "carrier": "SF", "tracking_no": "A"},
                {"order_id": stranger, "carrier": "SF", "tracking_no": "B"},
                {"order_id": good, "carrier": "SF", "tracking_no": "C"},
            ]
        },
        headers=plant.staff.headers,
    )
    body = problem(response, 422, "invalid_shipments")
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (2, "not_in_batch"),
        (3, "duplicate_order"),
    ]
    problem(
        await client.post(
            f"{BATCHES}/{batch_id}/shipments",
            json={"shipments": [{"order_id": good, "carrier": " ", "tracking_no": "A"}]},
            headers=plant.staff.headers,
        ),
        422,
        "validation_error",
    )
    assert (await get_order(client, buyer, fine))["status"] == "confirmed"


async def test_broken_files_are_refused_whole(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, _ = await produced_batch(client, plant, clock, size=1)
    url = f"{BATCHES}/{batch_id}/shipments.csv"
    for text, code in (
        ("", "invalid_csv"),
        ("order_id,carrier\nx,y\n", "invalid_csv"),
        ("order_id,carrier,tracking_no\n", "invalid_csv"),
        ('order_id,carrier,tracking_no\n"abc,SF,1\n', "invalid_csv"),
    ):
        problem(await client.post(url, **csv_upload(plant, text)), 422, code)
    problem(
        await client.post(
            url,
            content="order_id,carrier,tracking_no\n".encode("utf-16"),
            headers={**plant.staff.headers, "content-type": "text/csv"},
        ),
        422,
        "invalid_csv",
    )
    problem(
        await client.post(url, json={"shipments": []}, headers=plant.staff.headers),
        415,
        "unsupported_media_type",
    )


async def test_only_produced_batches_ship(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    buyer = await register(client)
    order_id = await group_order(client, buyer, plant.sku)
    await succeed(order_id)
    await cut_all(clock)
    (batch,) = (await client.get(BATCHES, headers=plant.staff.headers)).json()["items"]
    body = problem(
        await client.post(
            f"{BATCHES}/{batch['id']}/shipments",
            json={"shipments": [{"order_id": order_id, "carrier": "SF", "tracking_no": "1"}]},
            headers=plant.staff.headers,
        ),
        409,
        "batch_not_produced",
    )
    assert body["batch_status"] == "created"
    assert (await get_order(client, buyer, order_id))["status"] == "confirmed"


async def test_the_shipping_list_downloads_and_uploads_back(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, orders = await produced_batch(client, plant, clock, size=2)
    response = await client.get(f"{BATCHES}/{batch_id}/shipments.csv", headers=plant.staff.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    header, *rows = text.strip().split("\r\n")
    assert header.startswith("order_id,carrier,tracking_no,quantity,status,name,phone")
    assert sorted(row.split(",")[0] for row in rows) == sorted(o for o, _ in orders)

    filled = "\r\n".join(
        [header]
        + [
            ",".join([fields[0], "韵达", f"YD{n}", *fields[3:]])
            for n, fields in enumerate(row.split(",") for row in rows)
        ]
    )
    response = await client.post(f"{BATCHES}/{batch_id}/shipments.csv", **csv_upload(plant, filled))
    assert response.status_code == 200, response.text
    assert response.json()["shipped"] == 2
    listed = (
        await client.get(f"{BATCHES}/{batch_id}/shipments.csv", headers=plant.staff.headers)
    ).content.decode("utf-8-sig")
    assert "韵达,YD0" in listed
    assert "shipped" in listed
