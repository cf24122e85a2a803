"""Hypothesis drives random distribution lives — bindings, memberships, plan changes,
orders through share links, partial and full refunds, completions, clock moves with every
sweep, withdrawals approved or rejected — against the real database, and checks after
every step that money is conserved, commission never exceeds the plan's cap, a fully
refunded order nets zero commission, and no available balance is negative except
through a clawback."""

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
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.rules import SkuDraft
from quanzi.core import db, security
from quanzi.core.clock import FrozenClock
from quanzi.core.errors import ProblemError
from quanzi.identity import service as identity
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.ledger.models import LedgerAccount, LedgerPosting, LedgerTransfer
from quanzi.membership import service as membership
from quanzi.orders import service as orders
from quanzi.orders.models import Order, OrderLine
from quanzi.payments import service as payments
from quanzi.referral import service as referral
from quanzi.referral.commission import plans
from quanzi.referral.commission import service as commissions
from quanzi.referral.commission.compliance import MAX_TOTAL_RATE_BP
from quanzi.referral.commission.models import Commission, CommissionOrder
from quanzi.referral.commission.rules import plan_from_terms
from quanzi.wallet import service as wallet
from quanzi.wallet.models import Withdrawal
from quanzi.wallet.rules import WithdrawalTerms
from tests.helpers import new_phone
from tests.orders.support import ADDRESS
from tests.stateful import run_machine

T = TypeVar("T")

EXAMPLES = int(os.environ.get("QUANZI_STATEFUL_EXAMPLES", "8"))
PEOPLE = 6

LOW_RANKS = {"sales_manager": 1, "service_manager": 2}
PLANS: list[dict[str, Any]] = [
    {"share_rate_bp": 1_000, "override_rates_bp": [300]},
    {"share_rate_bp": 1_500, "override_rates_bp": [500, 200], "freeze_days": 3},
    {"share_rate_bp": 777, "override_rates_bp": [], "freeze_days": 0, "earning": "everyone"},
    {
        "share_rate_bp": 2_000,
        "override_rates_bp": [1_000, 500],
        "rank_thresholds": LOW_RANKS,
        "rank_override_bp": {"sales_manager": 300, "service_manager": 600},
        "base_pay_fen": {"sales_manager": 5_000, "service_manager": 30_000},
    },
]


class DistributionLives(RuleBasedStateMachine):
    loop: ClassVar[asyncio.AbstractEventLoop]
    clock: ClassVar[FrozenClock]
    people: ClassVar[list[uuid.UUID]]
    operator: ClassVar[uuid.UUID]
    product: ClassVar[uuid.UUID]
    skus: ClassVar[list[uuid.UUID]]
    membership_plan: ClassVar[uuid.UUID]

    paid_orders = Bundle("paid_orders")
    withdrawals = Bundle("withdrawals")

    def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(db.transaction(work))

    def attempt(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
        with contextlib.suppress(ProblemError):
            return self.run(work)
        return None

    # --- steps ---------------------------------------------------------------------------

    @rule(child=st.integers(0, PEOPLE - 1), parent=st.integers(0, PEOPLE - 1))
    def bind(self, child: int, parent: int) -> None:
        async def work(session: AsyncSession) -> None:
            await referral.bind(session, self.people[child], self.people[parent], via="invite")

        self.attempt(work)

    @rule(person=st.integers(0, PEOPLE - 1))
    def join(self, person: int) -> None:
        user = self.people[person]

        async def open_order(session: AsyncSession) -> uuid.UUID:
            view = await membership.buy(session, user_id=user, plan_id=self.membership_plan)
            return view.order.payment_id

        payment_id = self.attempt(open_order)
        if payment_id is None:
            return

        async def confirm(session: AsyncSession) -> None:
            await payments.confirm_sandbox(session, payment_id, user)

        self.attempt(confirm)

    @rule(choice=st.integers(0, len(PLANS) - 1))
    def operator_changes_plan(self, choice: int) -> None:
        async def work(session: AsyncSession) -> None:
            draft = plan_from_terms(PLANS[choice], version=0)
            await plans.set_plan(session, draft, actor_id=self.operator)

        self.run(work)

    @rule(
        target=paid_orders,
        sharer=st.integers(0, PEOPLE - 1),
        buyer=st.integers(0, PEOPLE - 1),
        quantities=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    )
    def buy_through_a_share(self, sharer: int, buyer: int, quantities: tuple[int, int]) -> Any:
        lines = [
            orders.LineRequest(sku, quantity)
            for sku, quantity in zip(self.skus, quantities, strict=True)
            if quantity
        ]
        if not lines:
            return multiple()

        async def place(session: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
            link, _ = await referral.create_link(
                session, self.people[sharer], target_kind="product", target_id=self.product
            )
            view = await orders.place_order(
                session,
                buyer_id=self.people[buyer],
                lines=lines,
                address=ADDRESS,
                share_code=link.code,
            )
            return view.order.id, view.order.payment_id

        placed = self.attempt(place)
        if placed is None:
            return multiple()
        order_id, payment_id = placed

        async def confirm(session: AsyncSession) -> None:
            await payments.confirm_sandbox(session, payment_id, self.people[buyer])

        self.run(confirm)
        return order_id

    @rule(order_id=paid_orders, part=st.sampled_from([None, 1, 3, 10]))
    def operator_refunds(self, order_id: uuid.UUID, part: int | None) -> None:
        """``part`` = None refunds what is left; n refunds 1/n of the order's total."""

        async def work(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            amount = None if part is None else max(1, order.total_fen // part)
            await orders.refund_order(
                session, order_id, amount_fen=amount, reason="asked", actor_id=self.operator
            )

        self.attempt(work)

    @rule(order_id=paid_orders)
    def ship_and_receive(self, order_id: uuid.UUID) -> None:
        async def ship(session: AsyncSession) -> None:
            await orders.ship_order(
                session, order_id, carrier="SF", tracking_no="SF1", actor_id=self.operator
            )

        async def receive(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            await orders.confirm_receipt(session, order_id, buyer_id=order.buyer_id)

        self.attempt(ship)
        self.attempt(receive)

    @rule(days=st.sampled_from([1, 3, 8, 20]))
    def time_passes(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))
        for sweep in (
            orders.auto_complete,
            membership.expire_due,
            commissions.release_due,
            commissions.pay_base_pay,
            wallet.retry_payouts,
        ):
            self.loop.run_until_complete(sweep(500))

    @rule(target=withdrawals, person=st.integers(0, PEOPLE - 1), amount=st.integers(100, 5_000))
    def withdraw(self, person: int, amount: int) -> Any:
        async def work(session: AsyncSession) -> uuid.UUID:
            made = await wallet.request_withdrawal(session, self.people[person], amount_fen=amount)
            return made.id

        made = self.attempt(work)
        return multiple() if made is None else made

    @rule(withdrawal_id=withdrawals, approve=st.booleans())
    def operator_decides(self, withdrawal_id: uuid.UUID, approve: bool) -> None:
        async def work(session: AsyncSession) -> None:
            if approve:
                await wallet.approve(session, withdrawal_id, actor_id=self.operator)
            else:
                await wallet.reject(session, withdrawal_id, actor_id=self.operator, reason="no")

        self.attempt(work)

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def money_is_conserved(self) -> None:
        async def work(session: AsyncSession) -> None:
            assert await ledger.trial_balance(session) == 0
            assert await ledger.unbalanced_transfers(session) == []
            owed = await session.scalar(
                select(func.coalesce(func.sum(Commission.amount_fen - Commission.reversed_fen), 0))
            )
            assert await ledger.balance(session, accounts.COMMISSION_EXPENSE) == owed
            held = await session.scalar(
                select(
                    func.coalesce(func.sum(Withdrawal.amount_fen + Withdrawal.fee_fen), 0)
                ).where(Withdrawal.status.in_(("requested", "approved")))
            )
            assert await ledger.balance(session, accounts.WITHDRAWAL_PAYABLE) == -int(held or 0)

        self.run(work)

    @invariant()
    def pending_balances_match_pending_commission(self) -> None:
        async def work(session: AsyncSession) -> None:
            rows = await session.execute(
                select(
                    Commission.beneficiary_id,
                    func.sum(Commission.amount_fen - Commission.reversed_fen),
                )
                .where(Commission.status == "pending")
                .group_by(Commission.beneficiary_id)
            )
            pending = {member: int(total) for member, total in rows.all()}
            for person in self.people:
                assert -await ledger.balance(
                    session, accounts.member_pending(person)
                ) == pending.get(person, 0)

        self.run(work)

    @invariant()
    def only_clawbacks_make_available_negative(self) -> None:
        async def work(session: AsyncSession) -> None:
            for person in self.people:
                code = accounts.member_available(person)
                clawed = await session.scalar(
                    select(func.coalesce(func.sum(LedgerPosting.amount_fen), 0))
                    .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
                    .join(LedgerTransfer, LedgerTransfer.id == LedgerPosting.transfer_id)
                    .where(
                        LedgerAccount.code == code,
                        LedgerTransfer.kind == "commission_clawback",
                    )
                )
                available = -await ledger.balance(session, code)
                assert available + int(clawed or 0) >= 0

        self.run(work)

    @invariant()
    def commission_stays_under_the_cap_and_refunds_net_zero(self) -> None:
        async def work(session: AsyncSession) -> None:
            per_line = await session.execute(
                select(
                    OrderLine.paid_fen,
                    OrderLine.refunded_fen,
                    func.sum(Commission.amount_fen),
                    func.sum(Commission.amount_fen - Commission.reversed_fen),
                    func.max(
                        case((Commission.refunded_base_fen != OrderLine.refunded_fen, 1), else_=0)
                    ),
                )
                .join(Commission, Commission.order_line_id == OrderLine.id)
                .group_by(OrderLine.id, OrderLine.paid_fen, OrderLine.refunded_fen)
            )
            for paid, refunded, total, net, out_of_step in per_line.all():
                assert total * 10_000 <= paid * MAX_TOTAL_RATE_BP
                assert out_of_step == 0
                if refunded == paid:
                    assert net == 0
            refunded_orders = await session.execute(
                select(
                    CommissionOrder.order_id,
                    func.sum(Commission.amount_fen - Commission.reversed_fen),
                )
                .join(Order, Order.id == CommissionOrder.order_id)
                .join(Commission, Commission.order_id == CommissionOrder.order_id)
                .where(Order.status == "refunded")
                .group_by(CommissionOrder.order_id)
            )
            assert all(net == 0 for _, net in refunded_orders.all())
            # membership fees never pay commission
            fees = await session.scalar(
                select(func.count())
                .select_from(CommissionOrder)
                .join(Order, Order.id == CommissionOrder.order_id)
                .where(Order.kind == "membership")
            )
            assert fees == 0

        self.run(work)


async def test_random_distribution_lives_keep_money_whole(
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
        supplier = await catalog.create_supplier(session, name=f"茶山 {uuid.uuid4().hex[:6]}")
        view = await catalog.create_product(
            session,
            supplier_id=supplier.id,
            title="普洱",
            category="茶",
            skus=[
                SkuDraft(
                    name="一饼",
                    price_fen=9_999,
                    member_price_fen=8_888,
                    stock=100_000,
                    supply_price_fen=3_000,
                ),
                SkuDraft(name="小样", price_fen=1_234, stock=100_000, supply_price_fen=300),
            ],
        )
        plan = await membership.create_plan(
            session, name=f"Shop owner {uuid.uuid4().hex[:6]}", price_fen=39_800, duration_days=30
        )
        await wallet.set_terms(
            session,
            WithdrawalTerms(min_amount_fen=100, daily_limit_fen=20_000, fee_bp=50, fee_min_fen=10),
            actor_id=users[-1].id,
        )
        DistributionLives.people = [user.id for user in users[:PEOPLE]]
        DistributionLives.operator = users[-1].id
        DistributionLives.product = view.product.id
        DistributionLives.skus = [sku.id for sku in view.skus]
        DistributionLives.membership_plan = plan.plan.id

    await run_machine(
        DistributionLives, database=database, clock=clock, examples=EXAMPLES, setup=setup
    )
