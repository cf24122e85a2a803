"""Hypothesis drives random group-buying lives (open, join, pay, late payments, refunds,
clock moves with both sweeps) against the real database and checks, after every step,
that money is conserved and no group holds more seats or payments than it may."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.rules import SkuDraft
from quanzi.core import db, security
from quanzi.core.clock import FrozenClock
from quanzi.core.errors import ProblemError
from quanzi.groupbuy import campaigns, closing, seats
from quanzi.groupbuy.models import CampaignParticipant, Group, GroupCampaign, GroupMember
from quanzi.identity import service as identity
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.orders import service as orders
from quanzi.orders.models import Order
from quanzi.payments import service as payments
from quanzi.payments.models import Payment
from tests.helpers import new_phone
from tests.orders.support import ADDRESS
from tests.stateful import run_machine

T = TypeVar("T")

EXAMPLES = int(os.environ.get("QUANZI_STATEFUL_EXAMPLES", "12"))
GROUP_PRICE = 2990
PEOPLE = 5


class GroupLives(RuleBasedStateMachine):
    loop: ClassVar[asyncio.AbstractEventLoop]
    clock: ClassVar[FrozenClock]
    people: ClassVar[list[uuid.UUID]]
    operator: ClassVar[uuid.UUID]
    supplier: ClassVar[uuid.UUID]

    groups = Bundle("groups")
    seat_orders = Bundle("seat_orders")

    def __init__(self) -> None:
        super().__init__()
        self.campaign: uuid.UUID = self.run(self._make_campaign)
        self.notifications = 0

    def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(db.transaction(work))

    def attempt(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
        with contextlib.suppress(ProblemError):
            return self.run(work)
        return None

    async def _make_campaign(self, session: AsyncSession) -> uuid.UUID:
        view = await catalog.create_product(
            session,
            supplier_id=self.supplier,
            title=f"拼团 {uuid.uuid4().hex[:8]}",
            category="测试",
            skus=[SkuDraft(name="一份", price_fen=3990, stock=40, supply_price_fen=1500)],
        )
        campaign = await campaigns.create_campaign(
            session,
            sku_id=view.skus[0].id,
            group_price_fen=GROUP_PRICE,
            group_size=3,
            duration_minutes=120,
            stock_allotted=30,
            per_user_limit=3,
            leader_discount_fen=300,
            platform_fill_seats=1,
        )
        return campaign.id

    # --- steps ---------------------------------------------------------------------------

    @rule(target=groups, leader=st.integers(0, PEOPLE - 1))
    def open_group(self, leader: int) -> Any:
        async def work(session: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
            group, view = await seats.open_group(
                session, campaign_id=self.campaign, leader_id=self.people[leader], address=ADDRESS
            )
            return group.id, view.order.id

        opened = self.attempt(work)
        return multiple() if opened is None else opened[0]

    @rule(target=seat_orders, group_id=groups, member=st.integers(0, PEOPLE - 1))
    def join(self, group_id: uuid.UUID, member: int) -> Any:
        async def work(session: AsyncSession) -> uuid.UUID:
            _, view = await seats.join_group(
                session, group_id=group_id, user_id=self.people[member], address=ADDRESS
            )
            return view.order.id

        order_id = self.attempt(work)
        return multiple() if order_id is None else order_id

    @rule(group_id=groups)
    def leader_pays(self, group_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            member = await session.scalar(
                select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.is_leader)
            )
            assert member is not None
            order = await orders.get_order(session, member.order_id)
            await payments.confirm_sandbox(session, order.payment_id, order.buyer_id)

        self.attempt(work)

    @rule(order_id=seat_orders)
    def member_pays(self, order_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            await payments.confirm_sandbox(session, order.payment_id, order.buyer_id)

        self.attempt(work)

    @rule(order_id=seat_orders)
    def provider_notifies_late(self, order_id: uuid.UUID) -> None:
        """Money that arrives whatever happened meanwhile (closed payment, closed group)."""
        self.notifications += 1
        event_id = f"late-{order_id}-{self.notifications}"

        async def work(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            await payments.record_success(
                session,
                provider="sandbox",
                provider_event_id=event_id,
                payment_id=order.payment_id,
                provider_txn_id=f"txn-{order.payment_id}",
                amount_fen=order.total_fen,
            )

        self.attempt(work)

    @rule(order_id=seat_orders)
    def operator_refunds(self, order_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            await orders.refund_order(session, order_id, reason="asked", actor_id=self.operator)

        self.attempt(work)

    @rule(minutes=st.sampled_from([5, 16, 60, 121]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        self.loop.run_until_complete(orders.expire_unpaid(500))
        self.loop.run_until_complete(closing.close_expired(500))

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def money_is_conserved(self) -> None:
        async def work(session: AsyncSession) -> None:
            assert await ledger.trial_balance(session) == 0
            assert await ledger.unbalanced_transfers(session) == []
            assert await ledger.balance(session, accounts.REFUNDS_PAYABLE) == 0
            held = await session.scalar(
                select(func.coalesce(func.sum(Payment.amount_fen - Payment.refunded_fen), 0)).where(
                    Payment.status == "succeeded"
                )
            )
            assert await ledger.balance(session, accounts.PROVIDER_CLEARING) == held
            filled = await session.scalar(select(func.coalesce(func.sum(Group.platform_filled), 0)))
            assert await ledger.balance(session, accounts.SUBSIDY_EXPENSE) == filled * GROUP_PRICE

        self.run(work)

    @invariant()
    def seats_are_never_exceeded(self) -> None:
        async def work(session: AsyncSession) -> None:
            groups = (await session.scalars(select(Group))).all()
            for group in groups:
                members = (
                    await session.scalars(
                        select(GroupMember).where(GroupMember.group_id == group.id)
                    )
                ).all()
                held = [m for m in members if m.status in ("reserved", "paid")]
                paid = [m for m in members if m.status == "paid"]
                assert 0 <= group.paid_count <= group.seats_taken <= group.group_size
                if group.status in ("pending", "open"):
                    assert group.seats_taken == len(held)
                    assert group.paid_count == len(paid)
                elif group.status == "succeeded":
                    assert len(paid) == group.paid_count
                    assert group.paid_count + group.platform_filled == group.group_size
                    assert all(m.status == "paid" for m in held)
                else:  # failed: nobody keeps a seat or money
                    assert held == []
                for member in paid:
                    order = await session.get(Order, member.order_id)
                    assert order is not None
                    if group.status == "succeeded":
                        # Confirmed by the success; an operator may refund it afterwards.
                        assert order.status in ("confirmed", "refunded")
                    else:
                        assert order.status == "grouping"
            campaign = await session.get(GroupCampaign, self.campaign)
            assert campaign is not None
            active = await session.scalar(
                select(func.count())
                .select_from(GroupMember)
                .where(
                    GroupMember.campaign_id == self.campaign,
                    GroupMember.status.in_(("reserved", "paid")),
                )
            )
            personal = await session.scalar(
                select(func.coalesce(func.sum(CampaignParticipant.seats), 0)).where(
                    CampaignParticipant.campaign_id == self.campaign
                )
            )
            assert campaign.seats_taken == active == personal
            assert 0 <= campaign.seats_taken <= campaign.stock_allotted

        self.run(work)


async def test_random_group_lives_keep_money_and_seats_whole(
    database: str, clock: FrozenClock, monkeypatch: Any
) -> None:
    monkeypatch.setattr(security, "hash_password", lambda _: security.DUMMY_PASSWORD_HASH)

    async def setup(session: AsyncSession) -> None:
        users = [
            await identity.create_user(
                session, phone=new_phone(), password="s3cret-pass", display_name=f"P{i}"
            )
            for i in range(PEOPLE + 1)
        ]
        supplier = await catalog.create_supplier(session, name=f"拼团工厂 {uuid.uuid4().hex[:6]}")
        GroupLives.people = [user.id for user in users[:PEOPLE]]
        GroupLives.operator = users[-1].id
        GroupLives.supplier = supplier.id

    await run_machine(GroupLives, database=database, clock=clock, examples=EXAMPLES, setup=setup)
