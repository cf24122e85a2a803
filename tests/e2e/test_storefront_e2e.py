"""Shoppers in a real browser against the real server: group buying from a share link,
a plain checkout, the language switch and narrow screens."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import wiring
from quanzi.core import db
from quanzi.groupbuy import seats
from quanzi.identity import service as identity
from quanzi.payments import service as payments
from tests.e2e.conftest import NewPage
from tests.web.support import ADDRESS, PASSWORD, Shop, new_phone, seed_shop

CLIPBOARD = {"permissions": ["clipboard-read", "clipboard-write"]}


async def sign_up(page: Page, name: str) -> None:
    """On the login page a protected step led to: go on to sign up, which comes back."""
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_role("main").get_by_role("link", name="注册").click()
    await expect(page).to_have_url(re.compile(r"/register\?"))
    await page.get_by_label("手机号").fill(new_phone())
    await page.get_by_label("昵称").fill(name)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="注册并登录").click()


async def fill_address_and_pay(page: Page) -> None:
    """Checkout form → sandbox payment page → paid."""
    await expect(page).to_have_url(re.compile(r"/checkout\?"))
    labels = {
        "address_name": "收货人",
        "address_phone": "联系电话",
        "address_province": "省份",
        "address_city": "城市",
        "address_district": "区县",
        "address_line1": "详细地址",
    }
    for field, label in labels.items():
        await page.get_by_label(label, exact=True).fill(ADDRESS[field])
    await page.get_by_role("button", name="提交订单").click()
    await expect(page).to_have_url(re.compile(r"/pay/"))
    await expect(page.get_by_test_id("sandbox-notice")).to_contain_text("沙箱支付")
    await page.get_by_test_id("pay").click()


async def test_a_group_started_from_a_product_page_fills_from_its_share_link(
    new_page: NewPage,
) -> None:
    shop = await seed_shop(group_size=3)
    leader = await new_page("leader", **CLIPBOARD)
    await leader.goto("/")
    assert await leader.evaluate("typeof window.htmx") == "object", "htmx is not installed"
    await leader.get_by_test_id("hot-deals").get_by_role("link").first.click()
    await expect(leader).to_have_url(re.compile(rf"/p/{shop.product_id}"))
    await expect(leader.get_by_test_id("group-price")).to_have_text("¥199")
    await leader.get_by_test_id("start-group").click()
    await sign_up(leader, "王小梅")
    await fill_address_and_pay(leader)

    await expect(leader).to_have_url(re.compile(r"/g/[0-9a-f-]{36}$"))
    group_url = leader.url
    await expect(leader.get_by_test_id("group-status")).to_have_text("拼团中")
    await expect(leader.get_by_test_id("seat-count")).to_have_text("1/3 人已付款")
    await expect(leader.locator("[data-seat=member]")).to_have_count(1)
    await expect(leader.locator("[data-seat=empty]")).to_have_count(2)
    countdown = leader.get_by_test_id("countdown")
    first_reading = await countdown.text_content()
    assert first_reading is not None
    assert re.fullmatch(r"2[34]:\d\d:\d\d", first_reading)
    # The countdown ticks in the page, without reloading it.
    await expect(countdown).not_to_have_text(first_reading, timeout=5_000)

    await leader.get_by_role("button", name="复制链接").click()
    await expect(leader.get_by_role("button", name="已复制")).to_be_visible()
    share_link = await leader.evaluate("navigator.clipboard.readText()")
    assert share_link == await leader.get_by_test_id("share-link").input_value()
    assert share_link.startswith(group_url + "?invite=")
    invite = share_link.split("?invite=")[1]

    for paid, name in ((2, "李晓明"), (3, "张伟")):
        friend = await new_page(f"friend{paid}")
        await friend.goto(share_link)
        await expect(friend.get_by_test_id("seat-count")).to_have_text(f"{paid - 1}/3 人已付款")
        await friend.get_by_test_id("join").click()
        await expect(friend).to_have_url(re.compile(r"/login\?next="))
        await friend.get_by_role("main").get_by_role("link", name="注册").click()
        await expect(friend.get_by_label("邀请码（选填）")).to_have_value(invite)
        await friend.go_back()
        await sign_up(friend, name)
        await fill_address_and_pay(friend)
        await expect(friend).to_have_url(group_url)
        await expect(friend.get_by_test_id("seat-count")).to_have_text(f"{paid}/3 人已付款")

    await expect(friend.get_by_test_id("group-status")).to_have_text("拼团成功")
    await expect(friend.locator("[data-seat=member]")).to_have_count(3)
    await expect(friend.locator("[data-seat=empty]")).to_have_count(0)
    await expect(friend.get_by_test_id("money")).to_contain_text("工厂按拼团订单生产")
    for name in ("王小梅", "李晓明", "张伟"):
        await expect(friend.get_by_test_id("seats")).to_contain_text(name)
    # The leader's open page catches up by itself (htmx polls the live part).
    await expect(leader.get_by_test_id("group-status")).to_have_text("拼团成功", timeout=15_000)
    await expect(leader.get_by_test_id("seat-count")).to_have_text("3/3 人已付款")


async def test_buying_alone_ends_on_a_paid_order(new_page: NewPage) -> None:
    shop = await seed_shop()
    page = await new_page()
    await page.goto(f"/p/{shop.product_id}")
    await page.get_by_role("link", name="整提 7 饼").click()
    await expect(page.get_by_test_id("solo-price")).to_have_text("¥1,980")
    await expect(page).to_have_url(re.compile(rf"sku={shop.big_sku_id}"))
    await page.get_by_test_id("buy-alone").click()
    await sign_up(page, "韩梅梅")
    await expect(page.get_by_test_id("checkout-price")).to_have_text("¥1,980")
    await fill_address_and_pay(page)

    await expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]{36}$"))
    status = page.get_by_test_id("order-status")
    await expect(status).to_have_text("已付款")
    await expect(status).to_have_attribute("data-status", "paid")
    await expect(page.get_by_role("main")).to_contain_text("尚未发货")
    await page.get_by_role("link", name="我的订单").click()
    await expect(page.get_by_test_id("orders")).to_contain_text(shop.title)


async def _open_group(shop: Shop) -> uuid.UUID:
    """A paid leader's open group, made through the services as the API would."""
    wiring.install()

    async def work(session: AsyncSession) -> uuid.UUID:
        user = await identity.create_user(
            session, phone=new_phone(), password=PASSWORD, display_name="Li Wei"
        )
        address: dict[str, Any] = {
            key.removeprefix("address_"): value for key, value in ADDRESS.items()
        }
        group, view = await seats.open_group(
            session, campaign_id=uuid.UUID(shop.campaign_id), leader_id=user.id, address=address
        )
        await payments.confirm_sandbox(session, view.order.payment_id, user.id)
        return group.id

    return await db.transaction(work)


async def test_english_switch_and_narrow_screens(new_page: NewPage) -> None:
    shop = await seed_shop()
    group_id = await _open_group(shop)
    page = await new_page()
    await page.goto("/")
    # Keyboard users land on the skip link first.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "跳到正文"

    for path in ("/", f"/p/{shop.product_id}", f"/g/{group_id}"):
        await page.goto(path)
        widths = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1] == 375, (path, widths)

    await page.goto(f"/p/{shop.product_id}")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_test_id("start-group")).to_contain_text("Start a group")
    await page.goto(f"/g/{group_id}")
    await expect(page.get_by_test_id("group-status")).to_have_text("Filling")
    await expect(page.get_by_test_id("seats")).to_contain_text("LW")
    await page.get_by_role("link", name="中文").click()
    await expect(page.get_by_test_id("group-status")).to_have_text("拼团中")
