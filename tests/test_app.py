from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from quanzi.core.config import get_settings
from tests.helpers import problem


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


async def test_an_oversized_body_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    huge = "x" * (get_settings().max_body_bytes + 1)
    answer = await client.post(
        "/api/v1/auth/login",
        content=huge,
        headers={"Content-Type": "application/json"},
    )
    body = problem(answer, 413, "payload_too_large")
    assert "x" * 100 not in answer.text
    assert body["status"] == 413


async def test_a_streamed_body_is_cut_off_at_the_limit(client: httpx.AsyncClient) -> None:
    chunk = b"x" * 65536
    chunks = get_settings().max_body_bytes // len(chunk) + 2

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(chunks):
            yield chunk

    answer = await client.post(
        "/api/v1/auth/login", content=stream(), headers={"Content-Type": "application/json"}
    )
    problem(answer, 413, "payload_too_large")


async def test_an_oversized_form_gets_a_page_not_json(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/login",
        content=b"phone=" + b"1" * get_settings().max_body_bytes,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "payload_too_large" in answer.text
