"""The console's setup pages, used end to end by an operator through the real app without
JavaScript: catalog, group campaigns and their live groups, production batches,
membership plans and the commission plan editor; and who may not use them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import queries as catalog
from quanzi.catalog import service as catalog_service
from quanzi.catalog.rules import SkuDraft
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.core.errors import ProblemError
from quanzi.groupbuy import closing
from quanzi.identity import service as identity
from quanzi.referral.commission import plans as commission_plans
from quanzi.web.forms import (
    local_input,
    parse_local_time,
    parse_percent,
    parse_whole,
    parse_yuan,
    percent_input,
    yuan_input,
)
from tests.helpers import Account, register
from tests.orders.support import ADDRESS as API_ADDRESS
from tests.web.support import (
    PASSWORD,
    Browser,
    NewBrowser,
    Shop,
    hidden_fields,
    location,
    new_phone,
    seed_shop,
    text_of,
)


async def sign_up(new_browser: NewBrowser, name: str, *roles: str) -> Browser:
    """A logged-in browser whose account holds ``roles``."""
    browser = await new_browser()
    phone = new_phone()
    response = await browser.submit(
        "/register", "/register", phone=phone, password=PASSWORD, display_name=name
    )
    assert response.status_code == 303, response.text

    async def grant(session: AsyncSession) -> None:
        user = await identity.find_by_phone(session, phone)
        assert user is not None
        for role in roles:
            await identity.grant_role(session, user, role)

    await db.transaction(grant)
    return browser


@pytest.fixture
async def operator(new_browser: NewBrowser) -> Browser:
    return await sign_up(new_browser, "运营小李", "operator")


def problem_at(page: str, field: str) -> str:
    """The problem code shown next to ``field`` ("" if none)."""
    found = re.search(rf'data-problem="([a-z_]+)" data-field="{field}"', page)
    return found.group(1) if found else ""


def value_of(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="[a-z-]+" value="([^"]*)"', page)
    assert found is not None, name
    return found.group(1)


async def send(browser: Browser, page_url: str, action: str, **fields: str) -> httpx.Response:
    """Fill the form posting to ``action`` on ``page_url`` (its CSRF token included)."""
    page = await browser.get(page_url)
    assert page.status_code == 200, page.text
    return await browser.post(action, {**hidden_fields(page.text, action), **fields})


async def read(work: Any) -> Any:
    return await db.transaction(work)


async def csrf_of(browser: Browser) -> dict[str, str]:
    """The visitor's CSRF field, as any console page carries it (the log-out form)."""
    return hidden_fields((await browser.get("/admin/products")).text, "/logout")


# --- typed fields (pure) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("298", 29800),
        ("69.9", 6990),
        ("0.05", 5),
        (".5", 50),
        (" ¥1,980.50 ", 198050),
        ("￥7", 700),
        ("１２．５", 1250),
        ("3.10", 310),
    ],
)
def test_yuan_is_read_as_fen(typed: str, fen: int) -> None:
    assert parse_yuan(typed) == fen
    assert parse_yuan(yuan_input(fen)) == fen


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1.005", "amount_decimals"),
        ("1e3", "invalid_amount"),
        ("12,5", "invalid_amount"),
        (".", "invalid_amount"),
        ("+5", "invalid_amount"),
        ("", "amount_missing"),
        ("0", "amount_not_positive"),
        ("-0.01", "amount_negative"),
        ("10000000000.01", "amount_too_large"),
        ("9" * 16, "amount_too_large"),
    ],
)
def test_bad_yuan_is_refused_with_its_code(typed: str, code: str) -> None:
    with pytest.raises(ProblemError) as refused:
        parse_yuan(typed)
    assert refused.value.code == code


def test_other_typed_fields() -> None:
    assert parse_yuan("0", minimum_fen=0) == 0
    with pytest.raises(ProblemError, match="negative"):
        parse_yuan("-1", minimum_fen=0)
    assert [parse_percent(t) for t in ("10", "2.5", "0.01", "100", "12.5%")] == [
        1000,
        250,
        1,
        10000,
        1250,
    ]
    assert [percent_input(bp) for bp in (1000, 250, 205, 1, 0)] == [
        "10",
        "2.5",
        "2.05",
        "0.01",
        "0",
    ]
    for typed, code in (("100.01", "percent_out_of_range"), ("-1", "invalid_percent")):
        with pytest.raises(ProblemError) as refused:
            parse_percent(typed)
        assert refused.value.code == code
    assert parse_whole(" -3 ", minimum=-5, maximum=5) == -3
    with pytest.raises(ProblemError, match="5 to 6"):
        parse_whole("7", minimum=5, maximum=6)
    shanghai = ZoneInfo("Asia/Shanghai")
    instant = parse_local_time("2026-11-02T10:00", shanghai)
    assert instant == datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    assert local_input(instant, shanghai) == "2026-11-02T10:00"
    for typed in ("yesterday", "1999-12-31T10:00", "2026-13-01T00:00"):
        with pytest.raises(ProblemError):
            parse_local_time(typed, shanghai)


# --- catalog ---------------------------------------------------------------------------------

PRODUCT = {
    "title": "安吉白茶 明前特级",
    "new_supplier": "安吉茶场",
    "supplier": "",
    "category": "茶叶",
    "description": "明前采摘，一芽一叶。",
    "images": "/static/demo/tea-puer-raw-cake.svg",
    "sku_name": "250g 罐装",
    "price": "298",
    "member_price": "258.5",
    "supply_price": "150",
    "stock": "20",
}


async def create_product(operator: Browser, **changes: str) -> str:
    answer = await send(
        operator, "/admin/products/new", "/admin/products", **{**PRODUCT, **changes}
    )
    url = location(answer)
    assert re.fullmatch(r"/admin/products/[0-9a-f-]{36}\?done=created", url), url
    return url.split("?")[0]


async def test_operator_creates_edits_and_publishes_a_product(operator: Browser) -> None:
    url = await create_product(operator)
    product_id = uuid.UUID(url.rsplit("/", 1)[1])
    page = await operator.get(f"{url}?done=created")
    text = text_of(page.text)
    assert "商品已创建" in text
    assert "安吉白茶 明前特级" in text
    assert "安吉茶场" in text
    assert "¥298" in text
    assert "¥258.50" in text

    async def skus(session: AsyncSession) -> list[tuple[str, int, int | None, int, int]]:
        view = await catalog.get_product_view(session, product_id, public=False)
        return [
            (s.name, s.price_fen, s.member_price_fen, s.supply_price_fen, s.stock)
            for s in view.skus
        ]

    assert await read(skus) == [("250g 罐装", 29800, 25850, 15000, 20)]

    # The list finds it by text, category and status; a cursor-less list has no next page.
    listing = await operator.get("/admin/products?q=白茶&category=茶叶&status=active")
    assert f'href="{url}"' in listing.text
    assert "¥298" in text_of(listing.text)
    assert f'href="{url}"' not in (await operator.get("/admin/products?q=普洱")).text
    assert f'href="{url}"' not in (await operator.get("/admin/products?status=archived")).text

    # Edit the details: what was typed is what the page shows next.
    saved = await send(
        operator,
        url,
        url,
        title="安吉白茶 明前特级（新茶）",
        category="绿茶",
        description="2026 新茶。",
        images="",
    )
    assert location(saved) == f"{url}?done=saved"
    page = await operator.get(location(saved))
    assert "安吉白茶 明前特级（新茶）" in text_of(page.text)
    assert value_of(page.text, "category") == "绿茶"

    # A second SKU, then reprice the first one and drop its member price.
    added = await send(
        operator,
        url,
        f"{url}/skus",
        sku_name="500g 礼盒",
        price="560",
        member_price="",
        supply_price="",
        stock="5",
    )
    assert location(added) == f"{url}?done=sku_added"
    view = await read(lambda session: catalog.get_product_view(session, product_id, public=False))
    sku_id = str(view.skus[0].id)
    assert view.skus[0].name == "250g 罐装"
    repriced = await send(
        operator,
        url,
        f"{url}/skus/{sku_id}",
        sku_name="250g 罐装",
        price="1,280.5",
        member_price="",
        supply_price="0.05",
        active="1",
    )
    assert location(repriced) == f"{url}?done=sku_saved"
    assert await read(skus) == [
        ("250g 罐装", 128050, None, 5, 20),
        ("500g 礼盒", 56000, None, 0, 5),
    ]

    # Stock: add 5, then try to take out more than is free (refused next to the field).
    restocked = await send(operator, url, f"{url}/skus/{sku_id}/stock", delta="5")
    assert location(restocked) == f"{url}?done=stock"
    too_many = await send(operator, url, f"{url}/skus/{sku_id}/stock", delta="-26")
    assert too_many.status_code == 409
    assert problem_at(too_many.text, "delta") == "insufficient_stock"
    assert 'value="-26"' in too_many.text
    assert (await read(skus))[0][4] == 25

    # Unpublish: the public no longer sees it; publish puts it back.
    off = await send(operator, url, f"{url}/status", status="archived")
    assert location(off) == f"{url}?done=unpublished"
    assert (await operator.get(f"/p/{product_id}")).status_code == 404
    assert "已下架" in text_of((await operator.get(url)).text)
    on = await send(operator, url, f"{url}/status", status="active")
    assert location(on) == f"{url}?done=published"
    assert (await operator.get(f"/p/{product_id}")).status_code == 200


@pytest.mark.parametrize(
    ("field", "typed", "code"),
    [
        ("price", "12.345", "amount_decimals"),
        ("price", "0", "amount_not_positive"),
        ("price", "-5", "amount_negative"),
        ("price", "9" * 15, "amount_too_large"),
        ("price", "二十", "invalid_amount"),
        ("supply_price", "-0.01", "amount_negative"),
        ("member_price", "300", "member_price_above_price"),
        ("stock", "1.5", "invalid_number"),
        ("stock", "10000001", "number_out_of_range"),
        ("title", "   ", "invalid_title"),
        ("title", "bad\x00title", "invalid_title"),
        ("images", "javascript:alert(1)", "invalid_image_url"),
        ("description", "长" * 5001, "invalid_description"),
        ("new_supplier", "", "supplier_required"),
    ],
)
async def test_a_refused_product_form_keeps_what_was_typed(
    operator: Browser, field: str, typed: str, code: str
) -> None:
    answer = await send(
        operator, "/admin/products/new", "/admin/products", **{**PRODUCT, field: typed}
    )
    assert answer.status_code == 422, answer.text
    expected_field = "supplier" if field == "new_supplier" else field
    assert problem_at(answer.text, expected_field) == code
    assert 'aria-invalid="true"' in answer.text
    # The form comes back as typed; nothing was written, not even the supplier it named.
    assert value_of(answer.text, "title") == (typed if field == "title" else PRODUCT["title"])
    assert value_of(answer.text, "price") == (typed if field == "price" else PRODUCT["price"])
    assert "data-product=" not in (await operator.get("/admin/products")).text

    async def supplier_named(session: AsyncSession) -> Any:
        return await catalog_service.find_supplier_by_name(session, PRODUCT["new_supplier"])

    assert await read(supplier_named) is None


async def test_every_problem_of_a_form_is_shown_at_once(operator: Browser) -> None:
    url = await create_product(operator)
    answer = await send(
        operator,
        url,
        f"{url}/skus",
        sku_name="",
        price="1.234",
        member_price="",
        supply_price="",
        stock="x",
    )
    assert answer.status_code == 422
    assert problem_at(answer.text, "sku_name") == "invalid_sku_name"
    assert problem_at(answer.text, "price") == "amount_decimals"
    assert problem_at(answer.text, "stock") == "invalid_number"
    # The product's own form is untouched by the SKU form's problems.
    assert value_of(answer.text, "title") == PRODUCT["title"]
    details = await send(
        operator, url, url, title="", category="", description="", images="ftp://x"
    )
    assert details.status_code == 422
    for field, code in (
        ("title", "invalid_title"),
        ("category", "invalid_category"),
        ("images", "invalid_image_url"),
    ):
        assert problem_at(details.text, field) == code
    assert PRODUCT["title"] in text_of((await operator.get(url)).text)


async def test_nasty_text_is_shown_as_text(operator: Browser) -> None:
    url = await create_product(operator, title="<script>alert('x')</script>", category="<b>茶</b>")
    page = await operator.get(url)
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text
    listing = await operator.get("/admin/products?q=%3Cscript")
    assert "&lt;script&gt;" in listing.text
    assert (await operator.get("/admin/products?cursor=not-a-cursor")).status_code == 400
    assert (await operator.get("/admin/products?status=deleted")).status_code == 400
    assert (await operator.get("/admin/products?q=%00")).status_code == 422


async def test_the_product_list_pages_with_its_filters(operator: Browser) -> None:
    async def stock_shelves(session: AsyncSession) -> None:
        supplier = await catalog_service.create_supplier(session, name="翻页茶厂")
        for n in range(25):
            await catalog_service.create_product(
                session,
                supplier_id=supplier.id,
                title=f"翻页茶 {n:02d}",
                category="翻页",
                skus=[SkuDraft("一份", 1000 + n, 5)],
            )

    await read(stock_shelves)
    first = await operator.get("/admin/products?category=翻页")
    assert first.text.count("data-product=") == 20
    assert "翻页茶 24" in first.text  # newest first
    more = re.search(r'href="(/admin/products\?[^"]+)" rel="next"', first.text)
    assert more is not None
    next_url = more.group(1).replace("&amp;", "&")
    assert "category=" in next_url
    second = await operator.get(next_url)
    assert second.text.count("data-product=") == 5
    assert "翻页茶 00" in second.text
    assert 'rel="next"' not in second.text
    assert 'href="/admin/products?category=%E7%BF%BB%E9%A1%B5"' in second.text  # back to page 1


async def test_oversized_forms_are_refused(operator: Browser) -> None:
    fields = {**await csrf_of(operator), **PLAN, "benefits": "喜茶 | " + "长" * 10_000}
    assert (await operator.post("/admin/plans", fields)).status_code == 413
    assert "data-plan=" not in (await operator.get("/admin/plans")).text


# --- group campaigns -------------------------------------------------------------------------


async def open_group_via_api(
    client: httpx.AsyncClient, campaign_id: str, member: Account
) -> dict[str, Any]:
    opened = await client.post(
        "/api/v1/groups",
        json={"campaign_id": campaign_id, "address": API_ADDRESS},
        headers=member.headers,
    )
    assert opened.status_code == 201, opened.text
    body: dict[str, Any] = opened.json()
    paid = await client.post(
        f"/api/v1/payments/{body['order']['payment']['id']}/sandbox/confirm",
        headers=member.headers,
    )
    assert paid.status_code == 200, paid.text
    return body


CAMPAIGN = {
    "group_price": "1500",
    "group_size": "2",
    "duration_minutes": "60",
    "starts_at": "",
    "ends_at": "",
    "stock_allotted": "",
    "per_user_limit": "2",
    "leader_discount": "10.5",
    "platform_fill_seats": "0",
}


async def test_operator_creates_a_campaign_and_watches_its_live_groups(
    operator: Browser, client: httpx.AsyncClient, shop: Shop, clock: FrozenClock
) -> None:
    form_url = f"/admin/campaigns/new?sku={shop.big_sku_id}"
    form = await operator.get(form_url)
    assert f'value="{shop.big_sku_id}" selected' in form.text
    created = await send(operator, form_url, "/admin/campaigns", sku=shop.big_sku_id, **CAMPAIGN)
    url = location(created)
    assert re.fullmatch(r"/admin/campaigns/[0-9a-f-]{36}\?done=created", url), url
    campaign_url = url.split("?")[0]
    campaign_id = campaign_url.rsplit("/", 1)[1]
    page = text_of((await operator.get(url)).text)
    assert "拼团活动已创建" in page
    assert "¥1,500" in page
    assert "团长付 ¥1,489.50" in page
    assert "进行中" in page

    member = await register(client, name="王小梅")
    opened = await open_group_via_api(client, campaign_id, member)
    group_id = opened["group"]["id"]
    page = await operator.get(campaign_url)
    live = page.text.split('data-testid="live-groups"')[1].split("</table>")[0]
    assert f'data-group="{group_id}"' in live
    row = text_of(live)
    assert "拼团中" in row
    assert "1/2" in row
    assert "王小梅" in row
    assert "1:00:00" in row

    listing = await operator.get("/admin/campaigns")
    campaign_row = listing.text.split(f'data-campaign="{campaign_id}"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num">([^<]*)', campaign_row)
    assert cells[1:4] == ["2", "1 / 50", "1"]  # size, seats held / allotment, live groups

    # Move the end and the allotment; the allotment cannot go below the seat held.
    too_low = await send(
        operator,
        campaign_url,
        campaign_url,
        ends_at="2026-12-31T20:00",
        stock_allotted="0",
        per_user_limit="2",
    )
    assert too_low.status_code == 409
    assert problem_at(too_low.text, "stock_allotted") == "allotment_below_taken"
    saved = await send(
        operator,
        campaign_url,
        campaign_url,
        ends_at="2026-12-31T20:00",
        stock_allotted="10",
        per_user_limit="3",
    )
    assert location(saved) == f"{campaign_url}?done=saved"
    page = text_of((await operator.get(campaign_url)).text)
    assert "2026-12-31 20:00" in page
    assert "1 / 10" in page

    # Pause, resume, end (for good).
    for status, done, state in (
        ("paused", "paused", "已暂停"),
        ("active", "resumed", "进行中"),
        ("ended", "ended", "已结束"),
    ):
        answer = await send(operator, campaign_url, f"{campaign_url}/status", status=status)
        assert location(answer) == f"{campaign_url}?done={done}"
        assert state in text_of((await operator.get(campaign_url)).text)
    ended = await operator.get(campaign_url)
    assert f'action="{campaign_url}/status"' not in ended.text
    again = await operator.post(
        f"{campaign_url}/status",
        {
            **hidden_fields((await operator.get("/admin/campaigns/new")).text, "/admin/campaigns"),
            "status": "active",
        },
    )
    assert again.status_code == 409
    assert 'data-problem="campaign_ended"' in again.text

    # Time runs out: the group moves to the closed ones, failed.
    clock.advance(timedelta(minutes=61))
    assert await closing.close_expired(10) == 1
    page = await operator.get(campaign_url)
    live = page.text.split('data-testid="live-groups"')[1].split("</table>")[0]
    closed = page.text.split('data-testid="closed-groups"')[1].split("</table>")[0]
    assert f'data-group="{group_id}"' not in live
    assert f'data-group="{group_id}"' in closed
    assert "拼团失败" in text_of(closed)
    listing = await operator.get("/admin/campaigns")
    campaign_row = listing.text.split(f'data-campaign="{campaign_id}"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num">([^<]*)', campaign_row)
    assert cells[3:5] == ["0", "0 / 1"]  # live groups, succeeded / failed


@pytest.mark.parametrize(
    ("changes", "field", "code", "words"),
    [
        ({"group_price": "1980.01"}, "group_price", "invalid_campaign", "低于单买价 ¥1,980"),
        ({"platform_fill_seats": "2"}, "platform_fill_seats", "invalid_campaign", "平台补位"),
        ({"leader_discount": "1500"}, "leader_discount", "invalid_campaign", "团长仍需付款"),
        ({"stock_allotted": "1"}, "stock_allotted", "invalid_campaign", "至少要够一个满团"),
        (
            {"starts_at": "2026-12-01T10:00", "ends_at": "2026-11-30T10:00"},
            "ends_at",
            "invalid_campaign",
            "晚于开始",
        ),
        ({"group_size": "1"}, "group_size", "number_out_of_range", "超出允许范围"),
        ({"group_size": "101"}, "group_size", "number_out_of_range", "超出允许范围"),
        ({"duration_minutes": "abc"}, "duration_minutes", "invalid_number", "整数"),
        ({"ends_at": "9999-12-31T23:59"}, "ends_at", "invalid_time", "2000 到 2100"),
        ({"sku": ""}, "sku", "sku_required", "请选择"),
        ({"sku": str(uuid.UUID(int=7))}, "sku", "sku_not_found", ""),
        ({"sku": "not-an-id"}, "sku", "sku_not_found", ""),
    ],
)
async def test_the_service_refusals_of_a_campaign_are_shown_by_field(
    operator: Browser, shop: Shop, changes: dict[str, str], field: str, code: str, words: str
) -> None:
    form_url = f"/admin/campaigns/new?sku={shop.big_sku_id}"
    answer = await send(
        operator, form_url, "/admin/campaigns", **{"sku": shop.big_sku_id, **CAMPAIGN, **changes}
    )
    assert answer.status_code in (404, 422), answer.text
    assert problem_at(answer.text, field) == code
    assert words in text_of(answer.text)
    if field != "group_price":
        assert value_of(answer.text, "group_price") == CAMPAIGN["group_price"]
    listing = await operator.get("/admin/campaigns")
    assert listing.text.count("data-campaign=") == 1  # only the seeded campaign


async def test_rule_messages_follow_the_operator_language(operator: Browser, shop: Shop) -> None:
    form_url = f"/admin/campaigns/new?sku={shop.big_sku_id}&lang=en"
    answer = await send(
        operator,
        form_url,
        "/admin/campaigns",
        **{"sku": shop.big_sku_id, **CAMPAIGN, "group_price": "2000"},
    )
    assert "below the solo price ¥1,980" in text_of(answer.text)


# --- production batches ----------------------------------------------------------------------


async def test_operator_sees_a_batch_and_cuts_it(
    operator: Browser, client: httpx.AsyncClient
) -> None:
    shop = await seed_shop(group_size=2)
    leader, friend = await register(client, name="陈静"), await register(client, name="李晓明")
    opened = await open_group_via_api(client, shop.campaign_id, leader)
    joined = await client.post(
        f"/api/v1/groups/{opened['group']['id']}/join",
        json={"address": API_ADDRESS},
        headers=friend.headers,
    )
    assert joined.status_code == 201, joined.text
    paid = await client.post(
        f"/api/v1/payments/{joined.json()['order']['payment']['id']}/sandbox/confirm",
        headers=friend.headers,
    )
    assert paid.status_code == 200, paid.text

    listing = await operator.get("/admin/batches?status=collecting")
    assert listing.status_code == 200
    match = re.search(r'<tr data-batch="([0-9a-f-]{36})">(.*?)</tr>', listing.text, flags=re.S)
    assert match is not None, listing.text
    batch_id, row = match.group(1), text_of(match.group(2))
    assert shop.title in row
    assert "357g 单饼" in row
    assert "茶厂" in row  # the supplier's name
    assert "汇总中" in row
    assert re.search(r"汇总中 2 2 ¥300", row), row  # quantity, orders, supply cost

    url = f"/admin/batches/{batch_id}"
    page = await operator.get(url)
    orders = page.text.split('data-testid="batch-orders"')[1]
    assert orders.count("data-order=") == 2
    assert "未发货" in text_of(orders)
    cut = await send(operator, url, f"{url}/cut")
    assert location(cut) == f"{url}?done=cut"
    page = text_of((await operator.get(location(cut))).text)
    assert "已截单" in page
    assert "立即截单" not in page
    assert batch_id in (await operator.get("/admin/batches?status=created")).text
    assert batch_id not in (await operator.get("/admin/batches?status=collecting")).text
    # Cutting twice (an old form) is refused, not a 500.
    again = await operator.post(
        f"{url}/cut",
        hidden_fields((await operator.get("/admin/batches")).text, "/admin/batches/rule"),
    )
    assert again.status_code == 409
    assert 'data-problem="illegal_transition"' in again.text


async def test_operator_sets_the_cut_rule(operator: Browser) -> None:
    missing = await send(
        operator, "/admin/batches", "/admin/batches/rule", mode="threshold", threshold=""
    )
    assert missing.status_code == 422
    assert problem_at(missing.text, "threshold") == "invalid_number"
    assert 'value="threshold" selected' in missing.text
    odd = await send(operator, "/admin/batches", "/admin/batches/rule", mode="weekly", threshold="")
    assert problem_at(odd.text, "mode") == "invalid_mode"
    saved = await send(
        operator, "/admin/batches", "/admin/batches/rule", mode="threshold", threshold="50"
    )
    assert location(saved) == "/admin/batches?done=rule"
    assert "达到 50 件立即截单" in text_of((await operator.get("/admin/batches")).text)
    daily = await send(
        operator, "/admin/batches", "/admin/batches/rule", mode="daily", threshold=""
    )
    assert location(daily) == "/admin/batches?done=rule"
    assert "每天零点" in text_of((await operator.get("/admin/batches")).text)


# --- membership plans ------------------------------------------------------------------------

PLAN = {
    "name": "年卡店主",
    "price": "399",
    "duration_days": "365",
    "member_prices": "1",
    "free_shipping": "99",
    "benefits": "喜茶 | 每月一张饮品券\n爱奇艺 | 黄金会员月卡",
    "active": "1",
}


async def test_operator_creates_edits_and_stocks_a_plan(operator: Browser) -> None:
    created = await send(operator, "/admin/plans/new", "/admin/plans", **PLAN)
    url = location(created)
    assert re.fullmatch(r"/admin/plans/[0-9a-f-]{36}\?done=created", url), url
    plan_url = url.split("?")[0]
    page = await operator.get(url)
    text = text_of(page.text)
    assert "会员方案已创建" in text
    assert value_of(page.text, "price") == "399.00"
    assert value_of(page.text, "free_shipping") == "99.00"
    assert "喜茶 | 每月一张饮品券" in page.text
    listing = text_of((await operator.get("/admin/plans")).text)
    assert "年卡店主" in listing
    assert "¥399" in listing
    assert "满 ¥99 包邮" in listing

    # Edit: a new price, no free shipping, one partner retired.
    saved = await send(
        operator,
        plan_url,
        plan_url,
        name="年卡店主",
        price="365.5",
        duration_days="366",
        member_prices="1",
        free_shipping="",
        benefits="喜茶 | 每月两张饮品券",
    )
    assert location(saved) == f"{plan_url}?done=saved"
    page = await operator.get(plan_url)
    assert value_of(page.text, "price") == "365.50"
    assert value_of(page.text, "free_shipping") == ""
    benefits = text_of(page.text.split('data-testid="benefits"')[1].split("</table>")[0])
    assert "爱奇艺 黄金会员月卡 已停止" in benefits
    assert "喜茶 每月两张饮品券 发放中" in benefits

    # Codes for the active partner; a code already in the pool is counted, not added.
    benefit = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>喜茶</option>', page.text)
    assert benefit is not None
    uploaded = await send(
        operator,
        plan_url,
        f"{plan_url}/codes",
        benefit=benefit.group(1),
        codes="HEYTEA-001\nHEYTEA-002\n\nHEYTEA-001\n",
    )
    assert location(uploaded) == f"{plan_url}?done=codes&added=2&duplicates=0&issued=0"
    again = await send(
        operator,
        plan_url,
        f"{plan_url}/codes",
        benefit=benefit.group(1),
        codes="HEYTEA-002\nHEYTEA-003",
    )
    assert location(again) == f"{plan_url}?done=codes&added=1&duplicates=1&issued=0"
    page = await operator.get(location(again))
    assert "新增 1 个，重复 1 个，立即发放 0 个" in text_of(page.text)
    pool = page.text.split('data-testid="benefits"')[1].split("</table>")[0]
    assert re.search(r'data-testid="codes-available">3<', pool)
    empty = await send(
        operator, plan_url, f"{plan_url}/codes", benefit=benefit.group(1), codes=" \n"
    )
    assert problem_at(empty.text, "codes") == "no_codes"
    bad = await send(
        operator, plan_url, f"{plan_url}/codes", benefit=benefit.group(1), codes="ok\n" + "x" * 121
    )
    assert problem_at(bad.text, "codes") == "invalid_code"
    assert "x" * 121 in bad.text  # what was pasted is kept

    # Off sale and back on.
    off = await send(operator, plan_url, f"{plan_url}/active", active="0")
    assert location(off) == f"{plan_url}?done=deactivated"
    assert "已停售" in text_of((await operator.get(plan_url)).text)
    on = await send(operator, plan_url, f"{plan_url}/active", active="1")
    assert location(on) == f"{plan_url}?done=activated"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"price": "0"}, "price", "amount_not_positive"),
        ({"price": "100001"}, "price", "amount_too_large"),
        ({"duration_days": "0"}, "duration_days", "number_out_of_range"),
        ({"free_shipping": "-1"}, "free_shipping", "amount_negative"),
        ({"benefits": "喜茶\n喜茶 | 又一次"}, "benefits", "duplicate_partner"),
        ({"benefits": "喜茶 | " + "长" * 301}, "benefits", "invalid_plan"),
        ({"name": "  "}, "name", "invalid_plan"),
        ({"name": "年卡\x00"}, "name", "invalid_plan"),
        ({"benefits": "喜\x00茶 | 饮品券"}, "benefits", "invalid_plan"),
        ({"benefits": "喜茶 | 饮\x00品券"}, "benefits", "invalid_plan"),
    ],
)
async def test_a_refused_plan_form_shows_why(
    operator: Browser, changes: dict[str, str], field: str, code: str
) -> None:
    answer = await send(operator, "/admin/plans/new", "/admin/plans", **{**PLAN, **changes})
    assert answer.status_code == 422, answer.text
    assert problem_at(answer.text, field) == code
    assert "data-plan=" not in (await operator.get("/admin/plans")).text


async def test_plan_names_are_unique(operator: Browser) -> None:
    await send(operator, "/admin/plans/new", "/admin/plans", **PLAN)
    twin = await send(operator, "/admin/plans/new", "/admin/plans", **PLAN)
    assert twin.status_code == 409
    assert problem_at(twin.text, "name") == "plan_name_taken"


# --- the commission plan ---------------------------------------------------------------------


def plan_fields(page: str, **changes: str) -> dict[str, str]:
    """The editor's fields as the page shows them, with ``changes`` typed over them."""
    fields = hidden_fields(page, "/admin/commission-plan")
    form = page.split('action="/admin/commission-plan"')[1].split("</form>")[0]
    for name, value in re.findall(r'name="([a-z_0-9]+)" type="text" value="([^"]*)"', form):
        fields[name] = value
    for name, value in re.findall(
        r'<textarea id="[^"]*" name="([a-z_]+)"[^>]*>([^<]*)</textarea>', form
    ):
        fields[name] = value
    for name, body in re.findall(
        r'<select id="[^"]*" name="([a-z_]+)"[^>]*>(.*?)</select>', form, flags=re.S
    ):
        picked = re.search(r'value="([^"]*)" selected', body)
        fields[name] = picked.group(1) if picked else ""
    for name in re.findall(r'name="([a-z_]+)" type="checkbox" value="1" checked', form):
        fields[name] = "1"
    return {**fields, **changes}


async def save_plan(operator: Browser, **changes: str) -> httpx.Response:
    page = await operator.get("/admin/commission-plan")
    return await operator.post("/admin/commission-plan", plan_fields(page.text, **changes))


async def test_a_compliant_plan_becomes_the_next_version(operator: Browser) -> None:
    page = await operator.get("/admin/commission-plan")
    assert "第 1 版" in text_of(page.text)
    assert value_of(page.text, "share_rate") == "10"
    assert value_of(page.text, "override_2") == "3"

    saved = await save_plan(operator, share_rate="12.5", override_2="3", freeze_days="10")
    assert location(saved) == "/admin/commission-plan?saved=2"
    page = await operator.get(location(saved))
    text = text_of(page.text)
    assert "已保存为第 2 版" in text
    assert value_of(page.text, "share_rate") == "12.5"
    history = page.text.split('data-testid="plan-history"')[1]
    assert history.count("data-version=") == 2
    assert "12.5% + 3%" in text_of(history)
    assert "运营小李" in text_of(history)

    async def current(session: AsyncSession) -> Any:
        return await commission_plans.current_plan(session)

    plan = await read(current)
    assert (plan.version, plan.share_rate_bp, plan.override_rates_bp, plan.freeze_days) == (
        2,
        1250,
        (300,),
        10,
    )

    # A team-volume rule is accepted with its warning shown in the operator's language.
    saved = await save_plan(operator, team_volume="1", team_volume_min="5000")
    assert location(saved) == "/admin/commission-plan?saved=3"
    page = await operator.get("/admin/commission-plan?lang=en")
    warnings = page.text.split('data-testid="current-warnings"')[1].split("</ul>")[0]
    assert 'data-rule="team_volume"' in warnings
    assert "pays on team sales volume" in text_of(warnings)

    # An earlier version can be read and used as the starting point.
    version = await operator.get("/admin/commission-plan/versions/1")
    assert "10% + 3%" in text_of(version.text)
    start = await operator.get("/admin/commission-plan?from=2")
    assert value_of(start.text, "share_rate") == "12.5"
    assert (await operator.get("/admin/commission-plan/versions/99")).status_code == 404


@pytest.mark.parametrize(
    ("changes", "rule", "words"),
    [
        (
            {"override_2": "3", "override_3": "2", "override_4": "1"},
            "max_depth",
            "这份方案给 4 级计佣，最多只能 3 级",
        ),
        ({"membership_fee_rate": "5"}, "no_entry_fee_reward", "入门费"),
        ({"recruit_reward": "20"}, "no_entry_fee_reward", "拉新（¥20）"),
        ({"share_rate": "40", "override_2": "15"}, "max_total_rate", "55%"),
        (
            {"sales_manager_threshold": "900", "service_manager_threshold": "90"},
            "rank_thresholds",
            "1 ≤ 销售经理 < 服务经理",
        ),
    ],
)
async def test_a_non_compliant_plan_is_refused_naming_the_rule(
    operator: Browser, changes: dict[str, str], rule: str, words: str
) -> None:
    answer = await save_plan(operator, **changes)
    assert answer.status_code == 422, answer.text
    assert 'data-problem="plan_not_compliant"' in answer.text
    refusals = answer.text.split('data-testid="refusals"')[1].split("</ul>")[0]
    assert f'data-rule="{rule}"' in refusals
    assert words in text_of(refusals)
    for name, typed in changes.items():
        assert value_of(answer.text, name) == typed
    # Nothing was stored: version 1 is still in force.
    assert "第 1 版" in text_of((await operator.get("/admin/commission-plan")).text)


async def test_plan_refusals_in_english(operator: Browser) -> None:
    page = await operator.get("/admin/commission-plan?lang=en")
    fields = plan_fields(page.text, override_2="3", override_3="2", override_4="1")
    answer = await operator.post("/admin/commission-plan", fields)
    refusals = text_of(answer.text.split('data-testid="refusals"')[1].split("</ul>")[0])
    assert "Rule max_depth: this plan pays 4 levels, but at most 3 may be paid" in refusals


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"share_rate": "12.345"}, "share_rate", "invalid_percent"),
        ({"share_rate": "101"}, "share_rate", "percent_out_of_range"),
        ({"share_rate": "-1"}, "share_rate", "invalid_percent"),
        ({"override_2": "", "override_3": "2"}, "override_3", "level_gap"),
        ({"freeze_days": "366"}, "freeze_days", "number_out_of_range"),
        ({"category_rates": "茶叶 12"}, "category_rates", "invalid_rate_line"),
        ({"category_rates": "茶\x00叶 = 12"}, "category_rates", "invalid_category"),
        ({"sku_rates": "abc = 12"}, "sku_rates", "invalid_rate_line"),
        ({"earning": "robots"}, "earning", "invalid_choice"),
        ({"sales_manager_base_pay": "1.001"}, "sales_manager_base_pay", "amount_decimals"),
    ],
)
async def test_bad_plan_fields_are_refused_next_to_them(
    operator: Browser, changes: dict[str, str], field: str, code: str
) -> None:
    answer = await save_plan(operator, **changes)
    assert answer.status_code == 422, answer.text
    assert problem_at(answer.text, field) == code


# --- who may use the pages -------------------------------------------------------------------

PAGES = [
    "/admin/products",
    "/admin/products/new",
    "/admin/campaigns",
    "/admin/campaigns/new",
    "/admin/batches",
    "/admin/plans",
    "/admin/plans/new",
    "/admin/commission-plan",
    "/admin/commission-plan/versions/1",
]


async def test_a_member_is_refused_and_a_stranger_sent_to_log_in(
    new_browser: NewBrowser, operator: Browser
) -> None:
    member = await sign_up(new_browser, "普通会员")
    stranger = await new_browser()
    for url in PAGES:
        assert (await operator.get(url)).status_code == 200, url
        refused = await member.get(url)
        assert refused.status_code == 403, url
        assert 'data-problem="role_required"' in refused.text
        sent = await stranger.get(url)
        assert sent.status_code == 303, url
        assert sent.headers["location"].startswith("/login?next=")
    # A member's POST with a valid token is still refused by role.
    fields = hidden_fields((await member.get("/")).text, "/logout")
    for action in ("/admin/products", "/admin/campaigns", "/admin/plans", "/admin/commission-plan"):
        refused = await member.post(action, {**fields, **PRODUCT})
        assert refused.status_code == 403, action
        assert 'data-problem="role_required"' in refused.text


async def test_forms_without_the_csrf_token_are_refused(operator: Browser, shop: Shop) -> None:
    for action, fields in (
        ("/admin/products", PRODUCT),
        (f"/admin/products/{shop.product_id}/status", {"status": "archived"}),
        ("/admin/campaigns", {"sku": shop.sku_id, **CAMPAIGN}),
        (f"/admin/campaigns/{shop.campaign_id}/status", {"status": "ended"}),
        ("/admin/batches/rule", {"mode": "daily"}),
        ("/admin/plans", PLAN),
        ("/admin/commission-plan", {"share_rate": "10"}),
    ):
        for token in ("", "forged"):
            refused = await operator.post(action, {**fields, "csrf": token})
            assert refused.status_code == 403, action
            assert 'data-problem="csrf_failed"' in refused.text
    assert "进行中" in text_of((await operator.get(f"/admin/campaigns/{shop.campaign_id}")).text)
    assert "在售" in text_of((await operator.get(f"/admin/products/{shop.product_id}")).text)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        (f"/admin/products/{uuid.UUID(int=1)}", "product_not_found"),
        ("/admin/products/nope", "product_not_found"),
        (f"/admin/campaigns/{uuid.UUID(int=1)}", "campaign_not_found"),
        ("/admin/campaigns/1", "campaign_not_found"),
        (f"/admin/batches/{uuid.UUID(int=1)}", "batch_not_found"),
        ("/admin/batches/x", "batch_not_found"),
        (f"/admin/plans/{uuid.UUID(int=1)}", "plan_not_found"),
        ("/admin/plans/%00", "plan_not_found"),
        ("/admin/commission-plan/versions/7", "plan_version_not_found"),
    ],
)
async def test_unknown_ids_are_not_found(operator: Browser, url: str, code: str) -> None:
    answer = await operator.get(url)
    assert answer.status_code == 404
    assert f'data-problem="{code}"' in answer.text


async def test_posts_to_unknown_or_mismatched_ids_are_not_found(
    operator: Browser, shop: Shop
) -> None:
    token = await csrf_of(operator)
    other = await seed_shop(title="另一款茶")
    for action, fields, code in (
        (
            f"/admin/products/{uuid.UUID(int=1)}/skus",
            {"sku_name": "x", "price": "1", "stock": "1"},
            "product_not_found",
        ),
        (
            f"/admin/products/{shop.product_id}/skus/{other.sku_id}",
            {"sku_name": "x", "price": "1"},
            "sku_not_found",
        ),
        (
            f"/admin/products/{shop.product_id}/skus/{other.sku_id}/stock",
            {"delta": "1"},
            "sku_not_found",
        ),
        (f"/admin/campaigns/{uuid.UUID(int=1)}/status", {"status": "paused"}, "campaign_not_found"),
        (f"/admin/batches/{uuid.UUID(int=1)}/cut", {}, "batch_not_found"),
        (f"/admin/plans/{uuid.UUID(int=1)}/active", {"active": "0"}, "plan_not_found"),
        (
            f"/admin/plans/{uuid.UUID(int=1)}/codes",
            {"benefit": "x", "codes": "A"},
            "plan_not_found",
        ),
    ):
        answer = await operator.post(action, {**token, **fields})
        assert answer.status_code == 404, (action, answer.text)
        assert f'data-problem="{code}"' in answer.text, action

    # The other product's SKU was not touched through the wrong product.
    async def price(session: AsyncSession) -> int:
        view = await catalog.get_product_view(session, uuid.UUID(other.product_id), public=False)
        return view.skus[0].price_fen

    assert await read(price) == 29800
