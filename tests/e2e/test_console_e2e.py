"""The operator in a real browser against the real server: a member's withdrawal approved
on the withdrawals page and paid, then the dashboard's charts, whose Chart.js data must
equal what the seeded orders imply."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect

from quanzi.analytics import rules as analytics_rules
from quanzi.core import clock
from quanzi.core.config import get_settings
from tests.analytics.support import sweep
from tests.e2e.conftest import NewPage
from tests.helpers import PASSWORD, Account, operator, register
from tests.referral.support import buy, make_product, share_code
from tests.wallet.support import fund

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


async def chart(page: Any, key: str) -> dict[str, Any]:
    """The labels and datasets Chart.js holds for the chart ``key``."""
    data: dict[str, Any] = await page.evaluate(
        """key => {
            const chart = Chart.getChart(document.querySelector(`canvas[data-chart="${key}"]`));
            return {
                labels: chart.data.labels,
                datasets: chart.data.datasets.map(set => ({label: set.label, data: set.data})),
            };
        }""",
        key,
    )
    return data


async def test_the_operator_approves_a_withdrawal_and_reads_the_dashboard(
    new_page: NewPage, live_server: str
) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as api:
        op: Account = await operator(api)
        member = await register(api, name="王店主")
        buyer = await register(api, name="李买家")
        product = await make_product(price_fen=2500)
        code = await share_code(api, member, product)
        orders = [
            await buy(api, buyer, product, share_code=code),
            await buy(api, buyer, product, quantity=1),
        ]
        await fund(member.id, 50_000)
        requested = await api.post(
            "/api/v1/me/withdrawals", json={"amount_fen": 12_000}, headers=member.headers
        )
        assert requested.status_code == 201, requested.text
        withdrawal_id = requested.json()["id"]
    await sweep()  # what the worker's analytics.roll_up sweep does (off in these tests)

    page = await new_page("operator")
    await page.set_viewport_size(DESKTOP)
    await page.goto("/admin/withdrawals")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("手机号").fill(op.phone)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="登录").click()
    await expect(page).to_have_url(re.compile(r"/admin/withdrawals$"))
    row = page.locator(f'tr[data-withdrawal="{withdrawal_id}"]')
    await expect(row).to_contain_text("王店主")
    await expect(row).to_contain_text("¥120")
    await row.get_by_test_id("approve").click()
    decision = page.get_by_test_id("decision")
    await expect(decision).to_have_attribute("data-status", "paid")
    await expect(decision).to_contain_text("¥120")
    await expect(page.locator(f'tr[data-withdrawal="{withdrawal_id}"]')).to_have_count(0)
    await page.get_by_role("link", name="已打款").click()
    await expect(page.locator(f'tr[data-withdrawal="{withdrawal_id}"]')).to_contain_text("已打款")

    await (
        page.get_by_role("navigation", name="后台栏目").get_by_role("link", name="数据看板").click()
    )
    await page.get_by_role("link", name="近 7 天").click()
    await expect(page).to_have_url(re.compile(r"/admin\?days=7$"))
    await expect(page.locator('canvas[data-chart="gmv"]')).to_be_visible()
    today = analytics_rules.shop_day(clock.now(), get_settings().timezone).isoformat()
    gmv = await chart(page, "gmv")
    assert len(gmv["labels"]) == 7
    assert gmv["labels"][-1] == today
    assert gmv["datasets"][0]["data"][-1] == sum(order["total_fen"] for order in orders)
    assert sum(gmv["datasets"][0]["data"]) == sum(order["total_fen"] for order in orders)
    counts = await chart(page, "orders")
    assert counts["datasets"][0]["data"][-1] == len(orders)
    assert counts["datasets"][1]["data"][-1] == 1  # one buyer
    sharers = await chart(page, "sharers")
    assert sharers["labels"] == ["王店主"]
    assert sharers["datasets"][0]["data"] == [5000]  # the shared order's goods, no shipping
    # Drawn, the data tables fold away; they are still there to open.
    await expect(page.locator("details.chart-data").first).not_to_have_attribute("open", "")

    # Still usable on a phone: nothing wider than the screen but the scrolling tables.
    await page.set_viewport_size(PHONE)
    await page.reload()
    await expect(page.locator('canvas[data-chart="sharers"]')).to_be_visible()
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
