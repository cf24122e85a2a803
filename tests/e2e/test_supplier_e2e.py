"""A factory office in a real browser: the supplier logs in from the shop, finds the portal,
marks a batch produced and ships it by uploading a CSV file; the page fits a phone too."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from quanzi.core.clock import FrozenClock
from tests.e2e.conftest import NewPage
from tests.helpers import PASSWORD, register
from tests.production.support import batches, cut_all, factory, group_order, succeed

DESKTOP = {"width": 1280, "height": 900}


async def test_a_supplier_marks_a_batch_produced_and_uploads_tracking(
    client: httpx.AsyncClient, new_page: NewPage, clock: FrozenClock
) -> None:
    plant = await factory(client)
    placed = [await group_order(client, await register(client), plant.sku) for _ in range(2)]
    await succeed(*placed)
    await cut_all(clock)
    (batch,) = await batches(plant.supplier_id)

    office = await new_page("office")
    await office.set_viewport_size(DESKTOP)  # a factory office's desktop
    await office.goto("/login")
    await office.get_by_label("手机号").fill(plant.staff.phone)
    await office.get_by_label("密码").fill(PASSWORD)
    await office.get_by_role("main").get_by_role("button", name="登录").click()
    await office.get_by_role("link", name="供应商门户").click()
    await expect(office).to_have_url(re.compile(r"/supplier$"))
    await office.get_by_role("link", name="乳胶枕").click()
    await expect(office).to_have_url(re.compile(rf"/supplier/batches/{batch.id}$"))

    await office.get_by_role("button", name="开始生产").click()
    await expect(office.get_by_test_id("batch-status")).to_have_text("生产中")
    await office.get_by_role("button", name="标记已生产").click()
    await expect(office.get_by_test_id("batch-status")).to_have_text("已生产")
    await expect(office.get_by_test_id("done")).to_contain_text("应付货款 ¥24 已入账")

    rows = "".join(f"{order_id},中通快递,ZT{n}\r\n" for n, order_id in enumerate(placed))
    await office.get_by_label("CSV 文件").set_input_files(
        {
            "name": "发货单.csv",
            "mimeType": "text/csv",
            "buffer": ("order_id,carrier,tracking_no\r\n" + rows).encode("utf-8"),
        }
    )
    await office.get_by_role("button", name="上传并发货").click()
    await expect(office.get_by_test_id("done")).to_contain_text("新发货 2 单")
    await expect(office.get_by_test_id("tracking")).to_have_count(2)

    # The same page on a phone: the orders become cards, nothing runs off the side.
    phone = await new_page("phone")
    await phone.context.add_cookies(await office.context.cookies())
    await phone.goto(f"/supplier/batches/{batch.id}")
    await expect(phone.get_by_test_id("tracking").first).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
