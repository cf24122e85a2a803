"""Virtual-user flows, imported by name in the load generator's processes.

Kept free of server imports so a load generator process starts fast and small.
"""

from __future__ import annotations

import uuid
from typing import Any

from quanzi.bench.loadgen import FlowAborted, VirtualUser

ADDRESS: dict[str, Any] = {
    "name": "压测用户",
    "phone": "13800138000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "line1": "文三路 1 号",
}


def _auth(token: str, *, idempotent: bool = False) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if idempotent:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    return headers


async def _pay(vu: VirtualUser, token: str, payment_id: str) -> bool:
    paid = await vu.call(
        "pay", "POST", f"/api/v1/payments/{payment_id}/sandbox/confirm", headers=_auth(token)
    )
    return paid is not None


async def checkout(vu: VirtualUser) -> None:
    """Place an order for one unit of a random SKU (through the buyer's share code, if
    the input has ``share_codes`` aligned with ``tokens``), then pay it (sandbox confirm)."""
    tokens: list[str] = vu.data["tokens"]
    pick = vu.rng.randrange(len(tokens))
    token = tokens[pick]
    skus: list[str] = vu.shared["skus"]
    body: dict[str, Any] = {
        "lines": [{"sku_id": skus[vu.rng.randrange(len(skus))], "quantity": 1}],
        "address": ADDRESS,
    }
    # Buyers ordering through a sharer's link (the commission scenario).
    if vu.data.get("share_codes"):
        body["share_code"] = vu.data["share_codes"][pick]
    placed = await vu.call(
        "place",
        "POST",
        "/api/v1/orders",
        json_body=body,
        headers=_auth(token, idempotent=True),
        refusals=vu.shared.get("refusals", ()),
    )
    if placed is None:
        return
    if placed.status >= 400:
        vu.done("attempts_resolved")
        return
    if await _pay(vu, token, placed.json()["payment"]["id"]):
        vu.done("orders_paid")
        vu.done("attempts_resolved")


async def hot_group(vu: VirtualUser) -> None:
    """Join a group with a free seat if this process knows one, else open a group; pay.

    The groups a process opened are shared among its virtual users, as a share link is
    among friends: each opened-and-paid group offers ``group_size - 1`` seats.
    """
    seats: list[str] = vu.shared.setdefault("open_seats", [])
    users: list[str] = vu.data["tokens"]
    # Each seat by the next of this user's members: a member joins a campaign once.
    turn = vu.state.get("turn", 0)
    vu.state["turn"] = turn + 1
    token = users[turn % len(users)]
    body = {"address": ADDRESS}
    if seats:
        group_id = seats.pop(vu.rng.randrange(len(seats)))
        # No Idempotency-Key on joins: its scope (``groups.join:<group id>``, 48 characters)
        # does not fit idempotency_records.scope (40) and the request fails with a 500.
        joined = await vu.call(
            "join",
            "POST",
            f"/api/v1/groups/{group_id}/join",
            json_body=body,
            headers=_auth(token),
            refusals=("group_full", "group_closed", "already_joined", "limit_reached"),
        )
        if joined is None or joined.status >= 400:
            return
        if await _pay(vu, token, joined.json()["order"]["payment"]["id"]):
            vu.done("seats_paid")
        return
    opened = await vu.call(
        "open",
        "POST",
        "/api/v1/groups",
        json_body={"campaign_id": vu.shared["campaign_id"], **body},
        headers=_auth(token, idempotent=True),
        refusals=("limit_reached",),
    )
    if opened is None or opened.status >= 400:
        return
    data = opened.json()
    if not await _pay(vu, token, data["order"]["payment"]["id"]):
        raise FlowAborted
    vu.done("seats_paid")
    seats.extend([data["group"]["id"]] * (int(vu.shared["group_size"]) - 1))


async def dashboard(vu: VirtualUser) -> None:
    """An operator loads the KPI dashboard."""
    answered = await vu.call(
        "dashboard",
        "GET",
        f"/api/v1/admin/dashboard?days={vu.shared['days']}",
        headers=_auth(vu.data["tokens"][0]),
    )
    if answered is not None:
        vu.done("dashboards")


async def baseline(vu: VirtualUser) -> None:
    """The raw baseline: ``POST /baseline`` with the statement's parameters."""
    params: list[Any]
    kind = vu.shared["baseline"]
    if kind == "order_paid":
        skus: list[str] = vu.shared["skus"]
        buyers: list[str] = vu.shared["buyers"]
        params = [
            skus[vu.rng.randrange(len(skus))],
            buyers[vu.rng.randrange(len(buyers))],
            vu.shared["address_json"],
        ]
    elif kind == "group_failed":
        params = [vu.shared["campaign_id"]]
    else:
        params = [vu.shared["days"]]
    answered = await vu.call(
        "baseline", "POST", "/baseline", json_body={"params": params}, refusals=("nothing_left",)
    )
    if answered is not None and answered.status < 400:
        vu.done("baseline")
