from __future__ import annotations

import httpx


async def test_root_is_the_storefront_home(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<a class="brand" href="/">圈子</a>' in response.text
    assert (await client.get("/docs")).status_code == 200


async def test_openapi_lists_the_public_contract(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/health",
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/admin/suppliers",
        "/api/v1/admin/products",
        "/api/v1/products",
        "/api/v1/products/{product_id}",
        "/api/v1/orders",
        "/api/v1/orders/{order_id}",
        "/api/v1/payments/{payment_id}/sandbox/confirm",
        "/api/v1/admin/orders/{order_id}/ship",
        "/api/v1/orders/{order_id}/confirm-receipt",
        "/api/v1/admin/orders/{order_id}/refund",
        "/api/v1/admin/group-campaigns",
        "/api/v1/groups",
        "/api/v1/groups/{group_id}/join",
        "/api/v1/groups/{group_id}",
    ):
        assert path in paths, path
