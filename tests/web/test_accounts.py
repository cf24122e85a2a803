"""Logging in and out of the pages: cookies, CSRF, redirects, refusals."""

from __future__ import annotations

import httpx

from tests.web.support import (
    PASSWORD,
    Browser,
    NewBrowser,
    hidden_fields,
    location,
    new_phone,
    text_of,
)


async def _sign_up(browser: Browser, phone: str, *, next_url: str = "/orders") -> httpx.Response:
    return await browser.submit(
        f"/register?next={next_url}",
        "/register",
        phone=phone,
        password=PASSWORD,
        display_name="韩梅梅",
    )


async def test_sign_up_sets_an_httponly_session_cookie_and_returns(browser: Browser) -> None:
    signed_up = await _sign_up(browser, new_phone())
    assert location(signed_up) == "/orders"
    cookie = next(
        value
        for name, value in signed_up.headers.multi_items()
        if name == "set-cookie" and value.startswith("qz_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert cookie.split(";")[0].removeprefix("qz_session=").startswith("qz_")
    orders = await browser.get("/orders")
    assert orders.status_code == 200
    assert "你好，韩梅梅" in text_of(orders.text)


async def test_log_in_with_wrong_then_right_password(new_browser: NewBrowser) -> None:
    first = await new_browser()
    phone = new_phone()
    await _sign_up(first, phone)

    second = await new_browser()
    wrong = await second.submit("/login?next=/orders", "/login", phone=phone, password="nope-nope")
    assert wrong.status_code == 401
    assert "手机号或密码不正确" in text_of(wrong.text)
    assert f'value="{phone}"' in wrong.text  # typed phone kept, password not
    right = await second.post(
        "/login", {**hidden_fields(wrong.text, "/login"), "phone": phone, "password": PASSWORD}
    )
    assert location(right) == "/orders"
    # Logged in, the login page sends you on.
    assert location(await second.get("/login?next=/orders")) == "/orders"


async def test_sign_up_refusals_keep_the_form(browser: Browser) -> None:
    taken = new_phone()
    other = browser
    await _sign_up(other, taken)
    await other.submit("/logout", "/logout")
    again = await _sign_up(other, taken)
    assert again.status_code == 409
    assert "这个手机号已注册" in text_of(again.text)
    weak = await other.submit(
        "/register", "/register", phone=new_phone(), password="123", display_name="x"
    )
    assert weak.status_code == 422
    assert 'data-problem="weak_password"' in weak.text
    unknown = await other.submit(
        "/register?invite=ZZZZZZZZ",
        "/register",
        phone=new_phone(),
        password=PASSWORD,
        display_name="x",
        invite_code="ZZZZZZZZ",
    )
    assert unknown.status_code == 422
    assert "邀请码不存在" in text_of(unknown.text)
    assert 'name="invite_code" value="ZZZZZZZZ"' in unknown.text


async def test_register_page_prefills_the_invite_code(browser: Browser) -> None:
    page = await browser.get("/register?invite=ABCD2345")
    assert 'name="invite_code" value="ABCD2345"' in page.text


async def test_log_out_revokes_the_session(browser: Browser) -> None:
    await _sign_up(browser, new_phone())
    token = browser.client.cookies.get("qz_session")
    assert token
    confirm = await browser.get("/logout")
    assert "确定要退出登录吗" in text_of(confirm.text)
    out = await browser.post("/logout", hidden_fields(confirm.text, "/logout"))
    assert location(out) == "/"
    assert 'qz_session=""' in out.headers["set-cookie"]
    # The token itself is revoked, not only forgotten by this browser.
    api = await browser.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    assert location(await browser.get("/orders")) == "/login?next=%2Forders"


async def test_login_never_redirects_off_site(browser: Browser) -> None:
    phone = new_phone()
    await _sign_up(browser, phone)
    await browser.submit("/logout", "/logout")
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        response = await browser.submit(
            f"/login?next={target}", "/login", phone=phone, password=PASSWORD
        )
        assert location(response) == "/"
        await browser.submit("/logout", "/logout")


async def test_login_form_needs_the_csrf_cookie(client: httpx.AsyncClient) -> None:
    """A cross-site form post carries neither the seed cookie nor its token."""
    response = await client.post(
        "/login", data={"phone": "13900000000", "password": "whatever", "csrf": "x"}
    )
    assert response.status_code == 403
    assert 'data-problem="csrf_failed"' in response.text
