from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from quanzi.core.money import MAX_AMOUNT_FEN
from tests.catalog.conftest import create_product, product_body
from tests.helpers import Account, account_with_roles, problem, register


async def test_create_product_contract_and_public_view(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    created = await create_product(client, op, supplier_id)
    assert uuid.UUID(created["id"])
    assert created["status"] == "active"
    assert created["supplier_name"] == "云南普洱茶厂"
    assert [sku["name"] for sku in created["skus"]] == ["357g 单饼", "整提 7 饼"]
    first, second = created["skus"]
    assert uuid.UUID(first["id"])
    assert uuid.UUID(second["id"])
    assert first["price_fen"] == 29800
    assert first["member_price_fen"] == 25800
    assert (first["stock"], first["reserved"], first["sold"]) == (100, 0, 0)
    assert second["supply_price_fen"] == 90000
    assert second["member_price_fen"] is None

    public = await client.get(f"/api/v1/products/{created['id']}")
    assert public.status_code == 200
    body = public.json()
    assert body["title"] == "勐海古树普洱生茶饼"
    assert body["price_fen"] == 29800
    assert body["member_price_fen"] == 25800
    assert body["in_stock"] is True
    assert body["images"] == ["/static/demo/tea-puer-cake.svg"]
    # Supply prices and order counters are the shop's business, not the buyer's.
    for sku in body["skus"]:
        assert set(sku) == {"id", "name", "price_fen", "member_price_fen", "stock", "in_stock"}


async def test_admin_routes_need_an_operator(client: httpx.AsyncClient, supplier_id: str) -> None:
    member = await register(client)
    supplier_staff = await account_with_roles(client, "supplier")
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/api/v1/admin/suppliers", {"name": "X"}),
        ("GET", "/api/v1/admin/suppliers", None),
        ("PATCH", f"/api/v1/admin/suppliers/{supplier_id}", {"name": "Y"}),
        ("POST", f"/api/v1/admin/suppliers/{supplier_id}/staff", {"phone": member.phone}),
        ("POST", "/api/v1/admin/products", product_body(supplier_id)),
        ("GET", "/api/v1/admin/products", None),
        ("POST", f"/api/v1/admin/skus/{uuid.uuid4()}/stock", {"delta": 1}),
    ]
    for method, url, body in calls:
        anonymous = await client.request(method, url, json=body)
        problem(anonymous, 401, "unauthorized")
        for account in (member, supplier_staff):
            refused = await client.request(method, url, json=body, headers=account.headers)
            problem(refused, 403, "forbidden")
    products = await client.get("/api/v1/products")
    assert products.json()["items"] == []


async def test_unknown_supplier_is_404(client: httpx.AsyncClient, op: Account) -> None:
    response = await client.post(
        "/api/v1/admin/products", json=product_body(str(uuid.uuid4())), headers=op.headers
    )
    problem(response, 404, "supplier_not_found")


def _sku(**overrides: Any) -> dict[str, Any]:
    return {"name": "默认", "price_fen": 1000, "stock": 10, **overrides}


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"skus": [_sku(price_fen=0)]}, "validation_error"),
        ({"skus": [_sku(price_fen=-100)]}, "validation_error"),
        ({"skus": [_sku(price_fen=MAX_AMOUNT_FEN + 1)]}, "validation_error"),
        ({"skus": [_sku(price_fen=10**30)]}, "validation_error"),
        ({"skus": [_sku(price_fen=12.5)]}, "validation_error"),
        ({"skus": [_sku(price_fen="1000")]}, "validation_error"),
        ({"skus": [_sku(price_fen=True)]}, "validation_error"),
        ({"skus": [_sku(member_price_fen=0)]}, "validation_error"),
        ({"skus": [_sku(member_price_fen=1001)]}, "member_price_above_price"),
        ({"skus": [_sku(supply_price_fen=-1)]}, "validation_error"),
        ({"skus": [_sku(stock=-1)]}, "validation_error"),
        ({"skus": [_sku(stock=10**12)]}, "validation_error"),
        ({"skus": []}, "validation_error"),
        ({"skus": [_sku(name=f"规格{i}") for i in range(51)]}, "validation_error"),
        ({"skus": [_sku(), _sku()]}, "duplicate_sku_name"),
        ({"skus": [_sku(name="   ")]}, "invalid_sku_name"),
        ({"skus": [_sku(colour="red")]}, "validation_error"),
        ({"title": "   "}, "invalid_title"),
        ({"title": "茶\x00饼"}, "invalid_title"),
        ({"title": "x" * 201}, "validation_error"),
        ({"category": ""}, "validation_error"),
        ({"description": "好茶\x00"}, "invalid_description"),
        ({"images": ["javascript:alert(1)"]}, "invalid_image_url"),
        ({"images": ["//evil.example/x.png"]}, "invalid_image_url"),
        ({"images": ["ftp://example.com/x.png"]}, "invalid_image_url"),
        ({"images": ["https://"]}, "invalid_image_url"),
        ({"images": [f"/static/{i}.svg" for i in range(11)]}, "validation_error"),
        ({"supplier_id": "not-a-uuid"}, "validation_error"),
        ({"unexpected": 1}, "validation_error"),
    ],
)
async def test_bad_product_input_is_refused_without_writing(
    client: httpx.AsyncClient, op: Account, supplier_id: str, overrides: dict[str, Any], code: str
) -> None:
    response = await client.post(
        "/api/v1/admin/products", json=product_body(supplier_id, **overrides), headers=op.headers
    )
    problem(response, 422, code)
    listed = await client.get("/api/v1/admin/products", headers=op.headers)
    assert listed.json()["items"] == []


async def test_malformed_json_and_ids(client: httpx.AsyncClient, op: Account) -> None:
    bad_json = await client.post(
        "/api/v1/admin/products",
        content=b"{not json",
        headers={**op.headers, "content-type": "application/json"},
    )
    problem(bad_json, 400, "malformed_json")
    for url in ("/api/v1/products/123", "/api/v1/products/not-a-uuid"):
        problem(await client.get(url), 422, "validation_error")
    for method, url in (
        ("PATCH", "/api/v1/admin/products/nope"),
        ("PATCH", "/api/v1/admin/skus/nope"),
        ("POST", "/api/v1/admin/skus/nope/stock"),
        ("PATCH", "/api/v1/admin/suppliers/nope"),
    ):
        response = await client.request(method, url, json={}, headers=op.headers)
        problem(response, 422, "validation_error")


async def test_unknown_ids_are_404(client: httpx.AsyncClient, op: Account) -> None:
    missing = uuid.uuid4()
    problem(await client.get(f"/api/v1/products/{missing}"), 404, "product_not_found")
    problem(
        await client.get(f"/api/v1/admin/products/{missing}", headers=op.headers),
        404,
        "product_not_found",
    )
    problem(
        await client.patch(
            f"/api/v1/admin/products/{missing}", json={"title": "x"}, headers=op.headers
        ),
        404,
        "product_not_found",
    )
    problem(
        await client.delete(f"/api/v1/admin/products/{missing}", headers=op.headers),
        404,
        "product_not_found",
    )
    problem(
        await client.post(
            f"/api/v1/admin/products/{missing}/skus", json=_sku(), headers=op.headers
        ),
        404,
        "product_not_found",
    )
    problem(
        await client.patch(
            f"/api/v1/admin/skus/{missing}", json={"price_fen": 5}, headers=op.headers
        ),
        404,
        "sku_not_found",
    )
    problem(
        await client.post(
            f"/api/v1/admin/skus/{missing}/stock", json={"delta": 5}, headers=op.headers
        ),
        404,
        "sku_not_found",
    )


async def test_patch_and_archive_product(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    created = await create_product(client, op, supplier_id)
    url = f"/api/v1/admin/products/{created['id']}"
    patched = await client.patch(
        url,
        json={
            "title": " 老班章古树茶 ",
            "category": "名茶",
            "images": ["https://img.example/a.png"],
        },
        headers=op.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "老班章古树茶"
    assert patched.json()["category"] == "名茶"
    assert patched.json()["description"] == "2018 年春茶，357 克一饼。"

    problem(
        await client.patch(url, json={"title": None}, headers=op.headers), 422, "validation_error"
    )
    problem(
        await client.patch(url, json={"status": "deleted"}, headers=op.headers),
        422,
        "validation_error",
    )

    assert (await client.delete(url, headers=op.headers)).status_code == 204
    problem(await client.get(f"/api/v1/products/{created['id']}"), 404, "product_not_found")
    assert (await client.get("/api/v1/products")).json()["items"] == []
    assert (await client.get("/api/v1/categories")).json() == {"items": []}
    admin = await client.get(url, headers=op.headers)
    assert admin.json()["status"] == "archived"
    archived = await client.get("/api/v1/admin/products?status=archived", headers=op.headers)
    assert [p["id"] for p in archived.json()["items"]] == [created["id"]]

    restored = await client.patch(url, json={"status": "active"}, headers=op.headers)
    assert restored.json()["status"] == "active"
    assert (await client.get(f"/api/v1/products/{created['id']}")).status_code == 200


async def test_skus_add_update_and_deactivate(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    created = await create_product(client, op, supplier_id)
    product_id = created["id"]
    added = await client.post(
        f"/api/v1/admin/products/{product_id}/skus",
        json={"name": "100g 品鉴装", "price_fen": 5800, "stock": 40},
        headers=op.headers,
    )
    assert added.status_code == 201, added.text
    assert added.json()["position"] == 2
    duplicate = await client.post(
        f"/api/v1/admin/products/{product_id}/skus", json=_sku(name="357g 单饼"), headers=op.headers
    )
    problem(duplicate, 409, "sku_name_taken")

    sku_url = f"/api/v1/admin/skus/{created['skus'][0]['id']}"
    problem(
        await client.patch(sku_url, json={"price_fen": 20000}, headers=op.headers),
        422,
        "member_price_above_price",
    )
    problem(
        await client.patch(sku_url, json={"name": "整提 7 饼"}, headers=op.headers),
        409,
        "sku_name_taken",
    )
    problem(
        await client.patch(sku_url, json={"price_fen": None}, headers=op.headers),
        422,
        "validation_error",
    )
    cleared = await client.patch(
        sku_url, json={"price_fen": 20000, "member_price_fen": None}, headers=op.headers
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["price_fen"] == 20000
    assert cleared.json()["member_price_fen"] is None
    off = await client.patch(sku_url, json={"active": False}, headers=op.headers)
    assert off.json()["active"] is False

    public = (await client.get(f"/api/v1/products/{product_id}")).json()
    assert [sku["name"] for sku in public["skus"]] == ["整提 7 饼", "100g 品鉴装"]
    assert public["price_fen"] == 5800
    assert public["member_price_fen"] is None
    admin = (await client.get(f"/api/v1/admin/products/{product_id}", headers=op.headers)).json()
    assert [sku["name"] for sku in admin["skus"]] == ["357g 单饼", "整提 7 饼", "100g 品鉴装"]


async def test_stock_adjustments(client: httpx.AsyncClient, op: Account, supplier_id: str) -> None:
    created = await create_product(client, op, supplier_id)
    url = f"/api/v1/admin/skus/{created['skus'][0]['id']}/stock"
    restock = await client.post(url, json={"delta": 50}, headers=op.headers)
    assert restock.status_code == 200
    assert restock.json() == {
        "sku_id": created["skus"][0]["id"],
        "stock": 150,
        "reserved": 0,
        "sold": 0,
    }
    removed = await client.post(url, json={"delta": -150}, headers=op.headers)
    assert removed.json()["stock"] == 0
    refused = problem(
        await client.post(url, json={"delta": -1}, headers=op.headers), 409, "insufficient_stock"
    )
    assert refused["available"] == 0
    problem(
        await client.post(url, json={"delta": 10_000_001}, headers=op.headers),
        422,
        "validation_error",
    )
    await client.post(url, json={"delta": 10_000_000}, headers=op.headers)
    problem(
        await client.post(url, json={"delta": 1}, headers=op.headers),
        409,
        "stock_limit_exceeded",
    )
    for bad in ({"delta": 0}, {"delta": 1.5}, {"delta": "3"}, {}, {"delta": 1, "x": 1}):
        problem(await client.post(url, json=bad, headers=op.headers), 422, "validation_error")
    public = (await client.get(f"/api/v1/products/{created['id']}")).json()
    assert public["skus"][0]["stock"] == 10_000_000


async def test_sold_out_is_shown_not_hidden(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    created = await create_product(
        client, op, supplier_id, skus=[{"name": "单盒", "price_fen": 990, "stock": 0}]
    )
    public = (await client.get(f"/api/v1/products/{created['id']}")).json()
    assert public["in_stock"] is False
    assert public["skus"][0]["in_stock"] is False


@pytest.mark.postgres_only
async def test_concurrent_stock_removals_never_oversell(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    import asyncio

    created = await create_product(
        client, op, supplier_id, skus=[{"name": "单饼", "price_fen": 100, "stock": 5}]
    )
    url = f"/api/v1/admin/skus/{created['skus'][0]['id']}/stock"
    responses = await asyncio.gather(
        *(client.post(url, json={"delta": -1}, headers=op.headers) for _ in range(12))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [409] * 7
    admin = (await client.get(f"/api/v1/admin/products/{created['id']}", headers=op.headers)).json()
    assert admin["skus"][0]["stock"] == 0


async def test_product_prices_are_from_prices(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    created = await create_product(
        client,
        op,
        supplier_id,
        skus=[
            {"name": "小袋", "price_fen": 1000, "stock": 0},
            {"name": "大袋", "price_fen": 3000, "member_price_fen": 2500, "stock": 3},
        ],
    )
    public = (await client.get(f"/api/v1/products/{created['id']}")).json()
    assert public["price_fen"] == 1000
    # A member pays 10.00 for the small bag (no member price) and 25.00 for the big one.
    assert public["member_price_fen"] == 1000
    assert public["in_stock"] is True
    big = created["skus"][1]["id"]
    await client.patch(f"/api/v1/admin/skus/{big}", json={"active": False}, headers=op.headers)
    public = (await client.get(f"/api/v1/products/{created['id']}")).json()
    assert public["member_price_fen"] is None
    assert public["in_stock"] is False
