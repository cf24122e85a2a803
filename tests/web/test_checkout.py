"""Checkout, the sandbox payment page and my orders, through plain forms (no JS)."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.identity import service as identity
from quanzi.orders import service as orders
from quanzi.orders.models import Order
from quanzi.payments.models import Payment
from tests.web.support import (
    ADDRESS,
    Browser,
    NewBrowser,
    Shop,
    hidden_fields,
    location,
    text_of,
)


async def _count_orders() -> int:
    async def count(session: AsyncSession) -> int:
        return await session.scalar(select(func.count()).select_from(Order)) or 0

    return await db.transaction(count)


async def test_buy_alone_from_product_to_paid_order(browser: Browser, shop: Shop) -> None:
    await browser.register("李雷")
    checkout_url = f"/checkout?sku={shop.sku_id}&qty=2"
    form = await browser.get(checkout_url)
    assert form.status_code == 200
    assert "单独购买" in text_of(form.text)
    assert "¥596" in text_of(form.text)  # 2 × ¥298
    fields = hidden_fields(form.text, "/checkout")
    assert fields["mode"] == "solo"
    assert fields["qty"] == "2"
    assert len(fields["idem"]) == 32

    placed = await browser.post("/checkout", {**fields, **ADDRESS})
    pay_url = location(placed)
    assert re.fullmatch(r"/pay/[0-9a-f-]{36}", pay_url)
    # The same form sent twice (a double click) lands on the same payment, one order.
    again = await browser.post("/checkout", {**fields, **ADDRESS})
    assert location(again) == pay_url
    assert await _count_orders() == 1

    pay_page = await browser.get(pay_url)
    assert "沙箱支付" in text_of(pay_page.text)
    assert re.search(r'data-testid="amount">¥596<', pay_page.text)
    paid = await browser.post(pay_url, hidden_fields(pay_page.text, pay_url))
    order_url = location(paid)
    assert re.fullmatch(r"/orders/[0-9a-f-]{36}", order_url)

    order_page = await browser.get(order_url)
    assert re.search(r'data-testid="order-status" data-status="paid">已付款<', order_page.text)
    assert "尚未发货" in text_of(order_page.text)
    assert "韩梅梅" in text_of(order_page.text)
    listed = await browser.get("/orders")
    assert order_url in listed.text
    assert "已付款" in text_of(listed.text)

    # The operator ships: the buyer sees carrier and tracking number, then confirms receipt.
    order_id = uuid.UUID(order_url.rsplit("/", 1)[1])

    async def ship(session: AsyncSession) -> None:
        op = await identity.create_user(
            session, phone="13600000001", password="op-pass-123", display_name="运营"
        )
        await orders.ship_order(
            session, order_id, carrier="顺丰速运", tracking_no="SF1234567890", actor_id=op.id
        )

    await db.transaction(ship)
    shipped = await browser.get(order_url)
    assert "顺丰速运" in text_of(shipped.text)
    assert "SF1234567890" in text_of(shipped.text)
    assert 'data-status="shipped"' in shipped.text
    confirm = f"{order_url}/confirm-receipt"
    done = await browser.post(confirm, hidden_fields(shipped.text, confirm))
    assert location(done) == order_url
    assert 'data-status="completed"' in (await browser.get(order_url)).text


async def test_a_refused_checkout_keeps_what_was_typed_and_writes_nothing(
    browser: Browser, shop: Shop
) -> None:
    await browser.register()
    form = await browser.get(f"/checkout?sku={shop.sku_id}&qty=1")
    fields = hidden_fields(form.text, "/checkout")
    refused = await browser.post(
        "/checkout", {**fields, **ADDRESS, "address_phone": "12345", "address_city": "杭州市"}
    )
    assert refused.status_code == 422
    assert "请输入正确的 11 位手机号" in text_of(refused.text)
    assert 'value="12345"' in refused.text
    assert 'value="文三路 1 号"' in refused.text
    assert await _count_orders() == 0

    too_many = await browser.get(f"/checkout?sku={shop.big_sku_id}&qty=60")
    fields = hidden_fields(too_many.text, "/checkout")
    short = await browser.post("/checkout", {**fields, **ADDRESS})
    assert short.status_code == 409
    assert "库存不足" in text_of(short.text)
    assert await _count_orders() == 0


async def test_posts_without_the_csrf_token_are_refused(browser: Browser, shop: Shop) -> None:
    await browser.register()
    form = await browser.get(f"/checkout?sku={shop.sku_id}&qty=1")
    fields = hidden_fields(form.text, "/checkout")
    for token in ("", "0" * 40):
        refused = await browser.post("/checkout", {**fields, **ADDRESS, "csrf": token})
        assert refused.status_code == 403
        assert 'data-problem="csrf_failed"' in refused.text
    assert await _count_orders() == 0


async def test_somebody_elses_order_and_payment_are_not_found(
    new_browser: NewBrowser, shop: Shop
) -> None:
    buyer, other = await new_browser(), await new_browser()
    await buyer.register("买家")
    await other.register("路人")
    form = await buyer.get(f"/checkout?sku={shop.sku_id}&qty=1")
    pay_url = location(
        await buyer.post("/checkout", {**hidden_fields(form.text, "/checkout"), **ADDRESS})
    )

    async def order_id(session: AsyncSession) -> str:
        payment = await session.get(Payment, uuid.UUID(pay_url.rsplit("/", 1)[1]))
        assert payment is not None
        return str(payment.payable_id)

    order = await db.transaction(order_id)
    for url in (pay_url, f"/orders/{order}"):
        page = await other.get(url)
        assert page.status_code == 404, url
        assert "<html" in page.text
    # The owner can still pay it later from the order page.
    mine = await buyer.get(f"/orders/{order}")
    assert 'data-status="pending_payment"' in mine.text
    assert pay_url in mine.text


async def test_an_unpaid_order_can_be_cancelled(browser: Browser, shop: Shop) -> None:
    await browser.register()
    form = await browser.get(f"/checkout?sku={shop.sku_id}&qty=1")
    pay_url = location(
        await browser.post("/checkout", {**hidden_fields(form.text, "/checkout"), **ADDRESS})
    )
    listed = await browser.get("/orders")
    order_url = re.search(r'href="(/orders/[0-9a-f-]{36})"', listed.text)
    assert order_url is not None
    page = await browser.get(order_url.group(1))
    cancel = f"{order_url.group(1)}/cancel"
    cancelled = await browser.post(cancel, hidden_fields(page.text, cancel))
    assert location(cancelled) == order_url.group(1)
    assert 'data-status="cancelled"' in (await browser.get(order_url.group(1))).text
    # Its payment page now says it is closed, and paying it is refused.
    closed = await browser.get(pay_url)
    assert "已关闭" in text_of(closed.text)
