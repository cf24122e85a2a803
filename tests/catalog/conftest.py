"""Shared setup for catalog tests: an operator, a supplier, and a product factory."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import Account, operator


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def supplier_id(client: httpx.AsyncClient, op: Account) -> str:
    response = await client.post(
        "/api/v1/admin/suppliers", json={"name": "云南普洱茶厂"}, headers=op.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def product_body(supplier_id: str, /, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "勐海古树普洱生茶饼",
        "supplier_id": supplier_id,
        "category": "茶叶",
        "description": "2018 年春茶，357 克一饼。",
        "images": ["/static/demo/tea-puer-cake.svg"],
        "skus": [
            {"name": "357g 单饼", "price_fen": 29800, "member_price_fen": 25800, "stock": 100},
            {"name": "整提 7 饼", "price_fen": 198000, "supply_price_fen": 90000, "stock": 20},
        ],
    }
    body.update(overrides)
    return body


async def create_product(
    client: httpx.AsyncClient, op: Account, supplier_id: str, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/admin/products", json=product_body(supplier_id, **overrides), headers=op.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
