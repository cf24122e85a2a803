"""The shop-owner center in a real browser: a member buys a membership, shares a product
from the center, a friend on another phone buys through the link, and the owner sees the
pending commission the plan in force gives."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.money import apply_rate
from quanzi.membership import service as membership
from quanzi.referral.commission import service as commission
from quanzi.web.display import yuan
from tests.e2e.conftest import NewPage
from tests.e2e.test_storefront_e2e import fill_address_and_pay, sign_up
from tests.web.support import SOLO_PRICE, Shop, seed_shop

PLAN_PRICE = 39800


async def seed_plan() -> None:
    async def work(session: AsyncSession) -> None:
        await membership.create_plan(
            session, name="店主年卡", price_fen=PLAN_PRICE, duration_days=365
        )

    await db.transaction(work)


async def commission_in_force(shop: Shop) -> int:
    """What the sharer earns on one solo item under the commission plan in force."""

    async def work(session: AsyncSession) -> int:
        plan = await commission.current_plan(session)
        rate_bp = plan.share_rate_for(uuid.UUID(shop.sku_id), shop.category)
        return apply_rate(SOLO_PRICE, rate_bp)

    return await db.transaction(work)


async def fits_the_phone(page: Page) -> None:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 375, (page.url, widths)


async def test_a_member_shares_a_product_and_sees_the_friends_purchase_as_pending_commission(
    new_page: NewPage,
) -> None:
    shop = await seed_shop()
    await seed_plan()
    expected = await commission_in_force(shop)

    owner = await new_page("owner")
    await owner.goto("/me")
    await sign_up(owner, "陈店主")
    await expect(owner).to_have_url(re.compile(r"/me$"))
    await expect(owner.get_by_test_id("member-status")).to_have_attribute("data-active", "false")
    await owner.get_by_role("main").get_by_role("link", name="开通会员").click()
    await expect(owner.get_by_test_id("plan-price")).to_have_text("¥398")
    await owner.get_by_test_id("buy-plan").click()
    await expect(owner).to_have_url(re.compile(r"/pay/"))
    await owner.get_by_test_id("pay").click()
    await expect(owner).to_have_url(re.compile(r"/me/membership$"))
    status = owner.get_by_test_id("member-status")
    await expect(status).to_have_attribute("data-active", "true")
    await expect(status).to_contain_text("店主年卡：有效期至")

    await (
        owner.get_by_role("navigation", name="店主中心")
        .get_by_role("link", name="分享链接")
        .click()
    )
    await owner.get_by_label("选择商品").select_option(shop.product_id)
    await owner.get_by_test_id("create-share").click()
    await expect(owner).to_have_url(re.compile(r"/me/shares/[a-z0-9]{10}$"))
    share_url = await owner.get_by_test_id("share-url").input_value()
    code = owner.url.rsplit("/", 1)[1]
    assert share_url.endswith(f"/s/{code}")
    await fits_the_phone(owner)

    friend = await new_page("friend")
    await friend.goto(share_url)
    await expect(friend).to_have_url(re.compile(rf"/p/{shop.product_id}\?share={code}"))
    await friend.get_by_test_id("buy-alone").click()
    await sign_up(friend, "好友小李")
    await fill_address_and_pay(friend)
    await expect(friend.get_by_test_id("order-status")).to_have_attribute("data-status", "paid")

    await owner.goto("/me/earnings")
    assert expected == SOLO_PRICE * 1000 // 10_000  # the default plan's 10 % share rate
    await expect(owner.get_by_test_id("pending")).to_have_text(yuan(expected))
    await expect(owner.get_by_test_id("available")).to_have_text("¥0")
    await fits_the_phone(owner)
    await (
        owner.get_by_role("navigation", name="店主中心")
        .get_by_role("link", name="分享链接")
        .click()
    )
    await expect(owner.get_by_test_id("conversions")).to_have_text("1")
