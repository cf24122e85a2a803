from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from quanzi.core import db
from tests.catalog.conftest import create_product
from tests.helpers import Account, problem


def _one_sku(name: str = "标准装", price_fen: int = 1000) -> list[dict[str, Any]]:
    return [{"name": name, "price_fen": price_fen, "stock": 10}]


async def _walk(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a listing, following next_cursor to the end."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= params.get("limit", 20)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination never ended")


async def test_pagination_walks_every_product_once_newest_first(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    created = [
        (await create_product(client, op, supplier_id, title=f"商品 {i:02d}", skus=_one_sku()))[
            "id"
        ]
        for i in range(23)
    ]
    archived = created[5]
    assert (
        await client.delete(f"/api/v1/admin/products/{archived}", headers=op.headers)
    ).status_code == 204
    on_sale = [pid for pid in created if pid != archived]

    for limit in (1, 4, 7, 22, 100):
        walked = await _walk(client, "/api/v1/products", limit=limit)
        ids = [item["id"] for item in walked]
        assert len(ids) == len(set(ids)), "a product appeared on two pages"
        assert set(ids) == set(on_sale), "a product was skipped"
        # UUIDv7 ids grow with time: newest first means descending ids.
        assert ids == sorted(ids, key=uuid.UUID, reverse=True)

    exact = await client.get("/api/v1/products", params={"limit": 22})
    assert len(exact.json()["items"]) == 22
    assert exact.json()["next_cursor"] is None
    default = await client.get("/api/v1/products")
    assert len(default.json()["items"]) == 20
    assert default.json()["next_cursor"] is not None


async def test_admin_listing_includes_archived_and_filters(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    other = await client.post(
        "/api/v1/admin/suppliers", json={"name": "宁波家纺工厂"}, headers=op.headers
    )
    other_id = other.json()["id"]
    kept = await create_product(client, op, supplier_id, skus=_one_sku())
    gone = await create_product(client, op, supplier_id, title="旧款", skus=_one_sku())
    towel = await create_product(
        client, op, other_id, title="纯棉毛巾", category="家纺", skus=_one_sku()
    )
    await client.delete(f"/api/v1/admin/products/{gone['id']}", headers=op.headers)

    newest_first = sorted([kept["id"], gone["id"], towel["id"]], key=uuid.UUID, reverse=True)
    everything = await client.get("/api/v1/admin/products", headers=op.headers)
    assert [p["id"] for p in everything.json()["items"]] == newest_first
    active = await client.get("/api/v1/admin/products?status=active", headers=op.headers)
    assert [p["id"] for p in active.json()["items"]] == [
        pid for pid in newest_first if pid != gone["id"]
    ]
    by_supplier = await client.get(
        "/api/v1/admin/products", params={"supplier_id": other_id}, headers=op.headers
    )
    assert [p["id"] for p in by_supplier.json()["items"]] == [towel["id"]]
    problem(
        await client.get("/api/v1/admin/products?status=gone", headers=op.headers),
        422,
        "validation_error",
    )
    walked: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/api/v1/admin/products", params=params, headers=op.headers)
        ).json()
        walked += [p["id"] for p in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert walked == newest_first


async def test_category_filter_and_counts(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    for title, category in [
        ("普洱熟茶", "茶叶"),
        ("滇红", "茶叶"),
        ("白茶", "茶叶"),
        ("蓝莓", "水果"),
        ("芒果", "水果"),
        ("毛巾", "家纺"),
    ]:
        await create_product(
            client, op, supplier_id, title=title, category=category, skus=_one_sku()
        )
    archived = await create_product(client, op, supplier_id, category="家纺", skus=_one_sku())
    await client.delete(f"/api/v1/admin/products/{archived['id']}", headers=op.headers)

    categories = (await client.get("/api/v1/categories")).json()["items"]
    assert categories == [
        {"name": "茶叶", "product_count": 3},
        {"name": "水果", "product_count": 2},
        {"name": "家纺", "product_count": 1},
    ]
    fruit = await _walk(client, "/api/v1/products", category="水果", limit=1)
    assert sorted(p["title"] for p in fruit) == ["芒果", "蓝莓"]
    assert (await client.get("/api/v1/products", params={"category": "数码"})).json() == {
        "items": [],
        "next_cursor": None,
    }
    problem(
        await client.get("/api/v1/products", params={"category": "茶\x01"}),
        422,
        "invalid_category",
    )


async def test_search_is_case_insensitive_over_title_and_description(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    puer = await create_product(
        client, op, supplier_id, title="Menghai Pu'er 古树茶", description="", skus=_one_sku()
    )
    cable = await create_product(
        client,
        op,
        supplier_id,
        title="编织数据线",
        description="USB-C to USB-C, 100% 铜芯, 60W",
        category="数码配件",
        skus=_one_sku(),
    )
    await create_product(client, op, supplier_id, title="纯棉毛巾", description="", skus=_one_sku())

    async def titles(q: str, **params: Any) -> list[str]:
        response = await client.get("/api/v1/products", params={"q": q, **params})
        assert response.status_code == 200, response.text
        return [p["title"] for p in response.json()["items"]]

    assert await titles("PU'ER") == [puer["title"]]
    assert await titles("menghai") == [puer["title"]]
    assert await titles("古树") == [puer["title"]]
    assert await titles("usb-c") == [cable["title"]]  # found in the description
    assert await titles("100%") == [cable["title"]]
    # LIKE wildcards in the query are plain characters, not patterns.
    assert await titles("%") == [cable["title"]]
    assert await titles("_") == []
    assert await titles("茶", category="数码配件") == []
    assert len(await titles("   ")) == 3  # a blank query searches nothing
    problem(await client.get("/api/v1/products", params={"q": "x" * 101}), 422, "validation_error")
    problem(await client.get("/api/v1/products", params={"q": "a\x00b"}), 422, "invalid_query")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "",
        "AAAA",
        base64.urlsafe_b64encode(b"p1:" + b"\x00" * 15).decode(),
        base64.urlsafe_b64encode(b"xx:" + uuid.uuid4().bytes).decode(),
        "\u732b",
    ],
)
async def test_bad_cursor_is_400(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get("/api/v1/products", params={"cursor": cursor})
    problem(response, 400, "invalid_cursor")


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5"])
async def test_bad_limit_is_422(client: httpx.AsyncClient, limit: str) -> None:
    problem(await client.get("/api/v1/products", params={"limit": limit}), 422, "validation_error")


@contextmanager
def _counting_selects() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        sql = str(args[2])
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append(sql)

    engine = db.engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_page_costs_two_queries_whatever_its_size(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    skus = [{"name": f"规格{i}", "price_fen": 1000 + i, "stock": 5} for i in range(3)]
    for i in range(15):
        await create_product(client, op, supplier_id, title=f"商品{i}", skus=skus)
    with _counting_selects() as small:
        page = await client.get("/api/v1/products", params={"limit": 2})
    with _counting_selects() as large:
        page = await client.get("/api/v1/products", params={"limit": 15})
    assert all(len(p["skus"]) == 3 for p in page.json()["items"])
    assert len(small) == len(large) == 2, large
