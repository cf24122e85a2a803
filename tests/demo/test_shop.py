"""The seeded demo shop through the real app: its logins, catalogue, dashboard and portals,
what ``quanzi demo`` prints, and a second ``quanzi demo`` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from quanzi import demo
from quanzi.demo import catalog
from tests.demo.conftest import PORT, Seeded, history_lines, table_counts

pytestmark = pytest.mark.usefixtures("shop")


async def _login(client: httpx.AsyncClient, phone: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"phone": phone, "password": demo.PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_quanzi_demo_says_where_to_look_and_who_to_log_in_as(shop: Seeded) -> None:
    text = shop.text
    for expected in (
        f"http://127.0.0.1:{PORT}/",
        f"http://127.0.0.1:{PORT}/docs",
        f"http://127.0.0.1:{PORT}/api/v1/products",
        f"http://127.0.0.1:{PORT}/me",
        f"http://127.0.0.1:{PORT}/supplier",
        f"http://127.0.0.1:{PORT}/admin",
        "13800000000",
        "13900000004",
        "13700000002",
        "quanzi-demo",
        "20 products (20 new)",
        "90 days of history: 304 members",
        "13900000001  王小梅  (sales manager",
        "service manager  13600000001  周建国",
        "Groups right now: waiting for ",
    ):
        assert expected in text, expected
    assert len(history_lines(text)) == 4


async def test_demo_logins_and_catalogue(api: httpx.AsyncClient) -> None:
    operator = await _login(api, "13800000000")
    me = (await api.get("/api/v1/me", headers=operator)).json()
    assert "operator" in me["roles"]
    member = (await api.get("/api/v1/me", headers=await _login(api, "13900000001"))).json()
    assert member["roles"] == ["member"]
    assert member["display_name"] == "王小梅"
    assert member["rank"] == "sales_manager"
    manager = (await api.get("/api/v1/me", headers=await _login(api, "13600000001"))).json()
    assert manager["rank"] == "service_manager"

    categories = (await api.get("/api/v1/categories")).json()["items"]
    assert {c["name"] for c in categories} == {"茶叶", "家纺", "水果", "日用", "数码配件"}
    listed = (await api.get("/api/v1/products", params={"limit": 100})).json()["items"]
    assert len(listed) == len(catalog.PRODUCTS)
    for product in listed:
        assert 1 <= len(product["skus"]) <= 3
        for sku in product["skus"]:
            # Sold for 90 days and restocked by the operator when it ran low.
            assert 1 <= sku["stock"] <= 500
        for image in product["images"]:
            response = await api.get(image)
            assert response.status_code == 200, image
            assert response.headers["content-type"].startswith("image/svg+xml")

    tea_staff = await _login(api, "13700000001")
    portal = (
        await api.get("/api/v1/supplier/products", params={"limit": 100}, headers=tea_staff)
    ).json()["items"]
    assert {p["supplier_name"] for p in portal} == {"云南普洱茶厂"}
    batches = (await api.get("/api/v1/supplier/batches", headers=tea_staff)).json()["items"]
    assert {b["status"] for b in batches} >= {"in_production", "produced"}

    wallet = (await api.get("/api/v1/me/wallet", headers=await _login(api, "13900000001"))).json()
    assert wallet["pending_fen"] > 0
    assert wallet["available_fen"] > 0
    assert wallet["withdrawn_fen"] > 0


async def test_the_dashboard_shows_all_90_days(api: httpx.AsyncClient) -> None:
    operator = await _login(api, "13800000000")
    response = await api.get("/api/v1/admin/dashboard", params={"days": 90}, headers=operator)
    assert response.status_code == 200, response.text
    board = response.json()
    assert len(board["days"]) == 90
    for day in board["days"]:
        assert day["orders"] >= 1, day["date"]
        assert day["gmv_fen"] > 0, day["date"]
    totals = board["totals"]
    assert totals["memberships_sold"] >= 100
    assert totals["groups_succeeded"] > totals["groups_failed"] > 0
    assert 0 < totals["member_share_bp"] < 10_000
    assert 0 < totals["membership_share_bp"] < 10_000
    assert totals["repurchase_bp"] > 0
    assert totals["refunds"] > 0
    assert board["days"][-1]["active_members"] >= 100
    assert len(board["top_sharers"]) >= 5


async def test_quanzi_demo_again_from_the_command_line(shop: Seeded) -> None:
    before = await table_counts()
    env = {**os.environ, "QUANZI_DATABASE_URL": shop.url, "QUANZI_RUN_WORKER_IN_PROCESS": "false"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "quanzi", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("migrate")
    again = run("demo", "--no-serve")
    assert "7 accounts (0 new)" in again
    assert "20 products (0 new)" in again
    assert "13800000000" in again
    assert history_lines(again) == history_lines(shop.text)
    after = await table_counts()
    # Run on today's clock, the set-up starts the campaigns that ended since the seed's
    # "now" (as the operator would); nothing else is added.
    campaigns = "group_campaigns"
    assert {k: v for k, v in after.items() if k != campaigns} == {
        k: v for k, v in before.items() if k != campaigns
    }
