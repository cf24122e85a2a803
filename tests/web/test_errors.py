"""Pages never show a stack trace: friendly pages with the problem code, API unchanged."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from quanzi.catalog import queries
from tests.web.support import Browser, Shop, text_of


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/no-such-page", 404, "not_found"),
        ("/p/not-an-id", 404, "product_not_found"),
        (f"/p/{uuid.uuid4()}", 404, "product_not_found"),
        (f"/g/{uuid.uuid4()}", 404, "group_not_found"),
        ("/g/x", 404, "group_not_found"),
        ("/search?cursor=garbage", 400, "invalid_cursor"),
        ("/search?q=" + "x" * 300, 400, "validation_error"),
    ],
)
async def test_refusals_render_a_friendly_page(
    browser: Browser, url: str, status: int, code: str
) -> None:
    response = await browser.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f'data-problem="{code}"' in response.text
    assert "返回首页" in text_of(response.text)


async def test_error_pages_follow_the_language(browser: Browser) -> None:
    await browser.get("/?lang=en")
    response = await browser.get(f"/p/{uuid.uuid4()}")
    assert "This product does not exist" in text_of(response.text)
    assert '<html lang="en">' in response.text


async def test_pages_need_a_login_where_it_matters(browser: Browser, shop: Shop) -> None:
    for url in ("/orders", f"/checkout?campaign={shop.campaign_id}", f"/pay/{uuid.uuid4()}"):
        response = await browser.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=")


async def test_api_errors_stay_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/v1/products/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "product_not_found"
    wants_json = await client.get("/no-such-page", headers={"Accept": "application/json"})
    assert wants_json.headers["content-type"].startswith("application/problem+json")


async def test_an_unexpected_failure_is_a_plain_apology(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, shop: Shop
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom: secret internals")

    monkeypatch.setattr(queries, "get_product_view", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get(f"/p/{shop.product_id}")
    assert response.status_code == 500
    assert 'data-problem="internal_error"' in response.text
    assert "boom" not in response.text
    assert "Traceback" not in response.text
    assert "什么都没有保存" in text_of(response.text)
