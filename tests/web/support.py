"""Helpers for the page tests: a small shop with a running group deal, and a client that
behaves like a browser without JavaScript (cookies, hidden form fields, redirects)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.rules import SkuDraft
from quanzi.core import db
from quanzi.groupbuy import campaigns

PASSWORD = "page-pass-123"
ADDRESS = {
    "address_name": "韩梅梅",
    "address_phone": "13800138000",
    "address_province": "浙江省",
    "address_city": "杭州市",
    "address_district": "西湖区",
    "address_line1": "文三路 1 号",
}
SOLO_PRICE = 29800
MEMBER_PRICE = 25800
GROUP_PRICE = 19900
BIG_PRICE = 198000


def new_phone() -> str:
    return f"137{uuid.uuid4().int % 100_000_000:08d}"


@dataclass(frozen=True)
class Shop:
    product_id: str
    sku_id: str
    big_sku_id: str
    campaign_id: str
    category: str
    title: str


async def seed_shop(
    *,
    group_size: int = 3,
    platform_fill_seats: int = 0,
    title: str = "勐海古树普洱生茶饼",
    category: str = "茶叶",
) -> Shop:
    """One supplier, a two-SKU product with an image, and a running group deal on the
    first SKU, made through the services (the same rules as the operator's API)."""

    async def work(session: AsyncSession) -> Shop:
        supplier = await catalog.create_supplier(session, name=f"茶厂 {uuid.uuid4().hex[:6]}")
        view = await catalog.create_product(
            session,
            supplier_id=supplier.id,
            title=title,
            category=category,
            description="春料古树，石磨压制。",
            images=["/static/demo/tea-puer-raw-cake.svg"],
            skus=[
                SkuDraft("357g 单饼", SOLO_PRICE, 200, MEMBER_PRICE, 15000),
                SkuDraft("整提 7 饼", BIG_PRICE, 50, None, 100000),
            ],
        )
        sku, big = view.skus
        campaign = await campaigns.create_campaign(
            session,
            sku_id=sku.id,
            group_price_fen=GROUP_PRICE,
            group_size=group_size,
            duration_minutes=24 * 60,
            per_user_limit=5,
            platform_fill_seats=platform_fill_seats,
        )
        return Shop(
            product_id=str(view.product.id),
            sku_id=str(sku.id),
            big_sku_id=str(big.id),
            campaign_id=str(campaign.id),
            category=category,
            title=title,
        )

    return await db.transaction(work)


def hidden_fields(page: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to ``action`` on ``page``."""
    match = re.search(
        rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, flags=re.S
    )
    assert match is not None, f"no form posting to {action}"
    fields = {}
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        assert name is not None
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def text_of(page: str) -> str:
    """The page's visible text, roughly (tags dropped, whitespace folded)."""
    without = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", without))).strip()


class Browser:
    """A no-JavaScript browser over the ASGI app: keeps cookies, submits forms with
    their hidden fields, and reports where each redirect led."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client  # its own cookie jar: one client per browser

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(url, **kwargs)

    async def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        return await self.client.post(url, data=data)

    async def submit(self, page_url: str, action: str, **fields: str) -> httpx.Response:
        """Open ``page_url``, fill the form posting to ``action`` and send it."""
        page = await self.get(page_url)
        assert page.status_code == 200, page.text
        return await self.post(action, {**hidden_fields(page.text, action), **fields})

    async def register(self, name: str = "小红", *, next_url: str = "/") -> httpx.Response:
        response = await self.submit(
            f"/register?next={next_url}",
            "/register",
            phone=new_phone(),
            password=PASSWORD,
            display_name=name,
        )
        assert response.status_code == 303, response.text
        return response


NewBrowser = Callable[[], Awaitable[Browser]]


def location(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"]
