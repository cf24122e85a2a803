"""Browsing: home, search, categories, product pages, language, page weight."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from quanzi.catalog.rules import SkuDraft
from tests.orders.support import make_product, make_supplier
from tests.web.support import (
    GROUP_PRICE,
    MEMBER_PRICE,
    SOLO_PRICE,
    Browser,
    Shop,
    location,
    text_of,
)


async def test_home_shows_categories_hot_group_deals_and_new_products(
    browser: Browser, shop: Shop
) -> None:
    page = await browser.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    text = text_of(page.text)
    assert "分类" in text
    assert "爆款拼团" in text
    assert "新品上架" in text
    assert f'href="/c/{quote(shop.category)}"' in page.text
    hot = re.search(r'data-testid="hot-deals">(.*?)</ul>', page.text, flags=re.S)
    assert hot is not None
    assert f"/p/{shop.product_id}?sku={shop.sku_id}" in hot.group(1)
    assert "¥199" in text_of(hot.group(1))
    assert "3人团" in text_of(hot.group(1))
    # The product tile carries its group price badge and its member price.
    assert "拼团价 ¥199" in text
    assert "会员价 ¥258" in text


async def test_search_and_category_pages_page_through_with_cursors(browser: Browser) -> None:
    supplier = await make_supplier("果园")
    for n in range(13):
        await make_product(supplier, f"脐橙 {n:02d} 号", SkuDraft("5斤", 3990 + n, 10))
    first = await browser.get("/search", params={"q": "脐橙"})
    assert first.status_code == 200
    titles = re.findall(r'<p class="title">([^<]+)</p>', first.text)
    assert len(titles) == 10
    assert "“脐橙”的搜索结果" in text_of(first.text)
    more = re.search(r'<a class="btn secondary" href="([^"]+)"', first.text)
    assert more is not None
    second = await browser.get(more.group(1).replace("&amp;", "&"))
    rest = re.findall(r'<p class="title">([^<]+)</p>', second.text)
    assert len(rest) == 3
    assert set(titles) | set(rest) == {f"脐橙 {n:02d} 号" for n in range(13)}
    assert 'class="btn secondary" href=' not in second.text

    # htmx "load more" gets the next tiles and an out-of-band button, not a whole page.
    fragment = await browser.get(
        more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text
    assert len(re.findall(r'<li class="tile">', fragment.text)) == 3
    assert 'hx-swap-oob="true"' in fragment.text

    category = await browser.get(f"/c/{quote('食品')}")
    assert category.status_code == 200
    assert len(re.findall(r'<li class="tile">', category.text)) == 10
    nothing = await browser.get("/search", params={"q": "没有这种东西"})
    assert "没有找到商品" in text_of(nothing.text)


async def test_product_page_shows_solo_member_and_group_prices(
    browser: Browser, shop: Shop
) -> None:
    page = await browser.get(f"/p/{shop.product_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert re.search(r'data-testid="solo-price">¥298<', page.text)
    assert re.search(r'data-testid="member-price">¥258<', page.text)
    assert re.search(r'data-testid="group-price">¥199<', page.text)
    assert "3人成团" in text
    assert "还没有人开团" in text
    assert f'name="campaign" value="{shop.campaign_id}"' in page.text
    assert f'name="sku" value="{shop.sku_id}"' in page.text
    assert SOLO_PRICE > MEMBER_PRICE > GROUP_PRICE

    # The other SKU has no group deal: no group price, no start button.
    big = await browser.get(f"/p/{shop.product_id}", params={"sku": shop.big_sku_id})
    assert 'data-testid="group-price"' not in big.text
    assert 'data-testid="start-group"' not in big.text
    assert re.search(r'data-testid="solo-price">¥1,980<', big.text)
    assert 'aria-current="true"' in big.text


async def test_language_switch_sets_a_cookie_and_keeps_the_page(
    browser: Browser, shop: Shop
) -> None:
    zh = await browser.get(f"/p/{shop.product_id}")
    assert '<html lang="zh-CN">' in zh.text
    switch = re.search(r'href="([^"]+)"[^>]*data-lang-switch', zh.text)
    assert switch is not None
    en = await browser.get(switch.group(1).replace("&amp;", "&"))
    assert '<html lang="en">' in en.text
    assert "Start a group" in text_of(en.text)
    assert "Group price" in text_of(en.text)
    assert "lang=en" in en.headers["set-cookie"]
    # The cookie keeps the choice on the next page.
    home = await browser.get("/")
    assert "Hot group deals" in text_of(home.text)
    back = await browser.get("/?lang=zh")
    assert "爆款拼团" in text_of(back.text)


async def test_pages_stay_small(client: httpx.AsyncClient, shop: Shop) -> None:
    """Our own assets for one page (HTML, CSS, JS) stay far under 200 KB."""
    total = 0
    for url in ("/", f"/p/{shop.product_id}", "/static/web/app.css", "/static/web/app.js"):
        response = await client.get(url)
        assert response.status_code == 200, url
        total += len(response.content)
    assert total < 60_000, total


async def test_login_link_comes_back_to_the_page(browser: Browser, shop: Shop) -> None:
    page = await browser.get(f"/p/{shop.product_id}")
    assert f'href="/login?next=%2Fp%2F{shop.product_id}"' in page.text
    checkout = await browser.get(f"/checkout?sku={shop.sku_id}&qty=1")
    assert location(checkout) == (
        f"/login?next={quote(f'/checkout?sku={shop.sku_id}&qty=1', safe='')}"
    )
