"""Placing an order: price it from the catalog, open its payment, reserve its stock; or,
for virtual goods sold by an upper module (a membership), just price it and open its
payment."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import stock
from quanzi.catalog.stock import SkuFacts
from quanzi.core import clock
from quanzi.core.config import get_settings
from quanzi.core.errors import NotFound, Unprocessable
from quanzi.core.ids import new_id
from quanzi.core.money import MAX_AMOUNT_FEN
from quanzi.core.outbox import emit, json_id
from quanzi.orders import pricing, rules, store
from quanzi.orders.models import Order, OrderLine, OrderStatusChange
from quanzi.payments import service as payments


@dataclass(frozen=True)
class LineRequest:
    sku_id: uuid.UUID
    quantity: int


def _sellable(facts: Mapping[uuid.UUID, SkuFacts], sku_ids: Sequence[uuid.UUID]) -> None:
    for sku_id in sku_ids:
        fact = facts.get(sku_id)
        if fact is None:
            raise NotFound("No such SKU.", code="sku_not_found", sku_id=str(sku_id))
        if not fact.sellable:
            raise Unprocessable(
                f"{fact.title} ({fact.sku_name}) is not on sale.",
                code="sku_unavailable",
                sku_id=str(sku_id),
            )


def _check_overrides(overrides: Mapping[uuid.UUID, int], sku_ids: Sequence[uuid.UUID]) -> None:
    for sku_id, price in overrides.items():
        if sku_id not in sku_ids:
            raise ValueError(f"price override for SKU {sku_id} that is not ordered")
        if not 0 < price <= MAX_AMOUNT_FEN:
            raise Unprocessable("A unit price must be positive.", code="invalid_price")


async def _record_placed(
    session: AsyncSession,
    order: Order,
    lines: list[OrderLine],
    *,
    payment_id: uuid.UUID,
    now: datetime,
) -> None:
    """Write a new order with its lines, its first status change and ``order.created``."""
    session.add(order)
    await session.flush()
    session.add_all(lines)
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=None,
            to_status=rules.PENDING_PAYMENT,
            actor_id=order.buyer_id,
            note="placed",
            created_at=now,
        )
    )
    await emit(
        session, "order.created", store.outbox_payload(order, payment_id=json_id(payment_id))
    )


async def place_order(
    session: AsyncSession,
    *,
    buyer_id: uuid.UUID,
    lines: Sequence[LineRequest],
    address: Mapping[str, Any],
    share_code: str | None = None,
    kind: str = rules.REGULAR,
    unit_price_overrides: Mapping[uuid.UUID, int] | None = None,
    discount_fen: int = 0,
    shipping_fee_fen: int | None = None,
    reserve: bool = True,
) -> store.OrderView:
    """Create a ``pending_payment`` order with its payment and reserved stock.

    Unit prices are fixed now: ``unit_price_overrides`` (sku id → price, e.g. a group
    price) win, else the member price for an active member (see :mod:`.pricing`), else the
    solo price. ``discount_fen`` (coupons, leader perks) is spread over the lines.
    ``shipping_fee_fen`` overrides the flat-fee rule (a campaign with free shipping).
    Lines for the same SKU are merged. Stock is reserved last, in one statement, so the
    SKU rows stay locked only from there to the commit. With ``reserve=False`` the caller
    reserves ``store.quantities(view.lines)`` itself (``catalog.stock.reserve``) as the last
    write of the same transaction, after writes of its own that must precede it. Raises ``insufficient_stock``
    (409), ``sku_not_found`` (404), ``sku_unavailable``, ``invalid_quantity``,
    ``too_many_lines``, ``invalid_address``, ``invalid_phone`` (422).
    """
    if kind not in rules.KINDS or kind in rules.VIRTUAL_KINDS:
        raise ValueError(f"{kind!r} is not a kind of order for goods")
    settings = get_settings()
    merged = rules.merge_lines(
        [(line.sku_id, line.quantity) for line in lines],
        max_lines=settings.max_order_lines,
        max_quantity=settings.max_line_quantity,
    )
    clean_address = rules.clean_address(address)
    sku_ids = list(merged)
    overrides = dict(unit_price_overrides or {})
    _check_overrides(overrides, sku_ids)
    facts = await stock.load_sku_facts(session, sku_ids)
    _sellable(facts, sku_ids)
    stock.check_on_hand(facts, merged)
    needs_member_check = any(
        facts[sku_id].member_price_fen is not None and sku_id not in overrides for sku_id in sku_ids
    )
    is_member = needs_member_check and await pricing.is_active_member(session, buyer_id)
    units = [
        (
            sku_id,
            rules.unit_price(
                facts[sku_id].price_fen,
                facts[sku_id].member_price_fen,
                is_member=is_member,
                override_fen=overrides.get(sku_id),
            ),
            merged[sku_id],
        )
        for sku_id in sku_ids
    ]
    goods_fen = sum(unit * quantity for _, unit, quantity in units)
    if shipping_fee_fen is None:
        free_threshold_fen = settings.free_shipping_threshold_fen
        if goods_fen < free_threshold_fen and settings.shipping_fee_fen > 0:
            # A member's plan may lower the threshold; ask only when shipping would cost.
            member_threshold = await pricing.member_free_shipping_threshold(session, buyer_id)
            if member_threshold is not None:
                free_threshold_fen = min(free_threshold_fen, member_threshold)
        shipping_fee_fen = rules.shipping_fee(
            goods_fen,
            flat_fee_fen=settings.shipping_fee_fen,
            free_threshold_fen=free_threshold_fen,
        )
    elif shipping_fee_fen < 0:
        raise ValueError("a shipping fee cannot be negative")
    priced = rules.price_order(units, discount_fen=discount_fen, shipping_fee_fen=shipping_fee_fen)
    if priced.total_fen > MAX_AMOUNT_FEN:
        raise Unprocessable("This order is too large.", code="order_too_large")

    now = clock.now()
    order_id = new_id()
    first = facts[sku_ids[0]]
    payment = await payments.create_payment(
        session,
        payable_type="order",
        payable_id=order_id,
        user_id=buyer_id,
        amount_fen=priced.total_fen,
        description=f"{first.title} ({first.sku_name})"
        + (f" +{len(sku_ids) - 1}" if len(sku_ids) > 1 else ""),
    )
    order = Order(
        id=order_id,
        buyer_id=buyer_id,
        kind=kind,
        status=rules.PENDING_PAYMENT,
        goods_fen=priced.goods_fen,
        discount_fen=priced.discount_fen,
        shipping_fee_fen=priced.shipping_fee_fen,
        total_fen=priced.total_fen,
        refunded_fen=0,
        shipping_refunded_fen=0,
        stock_state="reserved",
        payment_id=payment.id,
        payment_provider=payment.provider,
        address=clean_address,
        share_code=(share_code or "").strip() or None,
        payment_deadline=now + timedelta(minutes=settings.payment_window_minutes),
        created_at=now,
        updated_at=now,
    )
    order_lines = [
        OrderLine(
            id=new_id(),
            order_id=order_id,
            position=position,
            sku_id=line.sku_id,
            product_id=facts[line.sku_id].product_id,
            supplier_id=facts[line.sku_id].supplier_id,
            title=facts[line.sku_id].title,
            sku_name=facts[line.sku_id].sku_name,
            unit_price_fen=line.unit_price_fen,
            supply_price_fen=facts[line.sku_id].supply_price_fen,
            quantity=line.quantity,
            amount_fen=line.amount_fen,
            discount_fen=line.discount_fen,
            paid_fen=line.paid_fen,
            refunded_fen=0,
        )
        for position, line in enumerate(priced.lines)
    ]
    await _record_placed(session, order, order_lines, payment_id=payment.id, now=now)
    if reserve:
        await stock.reserve(session, merged)
    return store.OrderView(order, order_lines)


async def place_virtual_order(
    session: AsyncSession,
    *,
    buyer_id: uuid.UUID,
    kind: str,
    title: str,
    item_name: str,
    unit_price_fen: int,
) -> store.OrderView:
    """Create a ``pending_payment`` order of virtual goods (``kind`` ``membership``) with its
    payment: one line of one unit at ``unit_price_fen``, no SKU, no stock, no address, no
    shipping. The caller (the module selling the goods) records what the order is for,
    reacts to its ``OrderPaid`` and completes it with ``complete_virtual_order``. Unpaid, it
    expires like any order."""
    if kind not in rules.VIRTUAL_KINDS:
        raise ValueError(f"{kind!r} is not a kind of order for virtual goods")
    if not 0 < unit_price_fen <= MAX_AMOUNT_FEN:
        raise Unprocessable("A unit price must be positive.", code="invalid_price")
    settings = get_settings()
    now = clock.now()
    order_id = new_id()
    payment = await payments.create_payment(
        session,
        payable_type="order",
        payable_id=order_id,
        user_id=buyer_id,
        amount_fen=unit_price_fen,
        description=f"{title} ({item_name})",
    )
    order = Order(
        id=order_id,
        buyer_id=buyer_id,
        kind=kind,
        status=rules.PENDING_PAYMENT,
        goods_fen=unit_price_fen,
        discount_fen=0,
        shipping_fee_fen=0,
        total_fen=unit_price_fen,
        refunded_fen=0,
        shipping_refunded_fen=0,
        stock_state="none",
        payment_id=payment.id,
        payment_provider=payment.provider,
        address=None,
        share_code=None,
        payment_deadline=now + timedelta(minutes=settings.payment_window_minutes),
        created_at=now,
        updated_at=now,
    )
    line = OrderLine(
        id=new_id(),
        order_id=order_id,
        position=0,
        sku_id=None,
        product_id=None,
        supplier_id=None,
        title=title[:200],
        sku_name=item_name[:120],
        unit_price_fen=unit_price_fen,
        supply_price_fen=0,
        quantity=1,
        amount_fen=unit_price_fen,
        discount_fen=0,
        paid_fen=unit_price_fen,
        refunded_fen=0,
    )
    await _record_placed(session, order, [line], payment_id=payment.id, now=now)
    return store.OrderView(order, [line])
