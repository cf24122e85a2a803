"""Group buying through the pages: start, share, join from the link, succeed or fail."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.groupbuy import closing
from quanzi.orders.models import Order
from tests.web.support import (
    ADDRESS,
    Browser,
    NewBrowser,
    Shop,
    hidden_fields,
    location,
    seed_shop,
    text_of,
)


async def _buy(browser: Browser, checkout_url: str) -> str:
    """Check out and pay in the sandbox; returns where the payment led."""
    form = await browser.get(checkout_url)
    assert form.status_code == 200, form.text
    pay_url = location(
        await browser.post("/checkout", {**hidden_fields(form.text, "/checkout"), **ADDRESS})
    )
    pay_page = await browser.get(pay_url)
    action = pay_url.split("?")[0]
    return location(await browser.post(action, hidden_fields(pay_page.text, action)))


def _seats(page: str) -> list[str]:
    return re.findall(r'data-seat="(member|platform|empty)"', page)


async def test_a_group_fills_from_its_share_link_and_succeeds(
    new_browser: NewBrowser, shop: Shop
) -> None:
    leader = await new_browser()
    await leader.register("王小梅")
    group_url = await _buy(leader, f"/checkout?campaign={shop.campaign_id}")
    assert re.fullmatch(r"/g/[0-9a-f-]{36}", group_url)
    group_id = group_url.rsplit("/", 1)[1]

    page = await leader.get(group_url)
    text = text_of(page.text)
    assert "拼团中" in text
    assert "1/3 人已付款" in text
    assert "还差 2 人" in text
    assert _seats(page.text) == ["member", "empty", "empty"]
    assert re.search(r'data-countdown="86400"[^>]*>24:00:00<', page.text)
    share = re.search(r'data-testid="share-link"', page.text)
    assert share is not None
    link = re.search(r'id="share-link" type="url" value="([^"]+)"', page.text)
    assert link is not None
    assert link.group(1).startswith(f"http://127.0.0.1:8000/g/{group_id}?invite=")
    assert "<svg" in page.text
    assert "拼团链接二维码" in page.text
    assert "你已在这个团里" in text  # no join button for the leader

    # The product page now lists this group to strangers (拼单).
    product = await leader.get(f"/p/{shop.product_id}")
    assert f"/checkout?group={group_id}" not in product.text  # the leader's own group
    assert f'href="/g/{group_id}">查看' in product.text
    stranger = await new_browser()
    product = await stranger.get(f"/p/{shop.product_id}")
    assert f"/checkout?group={group_id}" in product.text
    assert "王小梅的团" in text_of(product.text)
    assert "还差 2 人" in text_of(product.text)

    invite = link.group(1).split("?invite=")[1]
    for name, paid in (("李晓明", 2), ("张伟", 3)):
        friend = await new_browser()
        shared = await friend.get(f"/g/{group_id}?invite={invite}")
        join = re.search(r'href="([^"]+)" data-testid="join"', shared.text)
        assert join is not None
        join_url = join.group(1).replace("&amp;", "&")
        assert join_url == (
            f"/login?next={quote(f'/checkout?group={group_id}', safe='')}&invite={invite}"
        )
        # Not logged in: the login page leads on to sign-up with the invite code filled in.
        login_page = await friend.get(join_url)
        register = re.search(r'还没有账号？ <a href="(/register\?[^"]+)"', login_page.text)
        assert register is not None
        register_url = register.group(1).replace("&amp;", "&")
        register_page = await friend.get(register_url)
        assert f'name="invite_code" value="{invite}"' in register_page.text
        fields = hidden_fields(register_page.text, "/register")
        signed_up = await friend.post(
            "/register",
            {
                **fields,
                "phone": f"1360000{paid:04d}",
                "password": "friend-pass-1",
                "display_name": name,
                "invite_code": invite,
            },
        )
        assert location(signed_up) == f"/checkout?group={group_id}"
        assert await _buy(friend, f"/checkout?group={group_id}") == group_url
        after = text_of((await friend.get(group_url)).text)
        assert f"{paid}/3 人已付款" in after

    done = await leader.get(group_url)
    text = text_of(done.text)
    assert "拼团成功" in text
    assert "3/3 人已付款" in text
    assert 'data-status="succeeded"' in done.text
    assert _seats(done.text) == ["member", "member", "member"]
    assert "王小梅" in text
    assert "李晓明" in text
    assert "张伟" in text
    assert "工厂按拼团订单生产" in text
    assert 'data-testid="join"' not in done.text
    assert 'id="share-link"' not in done.text
    orders = await leader.get("/orders")
    assert "拼团成功" in text_of(orders.text)
    assert group_url in orders.text


async def test_a_group_that_runs_out_of_time_refunds_everyone(
    new_browser: NewBrowser, shop: Shop, clock: FrozenClock
) -> None:
    leader = await new_browser()
    await leader.register("陈静")
    group_url = await _buy(leader, f"/checkout?campaign={shop.campaign_id}")
    clock.advance(timedelta(hours=24, seconds=1))
    assert await closing.close_expired(10) == 1
    page = await leader.get(group_url)
    text = text_of(page.text)
    assert "拼团失败" in text
    assert "全额退款到原支付方式" in text
    assert 'data-testid="countdown"' not in page.text
    order = re.search(r'href="(/orders/[0-9a-f-]{36})"', (await leader.get("/orders")).text)
    assert order is not None
    assert 'data-status="refunded"' in (await leader.get(order.group(1))).text


async def test_seats_the_platform_paid_for_are_shown_as_such(
    new_browser: NewBrowser, clock: FrozenClock
) -> None:
    shop = await seed_shop(group_size=3, platform_fill_seats=1, title="蓝莓")
    leader, friend = await new_browser(), await new_browser()
    await leader.register("赵六")
    group_url = await _buy(leader, f"/checkout?campaign={shop.campaign_id}")
    await friend.register("钱七")
    await _buy(friend, f"/checkout?group={group_url.rsplit('/', 1)[1]}")
    clock.advance(timedelta(days=1, seconds=1))
    await closing.close_expired(10)
    page = await friend.get(group_url)
    text = text_of(page.text)
    assert "拼团成功" in text
    assert "2/3 人已付款" in text
    assert "平台补位 1 人" in text
    assert _seats(page.text) == ["member", "member", "platform"]


async def test_joining_a_closed_or_full_group_is_refused_politely(
    new_browser: NewBrowser, clock: FrozenClock
) -> None:
    shop = await seed_shop(group_size=2, title="芒果")
    leader, friend, late = await new_browser(), await new_browser(), await new_browser()
    await leader.register()
    group_url = await _buy(leader, f"/checkout?campaign={shop.campaign_id}")
    group_id = group_url.rsplit("/", 1)[1]
    await friend.register()
    form = await friend.get(f"/checkout?group={group_id}")
    await late.register()
    late_form = await late.get(f"/checkout?group={group_id}")
    await friend.post("/checkout", {**hidden_fields(form.text, "/checkout"), **ADDRESS})
    # The friend's unpaid seat fills the group: the late joiner's form is refused.
    refused = await late.post(
        "/checkout", {**hidden_fields(late_form.text, "/checkout"), **ADDRESS}
    )
    assert refused.status_code == 409
    assert "这个团已经满员了" in text_of(refused.text)
    live = await late.get(f"/g/{group_id}/live")
    assert "<html" not in live.text
    assert 'id="group-live"' in live.text
    assert 'hx-trigger="every 10s"' in live.text

    clock.advance(timedelta(days=2))
    await closing.close_expired(10)
    closed = await late.get(f"/checkout?group={group_id}")
    assert closed.status_code == 409
    assert "这个团已经结束了" in text_of(closed.text)


async def test_a_share_code_follows_the_shopper_to_the_order(
    new_browser: NewBrowser, shop: Shop
) -> None:
    leader, friend = await new_browser(), await new_browser()
    await leader.register("团长")
    group_url = await _buy(leader, f"/checkout?campaign={shop.campaign_id}")
    await friend.register("好友")
    # A share link (/s/{code}) lands on the group page with its code in the query.
    page = await friend.get(f"{group_url}?share=SHARE123")
    assert 'hx-get="/g/' in page.text
    assert "/live?share=SHARE123" in page.text
    join = re.search(r'href="([^"]+)" data-testid="join"', page.text)
    assert join is not None
    checkout_url = join.group(1).replace("&amp;", "&")
    assert checkout_url.endswith("&share=SHARE123")
    form = await friend.get(checkout_url)
    assert hidden_fields(form.text, "/checkout")["share"] == "SHARE123"
    await friend.post("/checkout", {**hidden_fields(form.text, "/checkout"), **ADDRESS})

    async def codes(session: AsyncSession) -> list[str | None]:
        return list(await session.scalars(select(Order.share_code).order_by(Order.id)))

    assert await db.transaction(codes) == [None, "SHARE123"]

    # Without the query, the landing's cookie (kept for the attribution window) does it.
    friend.client.cookies.set("qz_share", "COOKIE99")
    solo = await friend.get(f"/checkout?sku={shop.sku_id}&qty=1")
    assert hidden_fields(solo.text, "/checkout")["share"] == "COOKIE99"
