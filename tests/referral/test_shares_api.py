"""Share links over HTTP: one link per member and target, the ``/s/{code}`` landing (click
recorded, cookies, redirect, binding of a logged-in visitor), attribution (order code, last
click wins, window, own link never) and the conversion figures with refunds."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.referral.models import ShareClick
from tests.helpers import Account, problem, register
from tests.referral.support import (
    bind_code,
    buy,
    click,
    log_in_again,
    make_product,
    node,
    refund,
    set_mode,
    share,
    share_code,
    sharer_of,
)


async def my_shares(client: httpx.AsyncClient, who: Account, **params: object) -> dict[str, object]:
    response = await client.get("/api/v1/me/shares", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_member_gets_one_link_per_target(client: httpx.AsyncClient) -> None:
    alice = await register(client, name="Alice")
    bob = await register(client, name="Bob")
    product = await make_product()
    first = await share(client, alice, product_id=product.id)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["url"] == f"http://127.0.0.1:8000/s/{body['code']}"
    assert (body["target_kind"], body["target_id"]) == ("product", product.id)
    assert (body["click_count"], body["order_count"], body["sales_fen"]) == (0, 0, 0)
    again = await share(client, alice, product_id=product.id)
    assert again.status_code == 200
    assert again.json()["code"] == body["code"]
    others = await share(client, bob, product_id=product.id)
    assert others.status_code == 201
    assert others.json()["code"] != body["code"]


async def test_share_requests_are_checked(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    product = await make_product()
    problem(await share(client, alice), 422, "validation_error")
    problem(
        await share(client, alice, product_id=product.id, group_id=str(uuid.uuid4())),
        422,
        "validation_error",
    )
    problem(await share(client, alice, product_id=str(uuid.uuid4())), 404, "product_not_found")
    problem(await share(client, alice, group_id=str(uuid.uuid4())), 404, "group_not_found")
    problem(
        await client.post("/api/v1/shares", json={"product_id": product.id}), 401, "unauthorized"
    )


async def test_opening_a_link_records_the_click_and_redirects(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, name="Alice")
    product = await make_product()
    code = await share_code(client, alice, product)

    response = await click(client, code.upper())
    assert response.status_code == 302
    assert response.headers["location"] == f"/p/{product.id}?share={code}"
    cookies = response.headers.get_list("set-cookie")
    share_cookie = next(c for c in cookies if c.startswith("qz_share="))
    assert f"qz_share={code}" in share_cookie
    assert "Max-Age=604800" in share_cookie
    visitor_cookie = next(c for c in cookies if c.startswith("qz_vid="))
    assert "HttpOnly" in visitor_cookie

    # The same browser keeps its visitor key.
    client.cookies.set("qz_vid", visitor_cookie.split(";")[0].split("=", 1)[1])
    again = await click(client, code)
    assert not any(c.startswith("qz_vid=") for c in again.headers.get_list("set-cookie"))
    client.cookies.clear()

    listed = await my_shares(client, alice)
    assert listed["items"][0]["click_count"] == 2  # type: ignore[index]

    async def clicks(session: AsyncSession) -> tuple[int, int]:
        total = await session.scalar(select(func.count()).select_from(ShareClick))
        keys = await session.scalar(select(func.count(func.distinct(ShareClick.visitor_key))))
        return int(total or 0), int(keys or 0)

    assert await db.transaction(clicks) == (2, 1)


async def test_an_unknown_code_is_a_404(client: httpx.AsyncClient) -> None:
    # A client asking for JSON gets problem+json; a browser gets the storefront's error page.
    for code in ("abcdefghjk", "not a code"):
        response = await client.get(f"/s/{code}", headers={"accept": "application/json"})
        problem(response, 404, "share_link_not_found")
    page = await client.get("/s/abcdefghjk", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


async def test_a_group_link_leads_to_the_group_page(client: httpx.AsyncClient) -> None:
    from tests.groupbuy.support import make_campaign, open_and_pay
    from tests.helpers import operator

    op = await operator(client)
    campaign = await make_campaign(client, op)
    leader = await register(client, name="Leader")
    group_id = await open_and_pay(client, campaign, leader)
    response = await share(client, leader, group_id=group_id)
    assert response.status_code == 201, response.text
    code = response.json()["code"]
    landing = await click(client, code)
    assert landing.headers["location"] == f"/g/{group_id}?share={code}"


async def test_a_logged_in_visitor_is_bound_to_the_sharer(client: httpx.AsyncClient) -> None:
    alice = await register(client, name="Alice")
    zoe = await register(client, name="Zoe")
    bob = await register(client, name="Bob")
    product = await make_product()
    code = await share_code(client, alice, product)
    await click(client, code, bob)
    assert str((await node(bob.id)).parent_id) == alice.id
    # First touch: Zoe's link later changes nothing; Alice's own click binds nobody.
    await click(client, await share_code(client, zoe, product), bob)
    assert str((await node(bob.id)).parent_id) == alice.id
    await click(client, code, alice)
    assert (await node(alice.id)).parent_id is None


async def test_latest_mode_rebinds_on_every_new_link(
    client: httpx.AsyncClient, op: Account
) -> None:
    await set_mode(client, op, "latest")
    alice, zoe, bob = [await register(client, name=n) for n in ("Alice", "Zoe", "Bob")]
    product = await make_product()
    await click(client, await share_code(client, alice, product), bob)
    await click(client, await share_code(client, zoe, product), bob)
    assert str((await node(bob.id)).parent_id) == zoe.id
    # A loop is not an error on a landing page: Zoe opening Bob's link binds nobody.
    landing = await click(client, await share_code(client, bob, product), zoe)
    assert landing.status_code == 302
    assert (await node(zoe.id)).parent_id is None


async def test_anonymous_clicks_are_claimed_after_registration(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, name="Alice")
    product = await make_product()
    code = await share_code(client, alice, product)
    landing = await click(client, code)
    visitor = landing.cookies["qz_vid"]

    bob = await register(client, name="Bob")
    assert await sharer_of(bob) is None
    client.cookies.set("qz_vid", visitor)
    response = await bind_code(client, bob, landing.cookies["qz_share"])
    client.cookies.clear()
    assert response.status_code == 200, response.text
    assert response.json()["via"] == "share"
    assert response.json()["referrer"]["display_name"] == "Alice"
    # The click made before Bob had an account now attributes his orders.
    assert await sharer_of(bob) == alice.id


async def test_attribution_order_code_last_click_window_and_own_link(
    client: httpx.AsyncClient, op: Account, clock: FrozenClock
) -> None:
    await set_mode(client, op, "first_touch", attribution_days=7)
    alice, zoe, bob = [await register(client, name=n) for n in ("Alice", "Zoe", "Bob")]
    product = await make_product()
    alice_code = await share_code(client, alice, product)
    zoe_code = await share_code(client, zoe, product)
    bob_code = await share_code(client, bob, product)

    assert await sharer_of(bob) is None
    await click(client, alice_code, bob)
    clock.advance(timedelta(days=1))
    await click(client, zoe_code, bob)
    clock.advance(timedelta(hours=1))
    # Last click wins, and the buyer's clicks on their own link do not count.
    await click(client, bob_code, bob)
    assert await sharer_of(bob) == zoe.id
    # The order's own share code comes first ...
    assert await sharer_of(bob, alice_code) == alice.id
    # ... except the buyer's own link: nobody (member price, not commission).
    assert await sharer_of(bob, bob_code) is None
    # An unknown code on the order falls back to the clicks.
    assert await sharer_of(bob, "zzzzzzzzzz") == zoe.id

    clock.advance(timedelta(days=6, hours=22))  # Zoe's click is 6 d 23 h old
    assert await sharer_of(bob) == zoe.id
    clock.advance(timedelta(hours=2))
    assert await sharer_of(bob) is None
    # The window is the operator's: 30 days brings the clicks back.
    await log_in_again(client, op)
    await set_mode(client, op, "first_touch", attribution_days=30)
    assert await sharer_of(bob) == zoe.id


async def test_paid_orders_count_for_their_link_and_refunds_come_off(
    client: httpx.AsyncClient, op: Account
) -> None:
    alice, bob, carol = [await register(client, name=n) for n in ("Alice", "Bob", "Carol")]
    product = await make_product()
    code = await share_code(client, alice, product)

    first = await buy(client, bob, product, share_code=code)  # goods 5000, shipping 1000
    await click(client, code, carol)
    second = await buy(client, carol, product, quantity=1)  # via the click: goods 2500
    await buy(client, alice, product, share_code=code)  # her own link: not a conversion
    listed = await my_shares(client, alice)
    item = listed["items"][0]  # type: ignore[index]
    assert (item["click_count"], item["order_count"], item["sales_fen"]) == (1, 2, 7500)
    # Bob bought through Alice's share code: he is now bound to her.
    assert str((await node(bob.id)).parent_id) == alice.id

    await refund(client, op, first["id"], 2000)
    await refund(client, op, second["id"])  # in full, shipping included
    item = (await my_shares(client, alice))["items"][0]  # type: ignore[index]
    assert (item["order_count"], item["sales_fen"]) == (1, 3000)


async def test_my_shares_are_paged_newest_first(client: httpx.AsyncClient) -> None:
    alice = await register(client, name="Alice")
    products = [await make_product() for _ in range(3)]
    codes = [await share_code(client, alice, p) for p in products]
    page = await my_shares(client, alice, limit=2)
    assert [i["code"] for i in page["items"]] == codes[:0:-1]  # type: ignore[union-attr]
    rest = await my_shares(client, alice, limit=2, cursor=page["next_cursor"])
    assert [i["code"] for i in rest["items"]] == codes[:1]  # type: ignore[union-attr]
    assert rest["next_cursor"] is None
    bob = await register(client, name="Bob")
    assert (await my_shares(client, bob))["items"] == []
    problem(
        await client.get("/api/v1/me/shares?cursor=nope", headers=alice.headers),
        422,
        "invalid_cursor",
    )
