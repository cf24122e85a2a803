"""The supplier portal through plain forms (no JS): a batch made by real group orders is
started, marked produced (booking the payable once), and shipped order by order and from a
CSV upload that is all-or-nothing; only the supplier's own staff get in."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from quanzi.core.clock import FrozenClock
from quanzi.web import supplier as supplier_pages
from tests.helpers import PASSWORD, Account, account_with_roles, register
from tests.orders.support import get_order
from tests.production.support import (
    Factory,
    batches,
    cut_all,
    factory,
    group_order,
    outbox,
    succeed,
    transfers,
)
from tests.web.support import Browser, NewBrowser, hidden_fields, location, text_of

Orders = list[tuple[str, Account]]


@pytest.fixture
async def plant(client: httpx.AsyncClient) -> Factory:
    return await factory(client)


async def cut_batch(
    client: httpx.AsyncClient, plant: Factory, clock: FrozenClock, size: int, sku: str = ""
) -> tuple[str, Orders]:
    """A cut batch of ``size`` group orders (one succeeded group, cut at the day's end);
    returns its id and (order id, buyer) pairs."""
    placed = []
    for _ in range(size):
        buyer = await register(client, name="拼友")
        placed.append((await group_order(client, buyer, sku or plant.sku), buyer))
    await succeed(*(order_id for order_id, _ in placed))
    await cut_all(clock)
    made = [batch for batch in await batches(plant.supplier_id) if batch.status == "created"]
    return str(made[-1].id), placed


async def logged_in(new_browser: NewBrowser, account: Account, next_url: str = "/") -> Browser:
    browser = await new_browser()
    response = await browser.submit(
        f"/login?next={next_url}", "/login", phone=account.phone, password=PASSWORD
    )
    assert location(response) == next_url
    return browser


async def upload(
    browser: Browser, batch_url: str, content: bytes, *, fields: dict[str, str] | None = None
) -> httpx.Response:
    """Send the batch page's upload form with ``content`` as the chosen file."""
    if fields is None:
        page = await browser.get(batch_url)
        fields = hidden_fields(page.text, f"{batch_url}/upload")
    return await browser.client.post(
        f"{batch_url}/upload",
        data=fields,
        files={"file": ("发货单.csv", content, "text/csv")},
    )


def order_row(page: str, order_id: str) -> str:
    match = re.search(rf'<tr id="order-{order_id}".*?</tr>', page, flags=re.S)
    assert match is not None, f"no row for {order_id}"
    return match.group(0)


async def test_a_supplier_makes_and_ships_a_batch(
    client: httpx.AsyncClient, new_browser: NewBrowser, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, placed = await cut_batch(client, plant, clock, size=4)
    (first, _), (second, second_buyer), (third, _), (fourth, _) = placed
    batch_url = f"/supplier/batches/{batch_id}"

    # Logged in from the shop, the supplier finds the portal in the header.
    staff = await logged_in(new_browser, plant.staff)
    home = await staff.get("/")
    assert 'href="/supplier"' in home.text

    listing = await staff.get("/supplier")
    assert listing.status_code == 200
    assert f'data-batch="{batch_id}" data-status="created"' in listing.text
    row = text_of(listing.text)
    assert "乳胶枕" in row
    assert "已截单·待生产" in row
    assert re.search(r'data-label="数量" class="num">4<', listing.text)
    only_produced = await staff.get("/supplier?status=produced")
    assert batch_id not in only_produced.text
    assert "没有这个状态的批次" in text_of(only_produced.text)
    assert 'href="/supplier?status=produced" aria-current="page"' in only_produced.text
    assert batch_id in (await staff.get("/supplier?status=created")).text

    page = await staff.get(batch_url)
    assert page.status_code == 200
    text = text_of(page.text)
    # Where the factory sends each order.
    assert "李雷" in text
    assert "文三路 1 号" in text
    assert f"{batch_url}/upload" not in page.text  # nothing ships before it is produced

    started = await staff.submit(batch_url, f"{batch_url}/start")
    assert location(started) == f"{batch_url}?done=started"
    produced_form = await staff.get(location(started))
    assert "已开始生产" in text_of(produced_form.text)
    fields = hidden_fields(produced_form.text, f"{batch_url}/produced")
    produced = await staff.post(f"{batch_url}/produced", fields)
    assert location(produced) == f"{batch_url}?done=produced"
    shown = await staff.get(location(produced))
    # Four units at a supply price of ¥12: ¥48 moved to the supplier's payable.
    assert "应付货款 ¥48 已入账" in text_of(shown.text)
    assert re.search(r'data-testid="payable-booked">¥48<', shown.text)
    assert await transfers("supplier_payable") == [(f"production-payable:{batch_id}", batch_id)]

    # The same form again (a second click, another tab): refused, booked once.
    again = await staff.post(f"{batch_url}/produced", fields)
    assert again.status_code == 409
    assert 'data-problem="illegal_transition"' in again.text
    assert "现在是「已生产」，不能标记为已生产" in text_of(again.text)
    assert len(await transfers("supplier_payable")) == 1

    # The shipping list: every order with its address, as the API's.
    listed = await staff.get(f"{batch_url}/shipments.csv")
    assert listed.status_code == 200
    assert listed.headers["content-type"].startswith("text/csv")
    assert "attachment" in listed.headers["content-disposition"]
    records = list(csv.DictReader(io.StringIO(listed.content.decode("utf-8-sig"))))
    assert sorted(r["order_id"] for r in records) == sorted(o for o, _ in placed)
    assert {r["name"] for r in records} == {"李雷"}

    # Tracking for one order, typed in; a form without the tracking number saves nothing.
    missing = await staff.submit(
        batch_url, f"{batch_url}/ship", order_id=first, carrier="顺丰速运", tracking_no=" "
    )
    assert missing.status_code == 422
    assert f"订单 {first}：缺少运单号。" in text_of(missing.text)
    assert "缺少运单号" in text_of(order_row(missing.text, first))
    assert 'value="顺丰速运"' in order_row(missing.text, first)  # what was typed stays
    shipped = await staff.submit(
        batch_url, f"{batch_url}/ship", order_id=first, carrier="顺丰速运", tracking_no="SF100"
    )
    assert location(shipped) == f"{batch_url}?done=shipped#order-{first}"
    after = await staff.get(f"{batch_url}?done=shipped")
    assert "运单号已保存" in text_of(after.text)
    assert "顺丰速运 SF100" in text_of(order_row(after.text, first))

    # A file with bad rows: every one is named, and nothing of it is saved.
    bad = "\r\n".join(
        [
            "order_id,carrier,tracking_no",
            f"{second},中通快递,ZT2",  # 2: fine
            f"{third},中通快递,",  # 3: no tracking number
            "not-an-id,中通快递,ZT9",  # 4
            f"{first},中通快递,ZT1",  # 5: already left with SF100
            f"{second},中通快递,ZT2",  # 6: listed twice
        ]
    )
    refused = await upload(staff, batch_url, bad.encode("utf-8"))
    assert refused.status_code == 422
    assert 'data-problem="invalid_shipments"' in refused.text
    errors = re.findall(r'<li data-row="(\d+)">(.*?)</li>', refused.text, flags=re.S)
    assert [(int(row), text_of(item)) for row, item in errors] == [
        (3, f"第 3 行 · 订单 {third}: 缺少运单号。"),
        (4, "第 4 行 · 订单 not-an-id: 订单号不对。"),
        (5, f"第 5 行 · 订单 {first}: 这个订单已经用 顺丰速运 SF100 发货了。"),
        (6, f"第 6 行 · 订单 {second}: 这个订单在第 2 行已经出现过。"),
    ]
    assert "有 4 行不能使用，整份文件都没有保存" in text_of(refused.text)
    assert (await get_order(client, second_buyer, second))["status"] == "confirmed"
    assert len(await outbox("order.shipped")) == 1

    # The downloaded list, filled in and sent back, ships the rest (the typed-in one too,
    # unchanged since its number is the same).
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    for record in records:
        if record["order_id"] == first:
            record.update(carrier="顺丰速运", tracking_no="SF100")
        else:
            record.update(carrier="中通快递", tracking_no=f"ZT-{record['order_id'][-6:]}")
        writer.writerow(record)
    uploaded = await upload(staff, batch_url, ("\ufeff" + out.getvalue()).encode("utf-8"))
    assert location(uploaded) == f"{batch_url}?done=uploaded&shipped=3&unchanged=1"
    done = await staff.get(location(uploaded))
    assert "新发货 3 单，1 单此前已是同一运单号" in text_of(done.text)
    assert "已发 4/4" in text_of(done.text)
    for order_id in (second, third, fourth):
        assert f"中通快递 ZT-{order_id[-6:]}" in text_of(order_row(done.text, order_id))
    assert len(await outbox("order.shipped")) == 4
    assert "已全部发货" in text_of((await staff.get("/supplier?status=produced")).text)

    # The buyer sees the parcel on the order page.
    buyer = await logged_in(new_browser, second_buyer, f"/orders/{second}")
    mine = await buyer.get(f"/orders/{second}")
    assert re.search(r'data-testid="order-status" data-status="shipped">', mine.text)
    shipment = text_of(re.search(r'data-testid="shipment">.*?</dl>', mine.text, re.S)[0])
    assert "中通快递" in shipment
    assert f"ZT-{second[-6:]}" in shipment
    assert 'href="/supplier"' not in mine.text  # the portal link is for supplier staff only


async def test_another_suppliers_staff_get_not_found(
    client: httpx.AsyncClient, new_browser: NewBrowser, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, placed = await cut_batch(client, plant, clock, size=2)
    batch_url = f"/supplier/batches/{batch_id}"
    rival = await factory(client, name="别家工厂")
    other = await logged_in(new_browser, rival.staff)

    listing = await other.get("/supplier")
    assert listing.status_code == 200
    assert batch_id not in listing.text
    page = await other.get(batch_url)
    assert page.status_code == 404
    assert 'data-problem="batch_not_found"' in page.text
    assert "这个生产批次不存在" in text_of(page.text)
    assert (await other.get(f"{batch_url}/shipments.csv")).status_code == 404
    # Its own forms carry a valid CSRF token: the refusal is the batch, not the form.
    token = hidden_fields((await other.get("/supplier")).text, "/logout")
    for step in ("start", "produced"):
        refused = await other.post(f"{batch_url}/{step}", token)
        assert refused.status_code == 404
        assert 'data-problem="batch_not_found"' in refused.text
    order_id = placed[0][0]
    shipped = await other.post(
        f"{batch_url}/ship", {**token, "order_id": order_id, "carrier": "SF", "tracking_no": "1"}
    )
    assert shipped.status_code == 404
    sent = await upload(
        other,
        batch_url,
        f"order_id,carrier,tracking_no\r\n{order_id},SF,1\r\n".encode(),
        fields=token,
    )
    assert sent.status_code == 404
    # A made-up id is the same 404.
    assert (await other.get("/supplier/batches/not-a-batch")).status_code == 404
    assert [batch.status for batch in await batches(plant.supplier_id)] == ["created"]


async def test_who_may_open_the_portal(
    client: httpx.AsyncClient, new_browser: NewBrowser, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, _ = await cut_batch(client, plant, clock, size=1)
    stranger = await new_browser()
    assert location(await stranger.get("/supplier")) == "/login?next=%2Fsupplier"
    assert location(await stranger.get(f"/supplier/batches/{batch_id}")) == (
        f"/login?next=%2Fsupplier%2Fbatches%2F{batch_id}"
    )
    assert 'href="/supplier"' not in (await stranger.get("/")).text

    # After logging in from that redirect, the supplier lands on the portal.
    staff = await logged_in(new_browser, plant.staff, "/supplier")
    assert (await staff.get("/supplier")).status_code == 200

    member = await logged_in(new_browser, await register(client, name="会员"))
    refused = await member.get("/supplier")
    assert refused.status_code == 403
    assert 'data-problem="role_required"' in refused.text
    assert 'href="/supplier"' not in (await member.get("/")).text
    assert (await member.get(f"/supplier/batches/{batch_id}")).status_code == 403

    # The role alone, without a supplier to work for, is not enough.
    unlinked = await logged_in(new_browser, await account_with_roles(client, "supplier"))
    alone = await unlinked.get("/supplier")
    assert alone.status_code == 403
    assert 'data-problem="not_supplier_staff"' in alone.text
    assert "还没有关联到供应商" in text_of(alone.text)


async def test_forms_need_the_csrf_token(
    client: httpx.AsyncClient, new_browser: NewBrowser, plant: Factory, clock: FrozenClock
) -> None:
    batch_id, placed = await cut_batch(client, plant, clock, size=1)
    batch_url = f"/supplier/batches/{batch_id}"
    staff = await logged_in(new_browser, plant.staff)
    for step in ("start", "produced"):
        forged = await staff.post(f"{batch_url}/{step}", {"csrf": "not-the-token"})
        assert forged.status_code == 403
        assert 'data-problem="csrf_failed"' in forged.text
    assert [batch.status for batch in await batches(plant.supplier_id)] == ["created"]
    for step in ("start", "produced"):
        assert (await staff.submit(batch_url, f"{batch_url}/{step}")).status_code == 303

    row = f"order_id,carrier,tracking_no\r\n{placed[0][0]},SF,SF1\r\n".encode()
    forged_upload = await upload(staff, batch_url, row, fields={})
    assert forged_upload.status_code == 403
    assert 'data-problem="csrf_failed"' in forged_upload.text
    forged_ship = await staff.post(
        f"{batch_url}/ship", {"order_id": placed[0][0], "carrier": "SF", "tracking_no": "1"}
    )
    assert forged_ship.status_code == 403
    assert await outbox("order.shipped") == []
    # A stranger's post never gets as far as the batch.
    stranger = await new_browser()
    assert (await stranger.post(f"{batch_url}/start", {"csrf": "x"})).status_code == 403


async def test_what_the_upload_refuses(
    client: httpx.AsyncClient,
    new_browser: NewBrowser,
    plant: Factory,
    clock: FrozenClock,
) -> None:
    batch_id, placed = await cut_batch(client, plant, clock, size=2)
    batch_url = f"/supplier/batches/{batch_id}"
    staff = await logged_in(new_browser, plant.staff)
    token = hidden_fields((await staff.get(batch_url)).text, f"{batch_url}/start")
    row = f"order_id,carrier,tracking_no\r\n{placed[0][0]},SF,SF1\r\n".encode()

    early = await upload(staff, batch_url, row, fields=token)
    assert early.status_code == 409
    assert 'data-problem="batch_not_produced"' in early.text
    assert "批次标记已生产后才能发货" in text_of(early.text)
    for step in ("start", "produced"):
        assert (await staff.submit(batch_url, f"{batch_url}/{step}")).status_code == 303

    headerless = await upload(staff, batch_url, b"order,who\r\nx,y\r\n", fields=token)
    assert headerless.status_code == 422
    assert 'data-problem="invalid_csv"' in headerless.text
    assert "missing: order_id, carrier, tracking_no" in text_of(headerless.text)
    not_text = await upload(staff, batch_url, b"\xff\xfe\x00bad", fields=token)
    assert 'data-problem="invalid_csv"' in not_text.text

    empty_choice = await staff.client.post(
        f"{batch_url}/upload", data=token, files={"file": ("", b"", "application/octet-stream")}
    )
    assert empty_choice.status_code == 422
    assert "请选择要上传的 CSV 文件" in text_of(empty_choice.text)

    too_big = await upload(
        staff, batch_url, b"x" * (supplier_pages.MAX_UPLOAD_REQUEST + 1), fields=token
    )
    assert too_big.status_code == 413
    assert 'data-problem="payload_too_large"' in too_big.text
    plain_form = await staff.post(f"{batch_url}/upload", token)
    assert plain_form.status_code == 415
    assert await outbox("order.shipped") == []

    # After all that, a good file still ships (nothing above was half-written).
    good = await upload(staff, batch_url, row, fields=token)
    assert location(good) == f"{batch_url}?done=uploaded&shipped=1&unchanged=0"


async def test_batches_page_by_page_and_in_english(
    client: httpx.AsyncClient,
    new_browser: NewBrowser,
    plant: Factory,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    older, _ = await cut_batch(client, plant, clock, size=1)
    newer, _ = await cut_batch(client, plant, clock, size=1, sku=plant.other_sku)
    monkeypatch.setattr(supplier_pages, "PAGE_SIZE", 1)
    staff = await logged_in(new_browser, plant.staff)

    first = await staff.get("/supplier")
    assert f'data-batch="{newer}"' in first.text
    assert f'data-batch="{older}"' not in first.text
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert next_url is not None
    second = await staff.get(next_url.group(1).replace("&amp;", "&"))
    assert f'data-batch="{older}"' in second.text
    assert f'data-batch="{newer}"' not in second.text
    assert 'rel="next"' not in second.text
    assert (await staff.get("/supplier?cursor=nonsense")).status_code == 422
    assert (await staff.get("/supplier?status=collecting")).status_code == 400

    english = await staff.get(f"/supplier/batches/{older}?lang=en")
    assert "Start production" in text_of(english.text)
    assert "Cut, to start" in text_of(english.text)
