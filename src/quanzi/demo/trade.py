"""The shop's side of the demo history: suppliers ship everyday orders, produce the group
batches the worker cuts overnight and ship them with tracking numbers (厂家直发); buyers
confirm receipt or let the order complete by itself; the operator keeps the group campaigns
running, restocks, settles after-sales refunds and decides withdrawals.

Like :mod:`quanzi.demo.life`, every step is a request through the same service the API or
the pages call.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.queries import list_products
from quanzi.core.config import get_settings
from quanzi.demo import names
from quanzi.demo.calendar import midnight
from quanzi.demo.catalog import CAMPAIGNS, SeedReport, ensure_campaigns
from quanzi.demo.life import Life, Member
from quanzi.groupbuy import campaigns
from quanzi.orders import service as orders
from quanzi.production import rules as production_rules
from quanzi.production import service as production
from quanzi.wallet import service as wallet

AFTER_SALES = (
    "收到时有一盒压坏，协商部分退款",
    "少发一件，退差价",
    "有几个坏果，按比例退款",
    "外包装破损，补偿部分货款",
)
RETURNS = ("七天无理由退货，已寄回", "尺寸不合适，退货退款")
REJECTIONS = ("收款账户信息有误，请核对后重新申请", "提现账户与实名信息不符，请修改后再申请")
RESTOCK_BELOW = 0.4


@dataclass
class Trade:
    """Suppliers, couriers and the operator."""

    life: Life
    carriers: dict[uuid.UUID, str] = field(default_factory=dict)
    """Supplier id → the courier it ships with."""
    production_days: dict[uuid.UUID, int] = field(default_factory=dict)
    """Supplier id → days a batch takes to make."""
    decisions: dict[uuid.UUID, str] = field(default_factory=dict)
    """Withdrawals whose outcome the story fixes (``approve``/``reject``)."""

    def __post_init__(self) -> None:
        self.life.dispatch = self.dispatch
        suppliers = sorted(self.life.shop.staff_ids)
        for position, supplier_id in enumerate(suppliers):
            self.carriers[supplier_id] = names.CARRIERS[position % len(names.CARRIERS)][0]
            self.production_days[supplier_id] = 2 + position % 2

    @property
    def rng(self) -> random.Random:
        return self.life.rng

    # --- everyday orders ----------------------------------------------------------------

    def dispatch(self, order_id: uuid.UUID, buyer: Member, supplier_id: uuid.UUID) -> None:
        """The supplier ships a paid order in its next afternoon round (packed before 15:00,
        out the same day)."""
        now = self.life.now()
        day0 = midnight(now)
        if now.astimezone(get_settings().timezone).hour >= 15:
            day0 += timedelta(days=1)
        when = day0 + timedelta(hours=self.rng.uniform(15.5, 18.5))
        self.life.later(when, self.ship_order, order_id, buyer, supplier_id)

    async def ship_order(
        self, session: AsyncSession, order_id: uuid.UUID, buyer: Member, supplier_id: uuid.UUID
    ) -> None:
        carrier, number = names.tracking(self.rng, self.carriers[supplier_id])
        await orders.ship_order(
            session,
            order_id,
            carrier=carrier,
            tracking_no=number,
            actor_id=self.life.shop.staff_ids[supplier_id],
            supplier_id=supplier_id,
        )
        self.delivered(order_id, buyer)

    def delivered(self, order_id: uuid.UUID, buyer: Member) -> None:
        """After shipping: most buyers confirm receipt, the rest let the order complete by
        itself; a few ask for an after-sales refund (partial) or return the goods."""
        now = self.life.now()
        if self.rng.random() < 0.55:
            days = self.rng.uniform(2, 6)
            self.life.later(now + timedelta(days=days), self.life.confirm_receipt, order_id, buyer)
        roll = self.rng.random()
        if roll < 0.04:
            days = self.rng.uniform(4, 20)
            self.life.later(now + timedelta(days=days), self.refund, order_id, True)
        elif roll < 0.05:
            days = self.rng.uniform(3, 8)
            self.life.later(now + timedelta(days=days), self.refund, order_id, False)

    async def refund(self, session: AsyncSession, order_id: uuid.UUID, partial: bool) -> None:
        """The operator settles an after-sales case: part of the money back, or all of it
        for returned goods."""
        order = await orders.get_order(session, order_id)
        left = order.total_fen - order.refunded_fen
        amount = None
        if partial:
            amount = max(100, int(left * self.rng.uniform(0.15, 0.4)) // 100 * 100)
            if amount >= left:
                return
        await orders.refund_order(
            session,
            order_id,
            amount_fen=amount,
            reason=self.rng.choice(AFTER_SALES if partial else RETURNS),
            actor_id=self.life.shop.operator_id,
        )

    # --- production (C2M) ---------------------------------------------------------------

    async def start_batches(self, session: AsyncSession, supplier_id: uuid.UUID) -> None:
        """The factory plans the batches cut before today and starts making them."""
        today = midnight(self.life.now())
        created = await production.list_batches(
            session, limit=100, supplier_id=supplier_id, status=production_rules.CREATED
        )
        for position, batch in enumerate(created.items):
            if batch.cut_at is not None and batch.cut_at < today:
                when = self.life.now() + timedelta(minutes=2 * position)
                self.life.later(when, self.start_batch, batch.id, supplier_id)

    async def start_batch(
        self, session: AsyncSession, batch_id: uuid.UUID, supplier_id: uuid.UUID
    ) -> None:
        await production.start_production(session, batch_id, supplier_id=supplier_id)

    async def finish_batches(self, session: AsyncSession, supplier_id: uuid.UUID) -> None:
        """Batches made long enough are marked produced and every order in them ships, one
        courier parcel per buyer, tracking numbers uploaded at once."""
        made_before = self.life.now() - timedelta(days=self.production_days[supplier_id], hours=-2)
        making = await production.list_batches(
            session, limit=100, supplier_id=supplier_id, status=production_rules.IN_PRODUCTION
        )
        for position, batch in enumerate(making.items):
            started = batch.production_started_at
            if started is not None and started <= made_before:
                when = self.life.now() + timedelta(minutes=5 * position)
                self.life.later(when, self.produce_and_ship, batch.id, supplier_id)

    async def produce_and_ship(
        self, session: AsyncSession, batch_id: uuid.UUID, supplier_id: uuid.UUID
    ) -> None:
        await production.mark_produced(session, batch_id, supplier_id=supplier_id)
        view = await production.batch_for_supplier(session, batch_id, supplier_id)
        rows: list[production_rules.ShipmentRow] = []
        for order in view.orders:
            if order.status == "confirmed":
                carrier, number = names.tracking(self.rng, self.carriers[supplier_id])
                rows.append(
                    production_rules.ShipmentRow(len(rows) + 1, order.order_id, carrier, number)
                )
        if rows:
            await production.ship_batch(
                session,
                batch_id,
                supplier_id=supplier_id,
                actor_id=self.life.shop.staff_ids[supplier_id],
                rows=rows,
            )
        for row in rows:
            buyer = self.life.buyers.get(row.order_id)
            if buyer is not None:
                self.delivered(row.order_id, buyer)

    # --- the operator -------------------------------------------------------------------

    async def operator_morning(self, session: AsyncSession) -> None:
        """Start next month's campaigns, restock what runs low, and go through the
        withdrawal requests made before today."""
        life = self.life
        if any(life.campaign_for(deal) is None for deal in CAMPAIGNS):
            await ensure_campaigns(session, life.shop.product_ids, SeedReport())
            running = await campaigns.list_campaigns(session, running_only=True)
            life.running = {campaign.sku_id: campaign for campaign in running}
        stock = {item.sku_id: item.stock for item in life.items}
        for view in (await list_products(session, public=False, limit=100)).items:
            for sku in view.skus:
                full = stock.get(sku.id)
                if full is not None and sku.stock < full * RESTOCK_BELOW:
                    await catalog.adjust_stock(session, sku.id, full - sku.stock)
        today = midnight(self.life.now())
        requested = await wallet.list_withdrawals(session, limit=100, status="requested")
        for position, withdrawal in enumerate(reversed(requested.items)):
            if withdrawal.created_at < today:
                decision = self.decisions.get(withdrawal.id)
                if decision is None:
                    decision = "approve" if self.rng.random() < 0.88 else "reject"
                when = self.life.now() + timedelta(minutes=20 + position)
                self.life.later(when, self.decide, withdrawal.id, decision)

    async def decide(self, session: AsyncSession, withdrawal_id: uuid.UUID, decision: str) -> None:
        operator = self.life.shop.operator_id
        if decision == "approve":
            await wallet.approve(session, withdrawal_id, actor_id=operator)
        else:
            reason = self.rng.choice(REJECTIONS)
            await wallet.reject(session, withdrawal_id, actor_id=operator, reason=reason)

    def plan_day(self, day0: datetime) -> None:
        """The shop's fixed rounds on the day starting at ``day0``."""
        life = self.life
        life.later(day0 + timedelta(hours=9), self.operator_morning)
        for supplier_id in sorted(life.shop.staff_ids):
            life.later(day0 + timedelta(hours=10, minutes=30), self.start_batches, supplier_id)
            life.later(day0 + timedelta(hours=16, minutes=30), self.finish_batches, supplier_id)
        calendar = life.calendar
        calendar.sweeps_at(day0 + timedelta(hours=2), full=True)
        calendar.sweeps_at(day0 + timedelta(hours=14), full=False)
