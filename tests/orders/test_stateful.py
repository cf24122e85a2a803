"""Hypothesis drives random order lives against the real database and checks, after every
step, that no money or stock was created or lost and every order is self-consistent."""

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
from quanzi.catalog.models import Sku
from quanzi.catalog.rules import SkuDraft
from quanzi.core import db, security
from quanzi.core.clock import FrozenClock
from quanzi.core.errors import ProblemError
from quanzi.identity import service as identity
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.orders import rules
from quanzi.orders import service as orders
from quanzi.orders.models import Order, OrderLine
from quanzi.payments import service as payments
from quanzi.payments.models import Payment
from tests.helpers import new_phone
from tests.orders.support import ADDRESS
from tests.stateful import run_machine

T = TypeVar("T")

EXAMPLES = int(os.environ.get("QUANZI_STATEFUL_EXAMPLES", "15"))
SKU_STOCK = (3, 4, 6)

# Where an order's units must be counted on its SKUs, by ``stock_state``.
STOCK_STATES_BY_STATUS: dict[str, set[str]] = {
    rules.PENDING_PAYMENT: {"reserved"},
    rules.PAID: {"sold"},
    rules.SHIPPED: {"sold"},
    rules.COMPLETED: {"sold"},
    rules.CANCELLED: {"released"},
    rules.REFUNDED: {"sold", "returned", "released"},
}
PAYMENT_BY_STATUS: dict[str, str] = {
    rules.PENDING_PAYMENT: "pending",
    rules.CANCELLED: "closed",
    rules.PAID: "succeeded",
    rules.SHIPPED: "succeeded",
    rules.COMPLETED: "succeeded",
    rules.REFUNDED: "succeeded",
}


class OrderLives(RuleBasedStateMachine):
    # Set once per test run (creating accounts hashes passwords: too slow per example).
    loop: ClassVar[asyncio.AbstractEventLoop]
    clock: ClassVar[FrozenClock]
    buyers: ClassVar[list[uuid.UUID]]
    operator: ClassVar[uuid.UUID]
    supplier: ClassVar[uuid.UUID]

    placed = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.skus: list[uuid.UUID] = self.run(self._make_skus)
        self.expected_units = dict(zip(self.skus, SKU_STOCK, strict=True))
        self.orders: list[uuid.UUID] = []
        self.late_notifications = 0

    def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(db.transaction(work))

    def attempt(self, work: Callable[[AsyncSession], Awaitable[object]]) -> None:
        """Run a step; a refusal (any problem the API would answer with) is a legal outcome."""
        with contextlib.suppress(ProblemError):
            self.run(work)

    async def _make_skus(self, session: AsyncSession) -> list[uuid.UUID]:
        view = await catalog.create_product(
            session,
            supplier_id=self.supplier,
            title=f"商品 {uuid.uuid4().hex[:8]}",
            category="测试",
            skus=[
                SkuDraft(name="小", price_fen=1200, stock=SKU_STOCK[0], supply_price_fen=700),
                SkuDraft(name="中", price_fen=3300, stock=SKU_STOCK[1], supply_price_fen=2100),
                SkuDraft(name="大", price_fen=5900, stock=SKU_STOCK[2], supply_price_fen=0),
            ],
        )
        return [sku.id for sku in view.skus]

    # --- steps ---------------------------------------------------------------------------

    @rule(
        target=placed,
        buyer=st.integers(0, 1),
        lines=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=3),
    )
    def place(self, buyer: int, lines: list[tuple[int, int]]) -> Any:
        return self._place(buyer, lines)

    @rule(target=placed, buyer=st.integers(0, 1), sku=st.integers(0, 2))
    def place_one(self, buyer: int, sku: int) -> Any:
        """A one-unit order: most orders in a shop, and it keeps the bundle well fed."""
        return self._place(buyer, [(sku, 1)])

    def _place(self, buyer: int, lines: list[tuple[int, int]]) -> Any:
        async def work(session: AsyncSession) -> uuid.UUID:
            view = await orders.place_order(
                session,
                buyer_id=self.buyers[buyer],
                lines=[orders.LineRequest(self.skus[i], q) for i, q in lines],
                address=ADDRESS,
            )
            return view.order.id

        try:
            order_id = self.run(work)
        except ProblemError as refused:
            # Every line is valid, so running out of stock is the only possible refusal.
            if refused.code != "insufficient_stock":
                raise
            return multiple()
        self.orders.append(order_id)
        return order_id

    @rule(order_id=placed)
    def pay(self, order_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            await payments.confirm_sandbox(session, order.payment_id, order.buyer_id)

        self.attempt(work)

    @rule(order_id=placed)
    def provider_notifies(self, order_id: uuid.UUID) -> None:
        """A provider notification, which (unlike the sandbox button) may arrive after the
        order was cancelled."""
        self.late_notifications += 1
        event_id = f"late-{order_id}-{self.late_notifications}"

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

    @rule(order_id=placed)
    def ship(self, order_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            await orders.ship_order(
                session, order_id, carrier="SF", tracking_no="SF1", actor_id=self.operator
            )

        self.attempt(work)

    @rule(order_id=placed)
    def confirm_receipt(self, order_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            await orders.confirm_receipt(session, order_id, buyer_id=order.buyer_id)

        self.attempt(work)

    @rule(order_id=placed)
    def cancel(self, order_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            await orders.cancel_order(session, order_id, buyer_id=order.buyer_id)

        self.attempt(work)

    @rule(order_id=placed, percent=st.integers(1, 99))
    def refund_partly(self, order_id: uuid.UUID, percent: int) -> None:
        async def work(session: AsyncSession) -> None:
            order = await orders.get_order(session, order_id)
            left = order.total_fen - order.refunded_fen
            amount = max(1, left * percent // 100)
            await orders.refund_order(
                session, order_id, amount_fen=amount, reason="partial", actor_id=self.operator
            )

        self.attempt(work)

    @rule(order_id=placed)
    def refund_fully(self, order_id: uuid.UUID) -> None:
        async def work(session: AsyncSession) -> None:
            await orders.refund_order(session, order_id, reason="all", actor_id=self.operator)

        self.attempt(work)

    @rule(minutes=st.sampled_from([1, 10, 16, 60, 11 * 24 * 60]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        self.loop.run_until_complete(orders.expire_unpaid(500))
        self.loop.run_until_complete(orders.auto_complete(500))

    @rule(sku=st.integers(0, 2), units=st.integers(1, 5))
    def restock(self, sku: int, units: int) -> None:
        async def work(session: AsyncSession) -> None:
            await catalog.adjust_stock(session, self.skus[sku], units)

        self.run(work)
        self.expected_units[self.skus[sku]] += units

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def books_balance(self) -> None:
        async def work(session: AsyncSession) -> None:
            assert await ledger.trial_balance(session) == 0
            assert await ledger.unbalanced_transfers(session) == []
            # Refunds are paid out at once by the sandbox: nothing stays payable, and the
            # provider holds exactly what was paid minus what was refunded.
            assert await ledger.balance(session, accounts.REFUNDS_PAYABLE) == 0
            held = await session.scalar(
                select(func.coalesce(func.sum(Payment.amount_fen - Payment.refunded_fen), 0)).where(
                    Payment.status == "succeeded"
                )
            )
            assert await ledger.balance(session, accounts.PROVIDER_CLEARING) == held

        self.run(work)

    @invariant()
    def units_are_conserved(self) -> None:
        async def work(session: AsyncSession) -> None:
            counted: dict[uuid.UUID, dict[str, int]] = {
                sku: {"reserved": 0, "sold": 0} for sku in self.skus
            }
            if self.orders:
                rows = await session.execute(
                    select(OrderLine.sku_id, OrderLine.quantity, Order.stock_state)
                    .join(Order, Order.id == OrderLine.order_id)
                    .where(Order.id.in_(self.orders))
                )
                for sku_id, quantity, stock_state in rows.all():
                    if stock_state in counted[sku_id]:
                        counted[sku_id][stock_state] += quantity
            levels = await session.execute(
                select(Sku.id, Sku.stock, Sku.reserved, Sku.sold).where(Sku.id.in_(self.skus))
            )
            for sku_id, stock, reserved, sold in levels.all():
                assert min(stock, reserved, sold) >= 0
                assert stock + reserved + sold == self.expected_units[sku_id]
                assert (reserved, sold) == (
                    counted[sku_id]["reserved"],
                    counted[sku_id]["sold"],
                )

        self.run(work)

    @invariant()
    def orders_are_consistent(self) -> None:
        async def work(session: AsyncSession) -> None:
            for order_id in self.orders:
                order = await orders.get_order(session, order_id)
                lines = list(
                    await session.scalars(select(OrderLine).where(OrderLine.order_id == order_id))
                )
                payment = await payments.get_payment(session, order.payment_id)
                assert 0 <= order.refunded_fen <= order.total_fen
                assert order.refunded_fen == (
                    sum(line.refunded_fen for line in lines) + order.shipping_refunded_fen
                )
                assert all(0 <= line.refunded_fen <= line.paid_fen for line in lines)
                assert (order.status == rules.REFUNDED) == (order.refunded_fen == order.total_fen)
                assert payment.status == PAYMENT_BY_STATUS[order.status], order.status
                assert payment.refunded_fen == order.refunded_fen
                assert order.stock_state in STOCK_STATES_BY_STATUS[order.status]
                if order.status in rules.PAID_STATUSES:
                    assert order.paid_at is not None

        self.run(work)


def _setup_accounts(
    monkeypatch_hash: Callable[[], None],
) -> Callable[[AsyncSession], Awaitable[None]]:
    async def work(session: AsyncSession) -> None:
        monkeypatch_hash()
        users = [
            await identity.create_user(
                session, phone=new_phone(), password="s3cret-pass", display_name=name
            )
            for name in ("Buyer one", "Buyer two", "Operator")
        ]
        supplier = await catalog.create_supplier(session, name=f"随机工厂 {uuid.uuid4().hex[:6]}")
        OrderLives.buyers = [users[0].id, users[1].id]
        OrderLives.operator = users[2].id
        OrderLives.supplier = supplier.id

    return work


async def test_random_order_lives_keep_money_and_stock_whole(
    database: str, clock: FrozenClock, monkeypatch: Any
) -> None:
    def skip_hashing() -> None:
        monkeypatch.setattr(security, "hash_password", lambda _: security.DUMMY_PASSWORD_HASH)

    await run_machine(
        OrderLives,
        database=database,
        clock=clock,
        examples=EXAMPLES,
        setup=_setup_accounts(skip_hashing),
    )
