"""The shop-owner center through plain forms (no JS): membership, share links, earnings,
withdrawals, team and leaderboard; strangers, forged forms, other people's objects, nasty
amounts and double submits."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.core.errors import Unprocessable
from quanzi.identity import service as identity
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.ledger.rules import Leg
from quanzi.membership import service as membership
from quanzi.membership.plans import PartnerBenefitDraft
from quanzi.orders.models import Order
from quanzi.referral import rules as referral_rules
from quanzi.wallet import rules as wallet_rules
from quanzi.wallet import service as wallet
from quanzi.wallet.models import Withdrawal
from quanzi.web import i18n
from quanzi.web.display import local_time, yuan
from quanzi.web.forms import parse_yuan
from quanzi.web.owner.frame import KNOWN_KINDS, kind_key, percent
from quanzi.web.owner.team import month_step
from tests.wallet.support import fund
from tests.web.support import (
    ADDRESS,
    PASSWORD,
    SOLO_PRICE,
    Browser,
    NewBrowser,
    Shop,
    hidden_fields,
    location,
    new_phone,
    text_of,
)

PLAN_PRICE = 39800
PLAN_DAYS = 365
PAGES = ("/me", "/me/membership", "/me/shares", "/me/earnings", "/me/withdraw", "/me/team")

# --- helpers ---------------------------------------------------------------------------


async def seed_plan(name: str = "店主年卡") -> str:
    """A plan on sale with member prices, free delivery from ¥99 and a partner code."""

    async def work(session: AsyncSession) -> str:
        view = await membership.create_plan(
            session,
            name=name,
            price_fen=PLAN_PRICE,
            duration_days=PLAN_DAYS,
            free_shipping_threshold_fen=9900,
            partner_benefits=[
                PartnerBenefitDraft("爱奇艺", "黄金会员月卡", codes=["IQY-0001", "IQY-0002"])
            ],
        )
        return str(view.plan.id)

    return await db.transaction(work)


async def sign_up(browser: Browser, name: str, *, invite: str = "") -> uuid.UUID:
    """Register through the sign-up form; the new member's id."""
    phone = new_phone()
    done = await browser.submit(
        f"/register?invite={invite}" if invite else "/register",
        "/register",
        phone=phone,
        password=PASSWORD,
        display_name=name,
        invite_code=invite,
    )
    assert done.status_code == 303, done.text

    async def find(session: AsyncSession) -> uuid.UUID:
        user = await identity.find_by_phone(session, phone)
        assert user is not None
        return user.id

    return await db.transaction(find)


async def become_member(browser: Browser) -> str:
    """Buy the first plan on the membership page and pay it in the sandbox; the page the
    payment led back to."""
    page = await browser.get("/me/membership")
    pay_url = location(
        await browser.post("/me/membership", hidden_fields(page.text, "/me/membership"))
    )
    assert re.fullmatch(r"/pay/[0-9a-f-]{36}", pay_url)
    pay_page = await browser.get(pay_url)
    return location(await browser.post(pay_url, hidden_fields(pay_page.text, pay_url)))


async def count(model: type[Order] | type[Withdrawal]) -> int:
    async def work(session: AsyncSession) -> int:
        return await session.scalar(select(func.count()).select_from(model)) or 0

    return await db.transaction(work)


async def set_terms(**terms: int) -> None:
    async def work(session: AsyncSession) -> None:
        await wallet.set_terms(
            session, wallet_rules.WithdrawalTerms(**terms), actor_id=uuid.uuid4()
        )

    await db.transaction(work)


async def available(member_id: uuid.UUID) -> int:
    async def work(session: AsyncSession) -> int:
        return (await wallet.summary(session, member_id)).available_fen

    return await db.transaction(work)


def problem_shown(page: str) -> str | None:
    found = re.search(r'data-problem="([a-z_]+)"', page)
    return found.group(1) if found else None


# --- pure parts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("12.5", 1250),
        ("12.50", 1250),
        ("12.", 1200),
        (".5", 50),
        (" 100 ", 10000),
        ("¥8.88", 888),
        ("１２．５", 1250),  # a Chinese keyboard's full-width digits and point
        ("￥0.01", 1),
        ("3.100", 310),  # trailing zeros are no extra precision
        ("9999999999.99", 999_999_999_999),
    ],
)
def test_yuan_typed_becomes_fen(typed: str, fen: int) -> None:
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        (None, "amount_missing"),
        ("", "amount_missing"),
        ("  ", "amount_missing"),
        ("0", "amount_not_positive"),
        ("0.00", "amount_not_positive"),
        ("-5", "amount_negative"),
        ("-0.5", "amount_negative"),
        ("1.234", "amount_decimals"),
        ("0.001", "amount_decimals"),
        ("abc", "invalid_amount"),
        ("1e3", "invalid_amount"),
        ("12,5", "invalid_amount"),
        ("1.2.3", "invalid_amount"),
        ("NaN", "invalid_amount"),
        (".", "invalid_amount"),
        ("+5", "invalid_amount"),
        ("٣", "invalid_amount"),  # an Arabic-Indic digit is not an amount here
        ("10000000000.01", "amount_too_large"),
        ("9" * 400, "amount_too_large"),
    ],
)
def test_nasty_amounts_are_refused_by_code(typed: str | None, code: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        parse_yuan(typed)
    assert refused.value.code == code
    assert code in i18n.PROBLEMS


def test_display_helpers_and_every_word_exists() -> None:
    assert [percent(bp) for bp in (1000, 1050, 5, 0, 1234)] == ["10", "10.5", "0.05", "0", "12.34"]
    assert month_step("2026-01", -1) == "2025-12"
    assert month_step("2026-12", 1) == "2027-01"
    assert kind_key("commission") == "owner_kind_commission"
    assert kind_key("invite_reward") == "owner_kind_other"
    keys = [kind_key(kind) for kind in KNOWN_KINDS] + ["owner_kind_other"]
    keys += [f"owner_rank_{rank}" for rank in referral_rules.RANKS]
    keys += [f"owner_withdrawal_{status}" for status in wallet_rules.STATUSES]
    keys += [f"owner_withdrawal_note_{status}" for status in wallet_rules.STATUSES]
    missing = [key for key in keys if key not in i18n.MESSAGES]
    assert not missing


# --- who may see what ------------------------------------------------------------------


async def test_strangers_are_sent_to_log_in(browser: Browser) -> None:
    for path in (
        *PAGES,
        "/me/leaderboard",
        "/me/shares/abcdefghjk",
        f"/me/withdrawals/{uuid.uuid4()}",
        "/me/withdraw/fee?amount=1",
    ):
        answer = await browser.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2Fme"), path
    # A stranger's form (with a valid anonymous CSRF token) also goes to the login page.
    login = await browser.get("/login")
    token = hidden_fields(login.text, "/login")["csrf"]
    for action in ("/me/withdraw", "/me/shares", "/me/membership"):
        answer = await browser.post(action, {"csrf": token, "amount": "10", "idem": "k"})
        assert location(answer).startswith("/login?next="), action


async def test_every_page_renders_for_a_member_who_is_not_a_shop_owner_yet(
    browser: Browser, shop: Shop
) -> None:
    await seed_plan()
    await sign_up(browser, "林小夕")
    for path in (*PAGES, "/me/leaderboard"):
        page = await browser.get(path)
        assert page.status_code == 200, (path, page.text)
        assert f'href="{path}" aria-current="page"' in page.text, path
        assert 'href="/me" aria-current="page"' in page.text  # the header's "My shop"
    center = await browser.get("/me")
    assert 'data-testid="member-status" data-active="false"' in center.text
    assert 'data-rank="member"' in center.text
    offer = text_of((await browser.get("/me/membership")).text)
    for gain in (
        "自购省",
        "分享赚",
        "10% 佣金",
        "¥398",
        "365 天",
        "满 ¥99 包邮",
        "爱奇艺 会员权益",
    ):
        assert gain in offer, gain
    shares = text_of((await browser.get("/me/shares")).text)
    assert "只有店主（有效会员）才能得到佣金" in shares
    assert shop.title in shares  # offered in the product list
    team = await browser.get("/me/team")
    assert "开通会员即成为店主" in text_of(team.text)
    english = await browser.get("/me/withdraw?lang=en")
    assert "Amount (yuan)" in text_of(english.text)
    assert "At least ¥10 per withdrawal" in text_of(english.text)
    product = await browser.get(f"/p/{shop.product_id}")
    assert 'data-testid="share-to-earn"' not in product.text


# --- membership ------------------------------------------------------------------------


async def test_buying_and_renewing_a_membership(
    browser: Browser, shop: Shop, clock: FrozenClock
) -> None:
    await seed_plan()
    await sign_up(browser, "周店主")
    page = await browser.get("/me/membership")
    fields = hidden_fields(page.text, "/me/membership")
    first_year_end = clock.now() + timedelta(days=PLAN_DAYS)
    assert f"现在购买，有效期至 {local_time(first_year_end)}" in text_of(page.text)

    pay_url = location(await browser.post("/me/membership", fields))
    # The same form sent again (a double click) leads to the same payment: one order.
    assert location(await browser.post("/me/membership", fields)) == pay_url
    assert await count(Order) == 1
    pay_page = await browser.get(pay_url)
    assert re.search(r'data-testid="amount">¥398<', pay_page.text)
    back = location(await browser.post(pay_url, hidden_fields(pay_page.text, pay_url)))
    assert back == "/me/membership"

    mine = await browser.get(back)
    assert 'data-testid="member-status" data-active="true"' in mine.text
    assert f"店主年卡：有效期至 {local_time(first_year_end)}" in text_of(mine.text)
    # One of the pool's partner codes was granted with the membership.
    assert re.search(r"<code>IQY-000[12]</code>", mine.text)
    assert "开通会员，你将获得" not in text_of(mine.text)
    renew = text_of(mine.text)
    assert "续费 ¥398" in renew
    assert f"现在购买，有效期至 {local_time(first_year_end + timedelta(days=PLAN_DAYS))}" in renew
    center = await browser.get("/me")
    assert 'data-rank="shop_owner"' in center.text
    assert "续费" in text_of(center.text)
    # The product page now offers "share to earn", with the default plan's 10 %.
    product = await browser.get(f"/p/{shop.product_id}")
    assert 'data-testid="share-to-earn"' in product.text
    assert f"每件约赚 {yuan(SOLO_PRICE // 10)}" in text_of(product.text)

    # Renewing extends from the current expiry.
    clock.advance(timedelta(days=10))
    renewed = await become_member(browser)
    assert renewed == "/me/membership"
    after = text_of((await browser.get(renewed)).text)
    assert f"有效期至 {local_time(first_year_end + timedelta(days=PLAN_DAYS))}" in after


async def test_a_plan_that_cannot_be_bought_is_explained_on_the_page(browser: Browser) -> None:
    plan_id = await seed_plan()
    await sign_up(browser, "王五")
    page = await browser.get("/me/membership")
    fields = hidden_fields(page.text, "/me/membership")

    async def retire(session: AsyncSession) -> None:
        await membership.update_plan(
            session, uuid.UUID(plan_id), membership.PlanChanges(active=False)
        )

    await db.transaction(retire)
    refused = await browser.post("/me/membership", fields)
    assert refused.status_code == 409
    assert problem_shown(refused.text) == "plan_inactive"
    assert "已停售" in text_of(refused.text)
    for plan in ("", "nonsense", str(uuid.uuid4())):
        unknown = await browser.post("/me/membership", {**fields, "plan": plan, "idem": "x" + plan})
        assert unknown.status_code == 404
        assert problem_shown(unknown.text) == "plan_not_found"
    no_key = await browser.post("/me/membership", {**fields, "idem": ""})
    assert no_key.status_code == 400
    assert problem_shown(no_key.text) == "idempotency_key_required"
    forged = await browser.post("/me/membership", {**fields, "csrf": "0" * 40})
    assert forged.status_code == 403
    assert await count(Order) == 0


# --- share links, commission, leaderboard ---------------------------------------------


async def test_share_links_from_center_to_commission_and_leaderboard(
    new_browser: NewBrowser, shop: Shop
) -> None:
    await seed_plan()
    owner = await new_browser()
    await sign_up(owner, "陈店主")
    assert await become_member(owner) == "/me/membership"

    made = await owner.submit("/me/shares", "/me/shares", product=shop.product_id)
    link_url = location(made)
    code = link_url.rsplit("/", 1)[1]
    assert re.fullmatch(r"[23456789a-hjkmnp-z]{10}", code)
    link_page = await owner.get(link_url)
    shown_url = re.search(r'value="([^"]+)" readonly data-testid="share-url"', link_page.text)
    assert shown_url is not None
    assert shown_url.group(1).endswith(f"/s/{code}")
    assert "<svg" in link_page.text  # the QR code
    assert shop.title in text_of(link_page.text)
    # The same product again (a double submit, or the product page's button): same link.
    again = await owner.submit(f"/p/{shop.product_id}", "/me/shares")
    assert location(again) == link_url

    friend = await new_browser()
    landing = await friend.get(f"/s/{code}")
    assert landing.status_code == 302
    assert landing.headers["location"] == f"/p/{shop.product_id}?share={code}"
    await sign_up(friend, "好友小李")
    checkout = await friend.get(f"/checkout?sku={shop.sku_id}&qty=1&share={code}")
    pay_url = location(
        await friend.post("/checkout", {**hidden_fields(checkout.text, "/checkout"), **ADDRESS})
    )
    pay_page = await friend.get(pay_url)
    await friend.post(pay_url, hidden_fields(pay_page.text, pay_url))

    listed = await owner.get("/me/shares")
    row = re.search(rf'data-code="{code}".*?</li>', listed.text, flags=re.S)
    assert row is not None
    assert re.search(r'data-testid="clicks">1<', row.group(0))
    assert re.search(r'data-testid="conversions">1<', row.group(0))
    assert re.search(rf'data-testid="sales">{re.escape(yuan(SOLO_PRICE))}<', row.group(0))

    commission_fen = SOLO_PRICE * 1000 // 10000  # the default plan's 10 % share rate
    earnings = await owner.get("/me/earnings")
    assert re.search(rf'data-testid="pending">{re.escape(yuan(commission_fen))}<', earnings.text)
    assert re.search(r'data-testid="available">¥0<', earnings.text)
    assert 'data-kind="commission"' in earnings.text
    assert f"+{yuan(commission_fen)}" in earnings.text
    assert "分享佣金（待结算）" in text_of(earnings.text)

    board = await owner.get("/me/leaderboard")
    assert re.search(r'data-testid="my-position">你本月排第 1 名', board.text)
    assert 'class="me" aria-current="true"' in board.text
    assert "陈店主" in text_of(board.text)
    friend_board = await friend.get("/me/leaderboard")
    assert "你还没有上榜" in text_of(friend_board.text)

    # Someone else's link is not found, as if it did not exist.
    assert (await friend.get(link_url)).status_code == 404
    assert (await friend.get("/me/shares/not-a-code")).status_code == 404
    assert 'data-problem="share_link_not_found"' in (await friend.get(link_url)).text
    assert "还没有分享链接" in text_of((await friend.get("/me/shares")).text)


async def test_nasty_share_forms(browser: Browser, shop: Shop) -> None:
    await sign_up(browser, "赵六")
    page = await browser.get("/me/shares")
    fields = hidden_fields(page.text, "/me/shares")
    for product, status, code in (
        ("", 404, "product_not_found"),
        ("<script>alert(1)</script>", 404, "product_not_found"),
        (str(uuid.uuid4()), 404, "product_not_found"),
    ):
        refused = await browser.post("/me/shares", {**fields, "product": product})
        assert refused.status_code == status, product
        assert problem_shown(refused.text) == code
        assert "<script>alert(1)</script>" not in refused.text

    async def archive(session: AsyncSession) -> None:
        await catalog.archive_product(session, uuid.UUID(shop.product_id))

    await db.transaction(archive)
    gone = await browser.post("/me/shares", {**fields, "product": shop.product_id})
    assert gone.status_code == 422
    assert problem_shown(gone.text) == "product_not_on_sale"
    forged = await browser.post("/me/shares", {"product": shop.product_id})
    assert forged.status_code == 403
    assert "还没有分享链接" in text_of((await browser.get("/me/shares")).text)


# --- earnings and withdrawals ----------------------------------------------------------


async def test_withdraw_form_refuses_nasty_amounts_and_withdraws_once(
    new_browser: NewBrowser,
) -> None:
    await set_terms(min_amount_fen=1000, daily_limit_fen=5000, fee_bp=60, fee_min_fen=10)
    member = await new_browser()
    member_id = await sign_up(member, "提现人")
    await fund(str(member_id), 10_000)
    page = await member.get("/me/withdraw")
    assert re.search(r'data-testid="available">¥100<', page.text)
    assert "手续费为金额的 0.6%，最低 ¥0.10" in text_of(page.text)
    fields = hidden_fields(page.text, "/me/withdraw")

    for typed, status, code in (
        ("", 422, "amount_missing"),
        ("0", 422, "amount_not_positive"),
        ("-5", 422, "amount_negative"),
        ("12.345", 422, "amount_decimals"),
        ("12元", 422, "invalid_amount"),
        ("1e3", 422, "invalid_amount"),
        ("99999999999", 422, "amount_too_large"),
        ("5", 422, "withdrawal_below_minimum"),
        ("60", 409, "daily_limit_exceeded"),
    ):
        refused = await member.post("/me/withdraw", {**fields, "amount": typed})
        assert refused.status_code == status, (typed, refused.text)
        assert problem_shown(refused.text) == code, typed
        assert f'value="{typed}"' in refused.text  # what was typed is kept
    assert await count(Withdrawal) == 0
    assert await available(member_id) == 10_000

    # Above the available balance (a larger daily limit, so the balance is what stops it).
    await set_terms(min_amount_fen=1000, daily_limit_fen=500_000, fee_bp=60, fee_min_fen=10)
    short = await member.post("/me/withdraw", {**fields, "amount": "99.95"})
    assert short.status_code == 409  # ¥99.95 + ¥0.59 fee > ¥100
    assert problem_shown(short.text) == "insufficient_balance"
    assert "可提现余额不足" in text_of(short.text)

    preview = await member.get("/me/withdraw/fee?amount=12.5")
    assert "手续费 ¥0.10，到账 ¥12.50，共从余额扣除 ¥12.60" in text_of(preview.text)
    bad_preview = await member.get("/me/withdraw/fee?amount=1.001")
    assert "最多两位小数" in text_of(bad_preview.text)

    forged = await member.post("/me/withdraw", {**fields, "amount": "12.5", "csrf": ""})
    assert forged.status_code == 403
    assert await count(Withdrawal) == 0

    done = await member.post("/me/withdraw", {**fields, "amount": "１２．５"})
    withdrawal_url = location(done)
    assert re.fullmatch(r"/me/withdrawals/[0-9a-f-]{36}", withdrawal_url)
    # The same form again (a double submit) leads to the same withdrawal, money moved once.
    assert location(await member.post("/me/withdraw", {**fields, "amount": "12.5"})) == (
        withdrawal_url
    )
    assert await count(Withdrawal) == 1
    assert await available(member_id) == 10_000 - 1250 - 10
    # The same form with another amount (an old page sent again) is refused, not applied.
    reused = await member.post("/me/withdraw", {**fields, "amount": "20"})
    assert reused.status_code == 409
    assert problem_shown(reused.text) == "idempotency_key_reused"
    assert await count(Withdrawal) == 1
    shown = await member.get(withdrawal_url)
    assert re.search(r'data-status="requested">待审核<', shown.text)
    assert re.search(r'data-testid="withdrawal-amount">¥12.50<', shown.text)
    assert re.search(r'data-testid="withdrawal-fee">¥0.10<', shown.text)
    listed = await member.get("/me/withdraw")
    assert withdrawal_url in listed.text
    history = await member.get("/me/earnings")
    assert 'data-kind="withdrawal"' in history.text
    assert "-¥12.60" in history.text

    # The operator rejects it: the money returns, the page says so with the reason.
    withdrawal_id = uuid.UUID(withdrawal_url.rsplit("/", 1)[1])

    async def reject(session: AsyncSession) -> None:
        await wallet.reject(session, withdrawal_id, actor_id=uuid.uuid4(), reason="账户信息不符")

    await db.transaction(reject)
    rejected = await member.get(withdrawal_url)
    assert re.search(r'data-status="rejected">未通过<', rejected.text)
    assert "原因：账户信息不符" in text_of(rejected.text)
    assert await available(member_id) == 10_000

    # Another one is approved and paid out by the sandbox payout provider.
    page = await member.get("/me/withdraw")
    paid_url = location(
        await member.post(
            "/me/withdraw", {**hidden_fields(page.text, "/me/withdraw"), "amount": "20"}
        )
    )

    async def approve(session: AsyncSession) -> None:
        await wallet.approve(session, uuid.UUID(paid_url.rsplit("/", 1)[1]), actor_id=uuid.uuid4())

    await db.transaction(approve)
    paid = await member.get(paid_url)
    assert re.search(r'data-status="paid">已到账<', paid.text), text_of(paid.text)
    assert re.search(r'data-testid="withdrawn">¥20<', (await member.get("/me/earnings")).text)

    # Someone else's withdrawal, or no withdrawal at all, is not found.
    stranger = await new_browser()
    await sign_up(stranger, "路人")
    for path in (withdrawal_url, f"/me/withdrawals/{uuid.uuid4()}", "/me/withdrawals/42"):
        missing = await stranger.get(path)
        assert missing.status_code == 404, path
        assert 'data-problem="withdrawal_not_found"' in missing.text


async def test_earnings_history_pages_and_debt(browser: Browser) -> None:
    member_id = await sign_up(browser, "多笔收益")
    for _ in range(23):
        await fund(str(member_id), 100)

    async def claw_back(session: AsyncSession) -> None:
        # A clawback larger than what is available leaves a debt.
        await ledger.transfer(
            session,
            key=f"test-clawback:{uuid.uuid4()}",
            kind="commission_clawback",
            legs=[
                Leg(accounts.member_available(member_id), 2800),
                Leg(accounts.COMMISSION_EXPENSE, -2800),
            ],
            description="test clawback",
        )

    await db.transaction(claw_back)
    first = await browser.get("/me/earnings")
    assert first.text.count("data-kind=") == 20
    assert 'data-kind="commission_clawback"' in first.text
    assert "退款追回佣金" in text_of(first.text)
    assert re.search(r'data-testid="debt">¥5<', first.text)
    assert re.search(r'data-testid="available">¥0<', first.text)
    more = re.search(r'href="(/me/earnings\?cursor=[^"]+)"', first.text)
    assert more is not None
    second = await browser.get(more.group(1))
    assert second.text.count('data-kind="base_pay"') == 4
    assert '<p class="more">' not in second.text
    assert (await browser.get("/me/earnings?cursor=nonsense")).status_code == 422


# --- team and leaderboard --------------------------------------------------------------


async def test_team_rank_progress_and_invite_link(new_browser: NewBrowser) -> None:
    await seed_plan()
    owner = await new_browser()
    await sign_up(owner, "团队长")
    await become_member(owner)
    team = await owner.get("/me/team")
    code = re.search(r'data-testid="invite-code">([A-Z0-9]+)<', team.text)
    assert code is not None
    invite = code.group(1)
    link = re.search(r'value="([^"]+)" readonly data-testid="invite-link"', team.text)
    assert link is not None
    assert link.group(1).endswith(f"/register?invite={invite}")
    assert "已有 0/90 位店主，再邀请 90 位即可晋升销售经理" in text_of(team.text)

    for name, buys in (("组员甲", True), ("组员乙", False)):
        friend = await new_browser()
        await sign_up(friend, name, invite=invite)
        if buys:
            await become_member(friend)
    team = await owner.get("/me/team")
    assert re.search(r'data-testid="direct-count">2<', team.text)
    assert re.search(r'data-testid="team-size">2<', team.text)
    assert re.search(r'data-testid="team-count">1<', team.text)
    assert "已有 1/90 位店主，再邀请 89 位即可晋升销售经理" in text_of(team.text)
    assert '<progress max="90" value="1"' in team.text
    invitees = text_of(team.text)
    assert "组员甲 店主" in invitees
    assert "组员乙 普通会员" in invitees


async def test_leaderboard_months(browser: Browser) -> None:
    await sign_up(browser, "看榜人")
    board = await browser.get("/me/leaderboard")
    assert re.search(r'data-testid="month">2026-11<', board.text)
    assert 'href="/me/leaderboard?month=2026-10"' in board.text
    assert "2026-12" not in board.text  # no link into the future
    assert (await browser.get("/me/leaderboard?month=2026-10")).status_code == 200
    for month in ("2026-13", "2026-1", "abc", "2027-01", "0'--"):
        refused = await browser.get(f"/me/leaderboard?month={month}")
        assert refused.status_code == 422, month
        assert 'data-problem="invalid_month"' in refused.text
