"""The whole Pinduoduo loop through the HTTP API: a shopper opens a group, shares it,
friends join and pay, the group succeeds, its orders become a production batch, the
factory produces and ships each order directly, and buyers confirm receipt."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx

from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.production import service as production
from tests.groupbuy.support import (
    GROUP_PRICE,
    balance,
    group_page,
    join,
    ledger_sound,
    make_campaign,
    open_group,
    pay,
)
from tests.helpers import Account, register
from tests.orders.support import supplier_staff


async def test_open_share_join_succeed_batch_produce_ship_receive(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    campaign = await make_campaign(client, op, group_size=3)
    factory = await supplier_staff(client, campaign.supplier_id)
    rule = await client.put(
        "/api/v1/admin/production/rule", json={"mode": "daily"}, headers=op.headers
    )
    assert rule.status_code == 200, rule.text

    # Open and share.
    leader = await register(client, name="团长")
    opened = await open_group(client, campaign, leader)
    await pay(client, opened, leader)
    share_url = opened["group"]["share_url"]
    group_id = share_url.rsplit("/", 1)[-1]

    # Friends find the group from the campaign page or the link, join and pay.
    listed = (await client.get(f"/api/v1/group-campaigns/{campaign.id}")).json()
    assert [g["id"] for g in listed["open_groups"]] == [group_id]
    buyers = [leader]
    orders = [opened["order"]["id"]]
    for name in ("小王", "小李"):
        friend = await register(client, name=name)
        joined = await join(client, group_id, friend)
        assert joined.status_code == 201, joined.text
        await pay(client, joined.json(), friend)
        buyers.append(friend)
        orders.append(joined.json()["order"]["id"])
    assert (await group_page(client, group_id))["status"] == "succeeded"

    # The factory sees nothing until the day's demand is cut into a batch at midnight.
    assert (await client.get("/api/v1/supplier/batches", headers=factory.headers)).json()[
        "items"
    ] == []
    clock.advance(timedelta(days=1))
    assert await production.cut_due(100) == 1
    batches = (await client.get("/api/v1/supplier/batches", headers=factory.headers)).json()
    (batch,) = batches["items"]
    assert (batch["quantity"], batch["status"]) == (3, "created")
    batch_id = batch["id"]

    # Produce: the supplier is owed for exactly what was made.
    for step in ("start", "produced"):
        answer = await client.post(
            f"/api/v1/supplier/batches/{batch_id}/{step}", headers=factory.headers
        )
        assert answer.status_code == 200, answer.text
    assert await balance(accounts.supplier_payable(campaign.supplier_id)) == -3 * 1800
    assert await balance(accounts.supplier_accrued(campaign.supplier_id)) == 0

    # Ship each order straight to its buyer from a CSV upload.
    sheet = io.StringIO()
    writer = csv.writer(sheet)
    writer.writerow(["order_id", "carrier", "tracking_no"])
    for index, order_id in enumerate(orders):
        writer.writerow([order_id, "顺丰", f"SF100{index}"])
    shipped = await client.post(
        f"/api/v1/supplier/batches/{batch_id}/shipments.csv",
        content=sheet.getvalue().encode("utf-8-sig"),
        headers={**factory.headers, "content-type": "text/csv"},
    )
    assert shipped.status_code == 200, shipped.text

    # Each buyer sees the shipment on their order and confirms receipt.
    for index, (buyer, order_id) in enumerate(zip(buyers, orders, strict=True)):
        mine = (await client.get(f"/api/v1/orders/{order_id}", headers=buyer.headers)).json()
        assert (mine["status"], mine["carrier"], mine["tracking_no"]) == (
            "shipped",
            "顺丰",
            f"SF100{index}",
        )
        received = await client.post(
            f"/api/v1/orders/{order_id}/confirm-receipt", headers=buyer.headers
        )
        assert received.json()["status"] == "completed"

    assert await balance(accounts.PROVIDER_CLEARING) == 3 * GROUP_PRICE
    await ledger_sound()
