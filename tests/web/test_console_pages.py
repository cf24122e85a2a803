"""The operator console's dashboard, withdrawals, members and webhooks pages, through a
browser without JavaScript: who may see them, what they show, and every decision's POST
(CSRF, replays, unknown ids, refusals shown on the page)."""

from __future__ import annotations

import html
import json
import re
import uuid
from typing import Any

import httpx
import pytest

from quanzi.analytics import rules as analytics_rules
from quanzi.core.clock import FrozenClock
from quanzi.core.config import get_settings, reset_settings
from quanzi.identity import rules as identity_rules
from quanzi.payments import payouts
from quanzi.payments.payouts import SandboxPayouts
from quanzi.referral import rules as referral_rules
from quanzi.wallet import rules as wallet_rules
from quanzi.web import i18n
from quanzi.web.console import withdrawals as withdrawal_pages
from tests.analytics.support import sweep
from tests.helpers import PASSWORD, Account, operator, register
from tests.membership.support import become_member, create_plan
from tests.referral.support import buy, make_product, share_code
from tests.wallet.support import fund, wallet, withdraw
from tests.web.support import Browser, NewBrowser, hidden_fields, location, text_of

PAGES = ("/admin", "/admin/withdrawals", "/admin/members", "/admin/webhooks")


async def log_in(browser: Browser, account: Account) -> None:
    response = await browser.submit(
        "/login", "/login", phone=account.phone, password=PASSWORD, next="/admin"
    )
    assert location(response) == "/admin"


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def console(new_browser: NewBrowser, op: Account) -> Browser:
    """The operator, logged in through the login page."""
    browser = await new_browser()
    await log_in(browser, op)
    return browser


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> SandboxPayouts:
    fresh = SandboxPayouts()
    monkeypatch.setitem(payouts._providers, "sandbox", fresh)
    return fresh


def problem_on(response: httpx.Response, status: int, code: str) -> None:
    """The page (an error page or the form again) shows the refusal ``code``."""
    assert response.status_code == status, response.text
    assert f'data-problem="{code}"' in response.text, response.text


def chart_data(page: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="dashboard-charts">(.*?)</script>', page, re.S
    )
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


# --- who may see the console ------------------------------------------------------------


async def test_the_operator_sees_every_page(console: Browser, op: Account) -> None:
    for path in (*PAGES, f"/admin/members/{op.id}"):
        page = await console.get(path)
        assert page.status_code == 200, (path, page.text)
        assert "no-store" in page.headers["cache-control"]
    dashboard = await console.get("/admin")
    assert re.search(r'<a href="/admin" aria-current="page">', dashboard.text)
    withdrawals = await console.get("/admin/withdrawals?lang=en")
    assert re.search(
        r'href="/admin/withdrawals" aria-current="page">Withdrawals<', withdrawals.text
    )


async def test_a_member_is_refused_and_a_stranger_goes_to_log_in(
    client: httpx.AsyncClient, new_browser: NewBrowser
) -> None:
    member = await register(client, name="Member")
    browser = await new_browser()
    await log_in(browser, member)
    for path in (*PAGES, f"/admin/members/{member.id}"):
        problem_on(await browser.get(path), 403, "role_required")
    # A member's well-formed POST (its own CSRF token) is refused all the same.
    token = hidden_fields((await browser.get("/orders")).text, "/logout")["csrf"]
    refused = await browser.post(f"/admin/withdrawals/{uuid.uuid4()}/approve", {"csrf": token})
    problem_on(refused, 403, "role_required")
    stranger = await new_browser()
    for path in PAGES:
        response = await stranger.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=%2Fadmin")


# --- dashboard ------------------------------------------------------------------------


async def test_the_dashboard_shows_the_rollups_as_charts_and_tables(
    client: httpx.AsyncClient, console: Browser, op: Account, clock: FrozenClock
) -> None:
    sharer, buyer = await register(client, name="分享达人"), await register(client, name="Buyer")
    product = await make_product()
    code = await share_code(client, sharer, product)
    first = await buy(client, buyer, product, share_code=code)
    second = await buy(client, buyer, product, quantity=1)
    plan = await create_plan(client, op)
    await become_member(client, sharer, plan["id"])
    await sweep()
    page = await console.get("/admin?days=7")
    assert page.status_code == 200
    data = chart_data(page.text)
    today = analytics_rules.shop_day(clock.now(), get_settings().timezone).isoformat()
    gmv = data["gmv"]
    assert gmv["unit"] == "fen"
    assert len(gmv["labels"]) == 7
    assert gmv["labels"][-1] == today
    assert gmv["datasets"][0]["data"][-1] == first["total_fen"] + second["total_fen"]
    assert data["orders"]["datasets"][0]["data"][-1] == 2
    assert data["members"]["datasets"][1]["data"][-1] == 1  # active members at day end
    assert data["sharers"]["labels"] == ["分享达人"]
    assert data["sharers"]["datasets"][0]["data"] == [5000]
    # Without JavaScript: the same numbers in tables, and the KPI tiles.
    text = text_of(page.text)
    assert f"{today} ¥{(first['total_fen'] + second['total_fen']) // 100}" in text
    assert re.search(
        r'data-kpi="console_kpi_orders"><span class="label">[^<]+</span>'
        r'<span class="value">2</span>',
        page.text,
    )
    assert '<a href="/admin?days=7" aria-current="page"' in page.text
    english = await console.get("/admin?days=30&lang=en")
    assert "GMV by day" in english.text
    assert len(chart_data(english.text)["gmv"]["labels"]) == 30


async def test_the_dashboard_period_is_7_30_or_90_days(console: Browser) -> None:
    problem_on(await console.get("/admin?days=8"), 400, "console_invalid_period")
    problem_on(await console.get("/admin?days=abc"), 400, "validation_error")
    empty = await console.get("/admin?days=90")
    assert empty.status_code == 200
    assert chart_data(empty.text)["sharers"]["labels"] == []


# --- withdrawals ------------------------------------------------------------------------


async def requested(client: httpx.AsyncClient, who: Account, amount_fen: int) -> str:
    response = await withdraw(client, who, amount_fen)
    assert response.status_code == 201, response.text
    withdrawal_id: str = response.json()["id"]
    return withdrawal_id


async def decide(
    console: Browser, withdrawal_id: str, action: str, **fields: str
) -> httpx.Response:
    """Open the pending list and send the decision form of ``withdrawal_id``."""
    return await console.submit(
        "/admin/withdrawals", f"/admin/withdrawals/{withdrawal_id}/{action}", **fields
    )


async def test_approving_pays_out_and_a_replay_is_refused(
    client: httpx.AsyncClient, console: Browser, sandbox: SandboxPayouts
) -> None:
    member = await register(client, name="提现人")
    await fund(member.id, 50_000)
    withdrawal_id = await requested(client, member, 20_000)
    pending = await console.get("/admin/withdrawals")
    row = re.search(rf'<tr data-withdrawal="{withdrawal_id}">(.*?)</tr>', pending.text, re.S)
    assert row is not None
    cells = text_of(row.group(1))
    assert "提现人" in cells
    assert "¥200" in cells
    assert "¥300" in cells
    # No CSRF token: refused, nothing decided.
    forged = await console.post(f"/admin/withdrawals/{withdrawal_id}/approve", {"status": "all"})
    problem_on(forged, 403, "csrf_failed")
    approved = await decide(console, withdrawal_id, "approve")
    assert location(approved) == f"/admin/withdrawals?status=requested&done={withdrawal_id}"
    result = await console.get(location(approved))
    assert 'data-testid="decision" data-status="paid"' in result.text
    assert "提现人" in text_of(result.text)
    assert sandbox.calls == 1
    assert (await wallet(client, member))["withdrawn_fen"] == 20_000
    # The same form again (back button): refused clearly, paid once.
    replay = await console.post(
        f"/admin/withdrawals/{withdrawal_id}/approve",
        hidden_fields(pending.text, f"/admin/withdrawals/{withdrawal_id}/approve"),
    )
    problem_on(replay, 409, "withdrawal_not_pending")
    assert "已经处理过" in replay.text
    assert sandbox.calls == 1
    paid = await console.get("/admin/withdrawals?status=paid")
    assert f'data-withdrawal="{withdrawal_id}"' in paid.text


async def test_rejecting_needs_a_reason_and_gives_the_money_back(
    client: httpx.AsyncClient, console: Browser
) -> None:
    member = await register(client, name="Rejected")
    await fund(member.id, 30_000)
    withdrawal_id = await requested(client, member, 10_000)
    action = f"/admin/withdrawals/{withdrawal_id}/reject"
    problem_on(
        await decide(console, withdrawal_id, "reject", reason="   "),
        422,
        "console_reject_reason_needed",
    )
    problem_on(
        await decide(console, withdrawal_id, "reject", reason="x" * 201),
        422,
        "console_reject_reason_needed",
    )
    rejected = await decide(console, withdrawal_id, "reject", reason="账户信息不符 <b>")
    result = await console.get(location(rejected))
    assert 'data-status="rejected"' in result.text
    assert "账户信息不符 &lt;b&gt;" in result.text
    assert (await wallet(client, member))["available_fen"] == 30_000
    page = await console.get("/admin/withdrawals")
    approve_form = f"/admin/withdrawals/{withdrawal_id}/approve"
    assert approve_form not in page.text
    token = hidden_fields((await console.get("/admin/webhooks")).text, "/admin/webhooks")
    problem_on(
        await console.post(action, {**token, "reason": "again"}), 409, "withdrawal_not_pending"
    )
    problem_on(await console.post(approve_form, token), 409, "withdrawal_not_pending")


async def test_unknown_withdrawals_are_not_found(console: Browser) -> None:
    token = hidden_fields((await console.get("/admin/webhooks")).text, "/admin/webhooks")
    for raw in (str(uuid.uuid4()), "not-an-id", "1%27%20OR%201=1"):
        response = await console.post(f"/admin/withdrawals/{raw}/approve", token)
        problem_on(response, 404, "withdrawal_not_found")
    # A notice link to nothing just shows the list; a bad page cursor is a clear refusal.
    assert (await console.get(f"/admin/withdrawals?done={uuid.uuid4()}")).status_code == 200
    problem_on(await console.get("/admin/withdrawals?cursor=nope"), 422, "invalid_cursor")


async def test_a_missing_payout_provider_is_shown_and_changes_nothing(
    client: httpx.AsyncClient, console: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await register(client)
    await fund(member.id, 30_000)
    withdrawal_id = await requested(client, member, 10_000)
    monkeypatch.delitem(payouts._providers, "sandbox")
    refused = await decide(console, withdrawal_id, "approve")
    problem_on(refused, 409, "payout_provider_unavailable")
    assert "没有可用的打款渠道" in refused.text
    still = await console.get("/admin/withdrawals")
    assert f"/admin/withdrawals/{withdrawal_id}/approve" in still.text


async def test_withdrawals_filter_and_page(
    client: httpx.AsyncClient, console: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(withdrawal_pages, "PAGE_SIZE", 2)
    member = await register(client)
    await fund(member.id, 100_000)
    made = [await requested(client, member, 1_000 + i) for i in range(3)]
    first = await console.get("/admin/withdrawals")
    assert [m for m in made if f'data-withdrawal="{m}"' in first.text] == made[1:]
    link = re.search(r'href="([^"]+)" data-testid="next-page"', first.text)
    assert link is not None
    second = await console.get(html.unescape(link.group(1)))
    assert [m for m in made if f'data-withdrawal="{m}"' in second.text] == made[:1]
    assert 'data-testid="next-page"' not in second.text
    none_paid = await console.get("/admin/withdrawals?status=paid")
    assert "data-withdrawal=" not in none_paid.text
    # An unknown filter falls back to the pending list.
    odd = await console.get("/admin/withdrawals?status=%3Cscript%3E")
    assert odd.status_code == 200
    assert f'data-withdrawal="{made[2]}"' in odd.text


# --- members --------------------------------------------------------------------------


async def test_member_search_by_phone_name_and_invite_code(
    client: httpx.AsyncClient, console: Browser
) -> None:
    wanted = await register(client, name="Mei Lin 梅")
    other = await register(client, name="Other")
    me = await client.get("/api/v1/me", headers=wanted.headers)
    invite = me.json()["invite_code"]
    for query in (
        wanted.phone,
        f"+86 {wanted.phone}",
        "mei lin",
        "梅",
        invite.lower(),
        f" {invite} ",
    ):
        page = await console.get("/admin/members", params={"q": query})
        assert page.status_code == 200
        assert f'data-member="{wanted.id}"' in page.text, query
        assert f'data-member="{other.id}"' not in page.text, query
    # The first digits of a phone number find every account whose number starts so.
    prefix = await console.get("/admin/members", params={"q": wanted.phone[:7]})
    assert f'data-member="{wanted.id}"' in prefix.text
    everyone = await console.get("/admin/members")
    assert f'data-member="{other.id}"' in everyone.text


@pytest.mark.parametrize(
    "query",
    [
        "%",
        "_",
        "%%",
        "\\",
        "' OR 1=1 --",
        '"; DROP TABLE users; --',
        "<script>x</script>",
        "😀",
        "x\x00y",
        "a" * 200,
    ],
)
async def test_member_search_takes_nasty_input_literally(
    client: httpx.AsyncClient, console: Browser, query: str
) -> None:
    await register(client, name="Plain")
    page = await console.get("/admin/members", params={"q": query})
    assert page.status_code == 200
    assert 'data-testid="no-members"' in page.text
    assert "<script>x</script>" not in page.text


async def test_member_search_refuses_overlong_input(console: Browser) -> None:
    problem_on(
        await console.get("/admin/members", params={"q": "a" * 201}), 400, "validation_error"
    )
    problem_on(await console.get("/admin/members?before=zzz"), 422, "invalid_cursor")


async def test_a_members_profile(client: httpx.AsyncClient, console: Browser, op: Account) -> None:
    root = await register(client, name="Root")
    code = (await client.get("/api/v1/me", headers=root.headers)).json()["invite_code"]
    middle = await register(client, name="Middle", invite_code=code)
    code = (await client.get("/api/v1/me", headers=middle.headers)).json()["invite_code"]
    member = await register(client, name="Member", invite_code=code)
    code = (await client.get("/api/v1/me", headers=member.headers)).json()["invite_code"]
    invitee = await register(client, name="Invitee", invite_code=code)
    plan = await create_plan(client, op)
    await become_member(client, member, plan["id"])
    order = await buy(client, member, await make_product())
    await fund(member.id, 12_300)
    page = await console.get(f"/admin/members/{member.id}?lang=en")
    assert page.status_code == 200
    assert "Member" in text_of(page.text)
    path = re.search(r'data-testid="referral-path">(.*?)</ol>', page.text, re.S)
    assert path is not None
    assert re.findall(r'<a href="/admin/members/([0-9a-f-]+)">', path.group(1)) == [
        middle.id,
        root.id,
    ]
    downlines = re.search(r'data-testid="downlines">(.*?)</ul>', page.text, re.S)
    assert downlines is not None
    assert invitee.id in downlines.group(1)
    membership = re.search(r'data-testid="membership">(.*?)</dl>', page.text, re.S)
    assert membership is not None
    assert "Active" in membership.group(1)
    assert "Shop owner" in re.search(r'data-testid="rank">(.*?)<', page.text).group(1)
    money = text_of(re.search(r'data-testid="wallet">(.*?)</dl>', page.text, re.S).group(1))
    assert "Available ¥123" in money
    assert f"1, ¥{order['total_fen'] // 100} spent" in money
    top = await console.get(f"/admin/members/{root.id}")
    assert "No referrer." in top.text


async def test_unknown_members_are_not_found(console: Browser) -> None:
    for raw in (str(uuid.uuid4()), "nobody", "%27"):
        problem_on(await console.get(f"/admin/members/{raw}"), 404, "user_not_found")


# --- webhooks -------------------------------------------------------------------------


@pytest.fixture
def private_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback URLs accepted (as in development), so an endpoint can be registered here."""
    monkeypatch.setenv("QUANZI_WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    reset_settings()


async def test_the_ssrf_guard_and_bad_topics_are_shown(console: Browser) -> None:
    cases = [
        ("http://127.0.0.1:9/hook", "*", "webhook_target_not_allowed", "127.0.0.1"),
        ("http://169.254.169.254/latest", "", "webhook_target_not_allowed", "169.254.169.254"),
        ("ftp://hooks.example.com/x", "", "webhook_target_not_allowed", "http and https"),
        ("https://user:pw@hooks.example.com/", "", "webhook_target_not_allowed", "Credentials"),
        ("", "", "console_webhook_url_needed", ""),
        ("http://127.0.0.1/", "Order.Paid", "invalid_topic", ""),
    ]
    for url, topics, code, detail in cases:
        refused = await console.submit(
            "/admin/webhooks", "/admin/webhooks", url=url, topics=topics, description="CRM"
        )
        problem_on(refused, 422, code)
        assert detail in refused.text
        assert f'value="{html.escape(url)}"' in refused.text  # the form keeps what was typed
    page = await console.get("/admin/webhooks")
    assert "data-endpoint=" not in page.text


async def test_registering_shows_the_secret_once_then_disable_enable_rotate(
    console: Browser, private_targets: None
) -> None:
    made = await console.submit(
        "/admin/webhooks",
        "/admin/webhooks",
        url="http://127.0.0.1:9/hook",
        topics="order.*, group.succeeded",
        description="ERP",
    )
    assert made.status_code == 201, made.text
    secret = re.search(r'id="webhook-secret" type="text" readonly value="(whsec_[^"]+)"', made.text)
    assert secret is not None
    endpoint_id = re.search(r'data-endpoint="([0-9a-f-]+)"', made.text).group(1)
    page = await console.get("/admin/webhooks")
    assert secret.group(1) not in page.text
    assert "whsec_" not in page.text
    assert "order.*, group.succeeded" in page.text
    disabled = await console.submit("/admin/webhooks", f"/admin/webhooks/{endpoint_id}/disable")
    assert location(disabled) == "/admin/webhooks"
    page = await console.get("/admin/webhooks")
    assert 'data-active="no"' in page.text
    enabled = await console.submit("/admin/webhooks", f"/admin/webhooks/{endpoint_id}/enable")
    assert location(enabled) == "/admin/webhooks"
    assert 'data-active="yes"' in (await console.get("/admin/webhooks")).text
    rotated = await console.submit(
        "/admin/webhooks", f"/admin/webhooks/{endpoint_id}/rotate-secret"
    )
    fresh = re.search(r'value="(whsec_[^"]+)"', rotated.text)
    assert fresh is not None
    assert fresh.group(1) != secret.group(1)


async def test_webhook_actions_need_csrf_and_a_known_endpoint(console: Browser) -> None:
    token = hidden_fields((await console.get("/admin/webhooks")).text, "/admin/webhooks")
    problem_on(
        await console.post(f"/admin/webhooks/{uuid.uuid4()}/disable", {"csrf": "forged"}),
        403,
        "csrf_failed",
    )
    for raw in (str(uuid.uuid4()), "x"):
        problem_on(
            await console.post(f"/admin/webhooks/{raw}/disable", token), 404, "webhook_not_found"
        )
    problem_on(
        await console.post("/admin/webhooks", {"url": "http://a.example"}), 403, "csrf_failed"
    )


def test_every_text_the_console_picks_by_a_state_exists() -> None:
    picked = {
        "console_withdrawal_status_": wallet_rules.STATUSES,
        "console_withdrawal_now_": wallet_rules.STATUSES,
        "console_withdrawal_filter_": withdrawal_pages.FILTERS,
        "console_delivery_": ("pending", "delivered", "failed"),
        "console_membership_": ("active", "expired", "refunded"),
        "console_rank_": referral_rules.RANKS,
        "console_role_": identity_rules.ROLES,
    }
    for prefix, states in picked.items():
        for state in states:
            assert f"{prefix}{state}" in i18n.MESSAGES, prefix + state
