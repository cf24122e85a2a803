"""The seeded demo shop holds every state the pages show: groups, batches, orders,
commission, withdrawals and ranks; its ledger balances; a second seed changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from quanzi import demo
from quanzi.core import clock, db
from quanzi.core.errors import Conflict
from quanzi.demo import SeedReport, cast, history
from quanzi.groupbuy.models import Group, GroupMember
from quanzi.identity import service as identity
from quanzi.identity.models import User
from quanzi.ledger import service as ledger
from quanzi.ledger.models import LedgerTransfer
from quanzi.orders.models import Order
from quanzi.production.models import ProductionBatch
from quanzi.referral import service as referral
from quanzi.referral.commission.models import BasePayment, Commission
from quanzi.referral.models import ShareClick, ShareLink
from quanzi.wallet import service as wallet
from quanzi.wallet.models import Withdrawal
from tests.demo.conftest import PORT, Seeded, history_lines, table_counts

pytestmark = pytest.mark.usefixtures("shop")


async def _read(query: Any) -> Any:
    async def work(session: AsyncSession) -> Any:
        return (await session.execute(query)).all()

    return await db.transaction(work)


async def _by(column: InstrumentedAttribute[str]) -> dict[str, int]:
    rows = await _read(select(column, func.count()).group_by(column))
    return {value: count for value, count in rows}


async def test_members_join_over_the_quarter_through_a_referral_tree() -> None:
    [(members, first, last)] = await _read(
        select(func.count(), func.min(User.created_at), func.max(User.created_at)).where(
            User.phone.like("136%")
        )
    )
    assert members == cast.GENERATED
    assert (last - first).days >= cast.DAYS - 3

    async def ranks(session: AsyncSession) -> dict[str, list[Any]]:
        return {
            rank: await referral.members_with_rank(session, [rank], after_id=None, limit=1000)
            for rank in ("shop_owner", "sales_manager", "service_manager")
        }

    holders = await db.transaction(ranks)
    assert len(holders["service_manager"]) >= 1
    assert len(holders["sales_manager"]) >= 2
    assert len(holders["shop_owner"]) >= 80

    async def wang(session: AsyncSession) -> tuple[str, int]:
        user = await identity.find_by_phone(session, "13900000001")
        assert user is not None
        team = await referral.team_view(session, user.id)
        assert team.node is not None
        return await referral.rank_of(session, user.id), team.node.team_size

    rank, team_size = await db.transaction(wang)
    assert rank == "sales_manager"
    assert team_size >= 60


async def test_groups_and_batches_in_every_state() -> None:
    groups = await _by(Group.status)
    for status in ("pending", "open", "succeeded", "failed"):
        assert groups.get(status, 0) >= 1, groups
    assert groups["succeeded"] > groups["failed"] >= 10
    [(filled,)] = await _read(select(func.count()).where(Group.platform_filled > 0))
    assert filled >= 1
    seats = await _by(GroupMember.status)
    assert seats["refunded"] >= 10
    assert seats["released"] >= 1
    batches = await _by(ProductionBatch.status)
    for status in ("collecting", "created", "in_production", "produced"):
        assert batches.get(status, 0) >= 1, batches


async def test_orders_ship_with_tracking_and_end_in_every_state() -> None:
    statuses = await _by(Order.status)
    for status in ("pending_payment", "paid", "confirmed", "shipped", "completed"):
        assert statuses.get(status, 0) >= 1, statuses
    assert statuses["cancelled"] >= 10
    assert statuses["refunded"] >= 10
    [(shipped, untracked)] = await _read(
        select(
            func.count(),
            func.count().filter(Order.tracking_no.is_(None) | Order.carrier.is_(None)),
        ).where(Order.shipped_at.is_not(None))
    )
    assert shipped >= 300
    assert untracked == 0
    kinds = await _by(Order.kind)
    assert kinds["regular"] >= 400
    assert kinds["group"] >= 100
    assert kinds["membership"] >= 100


async def test_commission_in_every_state_and_monthly_base_pay() -> None:
    statuses = await _by(Commission.status)
    assert statuses["pending"] >= 1
    assert statuses["available"] >= 1
    [(reversed_pending, reversed_available)] = await _read(
        select(
            func.count().filter(Commission.status == "pending"),
            func.count().filter(Commission.status == "available"),
        ).where(Commission.reversed_fen > 0)
    )
    assert reversed_pending >= 1
    assert reversed_available >= 1
    transfers = await _by(LedgerTransfer.kind)
    for kind in (
        "commission",
        "commission_release",
        "commission_reversal",
        "commission_clawback",
        "base_pay",
        "withdrawal",
        "withdrawal_paid",
        "withdrawal_returned",
        "platform_fill",
        "supplier_payable",
    ):
        assert transfers.get(kind, 0) >= 1, kind
    [(base_payments,)] = await _read(select(func.count(BasePayment.id)))
    assert base_payments >= 1
    withdrawals = await _by(Withdrawal.status)
    for status in ("requested", "paid", "rejected"):
        assert withdrawals.get(status, 0) >= 1, withdrawals


async def test_the_story_sales_manager_has_earnings_in_every_state() -> None:
    async def story(session: AsyncSession) -> tuple[wallet.WalletSummary, set[str]]:
        user = await identity.find_by_phone(session, "13900000001")
        assert user is not None
        balances = await wallet.summary(session, user.id)
        page = await wallet.history(session, user.id, limit=1000, cursor=None)
        return balances, {entry.kind for entry in page.items}

    balances, kinds = await db.transaction(story)
    assert balances.pending_fen > 0
    assert balances.available_fen > 0
    assert balances.withdrawn_fen > 0
    assert balances.withdrawing_fen > 0
    assert {
        "commission",
        "commission_release",
        "commission_reversal",
        "commission_clawback",
        "withdrawal",
        "withdrawal_returned",
        "base_pay",
    } <= kinds


async def test_shares_have_clicks_and_conversions() -> None:
    [(links, clicks, conversions)] = await _read(
        select(func.count(), func.sum(ShareLink.click_count), func.sum(ShareLink.order_count))
    )
    assert links >= 100
    assert clicks > conversions >= 100
    [(logged_in, anonymous)] = await _read(
        select(
            func.count().filter(ShareClick.visitor_id.is_not(None)),
            func.count().filter(ShareClick.visitor_id.is_(None)),
        )
    )
    assert logged_in >= 100
    assert anonymous >= 100


async def test_the_ledger_balances() -> None:
    async def check(session: AsyncSession) -> tuple[int, list[Any]]:
        return await ledger.trial_balance(session), await ledger.unbalanced_transfers(session)

    assert await db.transaction(check) == (0, [])


async def test_a_second_seed_changes_nothing(shop: Seeded) -> None:
    before = await table_counts()
    text = await demo.seed_and_describe("127.0.0.1", 8000)
    assert await table_counts() == before
    assert "20 products (0 new)" in text
    assert "7 accounts (0 new)" in text
    # The same history summary, replayed from the record the first run left.
    assert history_lines(text) == history_lines(shop.text)
    assert f"127.0.0.1:{PORT}" not in text


async def test_a_history_is_never_started_over_an_earlier_one() -> None:
    before = await table_counts()
    with pytest.raises(Conflict) as refused:
        await history.seed(SeedReport(), end=clock.now())
    assert refused.value.code == "demo_history_unfinished"
    assert await table_counts() == before
