from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import demo
from quanzi.catalog.models import Product, Sku, Supplier, SupplierStaff
from quanzi.core import db
from quanzi.identity.models import User


async def _counts() -> dict[str, int]:
    async def count(session: AsyncSession) -> dict[str, int]:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, Supplier, SupplierStaff, Product, Sku)
        }

    return await db.transaction(count)


async def _login(client: httpx.AsyncClient, phone: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"phone": phone, "password": demo.PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_demo_seed_is_idempotent_and_usable(client: httpx.AsyncClient) -> None:
    text = await demo.seed_and_describe("0.0.0.0", 8123)
    first = await _counts()
    assert first == {
        "users": 7,
        "suppliers": 2,
        "supplier_staff": 2,
        "products": len(demo.PRODUCTS),
        "skus": sum(len(p.skus) for p in demo.PRODUCTS),
    }
    assert 18 <= first["products"] <= 25
    for expected in (
        "http://127.0.0.1:8123/",
        "http://127.0.0.1:8123/docs",
        "http://127.0.0.1:8123/api/v1/products",
        "13800000000",
        "13900000004",
        "13700000002",
        "quanzi-demo",
    ):
        assert expected in text

    again = await demo.seed_and_describe("127.0.0.1", 8000)
    assert await _counts() == first
    assert "20 products (0 new)" in again

    operator = await _login(client, "13800000000")
    me = (await client.get("/api/v1/me", headers=operator)).json()
    assert "operator" in me["roles"]
    member = (await client.get("/api/v1/me", headers=await _login(client, "13900000001"))).json()
    assert member["roles"] == ["member"]
    assert member["display_name"] == "王小梅"

    categories = (await client.get("/api/v1/categories")).json()["items"]
    assert {c["name"] for c in categories} == {"茶叶", "家纺", "水果", "日用", "数码配件"}
    listed = (await client.get("/api/v1/products", params={"limit": 100})).json()["items"]
    assert len(listed) == first["products"]
    for product in listed:
        assert 1 <= len(product["skus"]) <= 3
        for sku in product["skus"]:
            assert 50 <= sku["stock"] <= 500
        for image in product["images"]:
            response = await client.get(image)
            assert response.status_code == 200, image
            assert response.headers["content-type"].startswith("image/svg+xml")
            assert response.text.startswith("<svg")

    tea_staff = await _login(client, "13700000001")
    portal = (
        await client.get("/api/v1/supplier/products", params={"limit": 100}, headers=tea_staff)
    ).json()["items"]
    assert portal
    assert {p["supplier_name"] for p in portal} == {"云南普洱茶厂"}
    assert all(sku["supply_price_fen"] > 0 for p in portal for sku in p["skus"])


def test_cli_migrate_and_demo_twice(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QUANZI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
    }
    cli = [sys.executable, "-m", "quanzi"]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*cli, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("migrate")
    assert "(20 new)" in run("demo", "--no-serve")
    second = run("demo", "--no-serve")
    assert "20 products (0 new)" in second
    assert "13800000000" in second
