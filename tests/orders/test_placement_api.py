"""Placing orders: idempotency, prices, and every kind of bad input refused with the right
4xx and nothing written."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.core import db
from quanzi.orders import pricing
from tests.helpers import Account, problem
from tests.orders.support import (
    ADDRESS,
    Shop,
    count_orders,
    levels,
    order_body,
    place,
    placed,
)


async def test_replay_returns_the_first_answer_and_creates_one_order(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    first = await place(client, buyer, (shop.a, 1), key="checkout-42")
    again = await place(client, buyer, (shop.a, 1), key="checkout-42")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert await count_orders() == 1
    assert await levels(shop.a) == (9, 1, 0)

    reused = await place(client, buyer, (shop.a, 2), key="checkout-42")
    problem(reused, 409, "idempotency_key_reused")
    assert await count_orders() == 1


async def test_keys_are_per_buyer(
    client: httpx.AsyncClient, shop: Shop, buyer: Account, op: Account
) -> None:
    mine = await place(client, buyer, (shop.a, 1), key="same-key")
    theirs = await place(client, op, (shop.a, 1), key="same-key")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_refused_order_does_not_burn_the_key(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    problem(await place(client, buyer, (shop.a, 11), key="k-1"), 409, "insufficient_stock")
    assert (await place(client, buyer, (shop.a, 10), key="k-2")).status_code == 201
    assert await levels(shop.a) == (0, 10, 0)


async def test_insufficient_stock_names_the_sku_and_takes_nothing(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    response = await place(client, buyer, (shop.a, 2), (shop.b, 6))
    body = problem(response, 409, "insufficient_stock")
    assert body["sku_id"] == shop.b
    assert await levels(shop.a) == (10, 0, 0)
    assert await levels(shop.b) == (5, 0, 0)
    assert await count_orders() == 0


async def test_sold_out_sku_is_refused_before_anything_is_written(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    # A flash sale after the last unit: each late attempt must cost reads only.
    assert (await place(client, buyer, (shop.b, 5))).status_code == 201
    writes: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement.split("(")[0])

    engine = db.engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        late = await place(client, buyer, (shop.b, 1))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert problem(late, 409, "insufficient_stock")["sku_id"] == shop.b
    # Only the idempotency claim (rolled back with the refusal) precedes the stock check.
    assert writes == ["INSERT INTO idempotency_records "]
    assert await levels(shop.b) == (0, 5, 0)
    assert await count_orders() == 1


async def test_member_price_only_through_the_pricing_hook(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    solo = await placed(client, buyer, (shop.b, 1))
    assert solo["lines"][0]["unit_price_fen"] == 4000

    async def everyone_is_a_member(session: AsyncSession, user_id: uuid.UUID) -> bool:
        return user_id == uuid.UUID(buyer.id)

    pricing.set_member_check(everyone_is_a_member)
    try:
        member = await placed(client, buyer, (shop.b, 1), (shop.a, 1))
    finally:
        pricing.set_member_check(None)
    # B has a member price; A has none and stays at its solo price.
    assert [line["unit_price_fen"] for line in member["lines"]] == [3500, 2500]
    assert member["total_fen"] == 3500 + 2500 + 1000
    again = await placed(client, buyer, (shop.b, 1))
    assert again["lines"][0]["unit_price_fen"] == 4000


async def test_address_is_stored_trimmed_with_a_normalised_phone(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    address = {**ADDRESS, "phone": "+86 138-0013-8000", "name": "  韩梅梅 ", "line2": "3单元"}
    response = await client.post(
        "/api/v1/orders",
        json=order_body((shop.a, 1), address=address) | {"address": address, "share_code": "AB12"},
        headers={**buyer.headers, "Idempotency-Key": "addr"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["address"]["phone"] == "13800138000"
    assert body["address"]["name"] == "韩梅梅"
    assert body["address"]["line2"] == "3单元"
    assert body["share_code"] == "AB12"


async def _archive(shop: Shop) -> None:
    async def work(session: AsyncSession) -> None:
        sku = await catalog.get_sku(session, uuid.UUID(shop.c))
        await catalog.archive_product(session, sku.product_id)

    await db.transaction(work)


async def _deactivate(sku_id: str) -> None:
    async def work(session: AsyncSession) -> None:
        await catalog.update_sku(session, uuid.UUID(sku_id), active=False)

    await db.transaction(work)


async def test_archived_or_inactive_skus_are_not_sold(
    client: httpx.AsyncClient, shop: Shop, buyer: Account
) -> None:
    await _archive(shop)
    body = problem(await place(client, buyer, (shop.c, 1)), 422, "sku_unavailable")
    assert body["sku_id"] == shop.c
    await _deactivate(shop.b)
    problem(await place(client, buyer, (shop.a, 1), (shop.b, 1)), 422, "sku_unavailable")
    assert await levels(shop.a) == (10, 0, 0)
    assert await count_orders() == 0


def _lines(sku: str, *quantities: Any) -> list[dict[str, Any]]:
    return [{"sku_id": sku, "quantity": quantity} for quantity in quantities]


BAD_BODIES: list[tuple[str, Any, int, str]] = [
    ("zero quantity", {"lines": "A:0"}, 422, "validation_error"),
    ("negative quantity", {"lines": "A:-1"}, 422, "validation_error"),
    ("huge quantity", {"lines": "A:10000000000000000000000"}, 422, "validation_error"),
    ("quantity over the configured maximum", {"lines": "A:1000"}, 422, "invalid_quantity"),
    ("merged lines over the maximum", {"lines": "A:600,A:600"}, 422, "invalid_quantity"),
    ("float quantity", {"lines": "A:1.5"}, 422, "validation_error"),
    ("no lines", {"lines": ""}, 422, "validation_error"),
    ("too many lines", {"lines": ",".join(["A:1"] * 51)}, 422, "too_many_lines"),
    ("absurdly many lines", {"lines": ",".join(["A:1"] * 501)}, 422, "validation_error"),
    ("unknown sku", {"sku": "01a21251-0ec0-7343-831c-9ff3b4cc6e5e"}, 404, "sku_not_found"),
    ("malformed sku id", {"sku": "not-a-uuid"}, 422, "validation_error"),
    ("missing address", {"drop": "address"}, 422, "validation_error"),
    ("missing city", {"drop_address": "city"}, 422, "validation_error"),
    ("blank district", {"address": {"district": "   "}}, 422, "invalid_address"),
    ("bad phone", {"address": {"phone": "12345"}}, 422, "invalid_phone"),
    ("overlong line1", {"address": {"line1": "x" * 201}}, 422, "validation_error"),
    ("unknown address field", {"address": {"zip": "310000"}}, 422, "validation_error"),
    ("unknown top-level field", {"extra": {"coupon": "FREE"}}, 422, "validation_error"),
    ("overlong share code", {"extra": {"share_code": "s" * 33}}, 422, "validation_error"),
    ("lines not a list", {"raw_lines": {"sku_id": "x"}}, 422, "validation_error"),
]


def _bad_body(shop: Shop, spec: dict[str, Any]) -> dict[str, Any]:
    body = order_body((shop.a, 1))
    if "lines" in spec:
        body["lines"] = [
            {"sku_id": shop.a, "quantity": int(q) if q.lstrip("-").isdigit() else float(q)}
            for q in (item.split(":")[1] for item in spec["lines"].split(",") if item)
        ]
    if "sku" in spec:
        body["lines"] = [{"sku_id": spec["sku"], "quantity": 1}]
    if "raw_lines" in spec:
        body["lines"] = spec["raw_lines"]
    if "drop" in spec:
        del body[spec["drop"]]
    if "drop_address" in spec:
        body["address"] = {k: v for k, v in ADDRESS.items() if k != spec["drop_address"]}
    if "address" in spec:
        body["address"] = {**ADDRESS, **spec["address"]}
    if "extra" in spec:
        body.update(spec["extra"])
    return body


@pytest.mark.parametrize(
    ("spec", "status", "code"),
    [pytest.param(spec, status, code, id=name) for name, spec, status, code in BAD_BODIES],
)
async def test_bad_order_bodies(
    client: httpx.AsyncClient,
    shop: Shop,
    buyer: Account,
    spec: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = await client.post(
        "/api/v1/orders",
        json=_bad_body(shop, spec),
        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    problem(response, status, code)
    assert await count_orders() == 0
    assert await levels(shop.a) == (10, 0, 0)


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        pytest.param({}, 400, "idempotency_key_required", id="missing key"),
        pytest.param({"Idempotency-Key": "  "}, 400, "idempotency_key_required", id="blank key"),
        pytest.param({"Idempotency-Key": "k" * 201}, 400, "idempotency_key_invalid", id="long key"),
    ],
)
async def test_idempotency_key_is_required_and_bounded(
    client: httpx.AsyncClient,
    shop: Shop,
    buyer: Account,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await client.post(
        "/api/v1/orders", json=order_body((shop.a, 1)), headers={**buyer.headers, **headers}
    )
    problem(response, status, code)
    assert await count_orders() == 0


async def test_placing_needs_a_valid_token(client: httpx.AsyncClient, shop: Shop) -> None:
    no_auth = await client.post(
        "/api/v1/orders", json=order_body((shop.a, 1)), headers={"Idempotency-Key": "k"}
    )
    problem(no_auth, 401, "unauthorized")
    bad = await client.post(
        "/api/v1/orders",
        json=order_body((shop.a, 1)),
        headers={"Idempotency-Key": "k", "Authorization": "Bearer qz_nope"},
    )
    assert bad.status_code == 401
    assert await count_orders() == 0


async def test_malformed_json_is_400(client: httpx.AsyncClient, buyer: Account) -> None:
    response = await client.post(
        "/api/v1/orders",
        content=b'{"lines": [',
        headers={**buyer.headers, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    problem(response, 400, "malformed_json")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/orders/not-a-uuid", 422, "validation_error"),
        ("/api/v1/orders/01a21251-0ec0-7343-831c-9ff3b4cc6e5e", 404, "order_not_found"),
        ("/api/v1/orders?status=lost", 422, "validation_error"),
        ("/api/v1/orders?limit=0", 422, "validation_error"),
        ("/api/v1/orders?limit=101", 422, "validation_error"),
        ("/api/v1/orders?cursor=garbage", 422, "invalid_cursor"),
    ],
)
async def test_bad_reads(
    client: httpx.AsyncClient, buyer: Account, url: str, status: int, code: str
) -> None:
    problem(await client.get(url, headers=buyer.headers), status, code)
