from __future__ import annotations

import uuid

import httpx

from quanzi.catalog import service
from quanzi.core import db
from tests.catalog.conftest import create_product
from tests.helpers import PASSWORD, Account, problem, register


async def _login(client: httpx.AsyncClient, phone: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_supplier_crud(client: httpx.AsyncClient, op: Account) -> None:
    created = await client.post(
        "/api/v1/admin/suppliers", json={"name": "  宁波家纺工厂 "}, headers=op.headers
    )
    assert created.status_code == 201, created.text
    supplier = created.json()
    assert supplier["name"] == "宁波家纺工厂"
    assert set(supplier) == {"id", "name", "created_at"}

    duplicate = await client.post(
        "/api/v1/admin/suppliers", json={"name": "宁波家纺工厂"}, headers=op.headers
    )
    problem(duplicate, 409, "supplier_name_taken")
    second = await client.post(
        "/api/v1/admin/suppliers", json={"name": "云南普洱茶厂"}, headers=op.headers
    )
    newest_first = sorted([supplier, second.json()], key=lambda s: uuid.UUID(s["id"]), reverse=True)
    listed = await client.get("/api/v1/admin/suppliers", headers=op.headers)
    assert listed.json()["items"] == newest_first
    first_page = await client.get("/api/v1/admin/suppliers?limit=1", headers=op.headers)
    rest = await client.get(
        "/api/v1/admin/suppliers",
        params={"limit": 1, "cursor": first_page.json()["next_cursor"]},
        headers=op.headers,
    )
    assert rest.json()["items"] == newest_first[1:]
    assert rest.json()["next_cursor"] is None

    url = f"/api/v1/admin/suppliers/{supplier['id']}"
    renamed = await client.patch(url, json={"name": "宁波甬江家纺"}, headers=op.headers)
    assert renamed.json()["name"] == "宁波甬江家纺"
    clash = await client.patch(url, json={"name": second.json()["name"]}, headers=op.headers)
    problem(clash, 409, "supplier_name_taken")
    assert (await client.get(url, headers=op.headers)).json()["name"] == "宁波甬江家纺"
    for bad in ({"name": ""}, {"name": None}, {"name": "x" * 121}, {"city": "宁波"}):
        problem(await client.patch(url, json=bad, headers=op.headers), 422, "validation_error")
    problem(
        await client.patch(url, json={"name": "厂\x00"}, headers=op.headers),
        422,
        "invalid_supplier_name",
    )
    problem(
        await client.patch(
            f"/api/v1/admin/suppliers/{uuid.uuid4()}", json={"name": "Z"}, headers=op.headers
        ),
        404,
        "supplier_not_found",
    )


async def test_staff_link_grants_role_and_scopes_the_portal(
    client: httpx.AsyncClient, op: Account, supplier_id: str
) -> None:
    other = await client.post(
        "/api/v1/admin/suppliers", json={"name": "宁波家纺工厂"}, headers=op.headers
    )
    other_id = other.json()["id"]
    tea = await create_product(client, op, supplier_id)
    await create_product(
        client,
        op,
        other_id,
        title="纯棉毛巾",
        category="家纺",
        skus=[{"name": "三条装", "price_fen": 3990, "stock": 30}],
    )
    archived = await create_product(client, op, supplier_id, title="停产茶")
    await client.delete(f"/api/v1/admin/products/{archived['id']}", headers=op.headers)

    worker = await register(client, name="刘师傅")
    problem(await client.get("/api/v1/supplier/products", headers=worker.headers), 403, "forbidden")
    problem(
        await client.post(
            f"/api/v1/admin/suppliers/{supplier_id}/staff",
            json={"phone": "13312345678"},
            headers=op.headers,
        ),
        404,
        "user_not_found",
    )
    linked = await client.post(
        f"/api/v1/admin/suppliers/{supplier_id}/staff",
        json={"phone": worker.phone},
        headers=op.headers,
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["user_id"] == worker.id
    assert linked.json()["display_name"] == "刘师傅"
    again = await client.post(
        f"/api/v1/admin/suppliers/{supplier_id}/staff",
        json={"phone": worker.phone},
        headers=op.headers,
    )
    assert again.status_code == 201
    elsewhere = await client.post(
        f"/api/v1/admin/suppliers/{other_id}/staff",
        json={"phone": worker.phone},
        headers=op.headers,
    )
    problem(elsewhere, 409, "staff_of_other_supplier")
    staff = await client.get(f"/api/v1/admin/suppliers/{supplier_id}/staff", headers=op.headers)
    assert [m["phone"] for m in staff.json()["items"]] == [worker.phone]

    me = await client.get("/api/v1/me", headers=worker.headers)
    assert "supplier" in me.json()["roles"]
    assert await db.transaction(
        lambda s: service.supplier_for_user(s, uuid.UUID(worker.id))
    ) == uuid.UUID(supplier_id)
    assert await db.transaction(lambda s: service.supplier_for_user(s, uuid.UUID(op.id))) is None

    portal = await client.get("/api/v1/supplier/products", headers=worker.headers)
    assert portal.status_code == 200, portal.text
    items = portal.json()["items"]
    assert [p["id"] for p in items] == sorted(
        [archived["id"], tea["id"]], key=uuid.UUID, reverse=True
    )
    assert items[0]["skus"][0].keys() >= {"stock", "reserved", "sold", "supply_price_fen"}
    searched = await client.get("/api/v1/supplier/products?q=停产", headers=worker.headers)
    assert [p["id"] for p in searched.json()["items"]] == [archived["id"]]
    # Staff are not operators.
    problem(await client.get("/api/v1/admin/products", headers=worker.headers), 403, "forbidden")

    removed = await client.delete(
        f"/api/v1/admin/suppliers/{supplier_id}/staff/{worker.id}", headers=op.headers
    )
    assert removed.status_code == 204
    problem(
        await client.delete(
            f"/api/v1/admin/suppliers/{supplier_id}/staff/{worker.id}", headers=op.headers
        ),
        404,
        "staff_not_found",
    )
    problem(
        await client.get("/api/v1/supplier/products", headers=worker.headers),
        403,
        "not_supplier_staff",
    )
    moved = await client.post(
        f"/api/v1/admin/suppliers/{other_id}/staff",
        json={"phone": worker.phone},
        headers=op.headers,
    )
    assert moved.status_code == 201
    portal = await client.get(
        "/api/v1/supplier/products", headers=await _login(client, worker.phone)
    )
    assert [p["title"] for p in portal.json()["items"]] == ["纯棉毛巾"]


async def test_staff_routes_check_supplier_and_input(
    client: httpx.AsyncClient, op: Account
) -> None:
    missing = uuid.uuid4()
    problem(
        await client.post(
            f"/api/v1/admin/suppliers/{missing}/staff",
            json={"phone": "13312345678"},
            headers=op.headers,
        ),
        404,
        "supplier_not_found",
    )
    problem(
        await client.get(f"/api/v1/admin/suppliers/{missing}/staff", headers=op.headers),
        404,
        "supplier_not_found",
    )
    problem(
        await client.post(
            f"/api/v1/admin/suppliers/{missing}/staff", json={"phone": ""}, headers=op.headers
        ),
        422,
        "validation_error",
    )
