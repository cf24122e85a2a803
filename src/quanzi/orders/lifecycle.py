"""An order's life after placement: payment, shipment, receipt, cancellation."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import stock
from quanzi.core import clock, events
from quanzi.core.config import get_settings
from quanzi.core.db import RetryTransaction
from quanzi.core.errors import Unprocessable
from quanzi.core.outbox import emit, json_id
from quanzi.ledger import service as ledger
from quanzi.orders import refunds, rules, store
from quanzi.orders.events import OrderCancelled, OrderCompleted, OrderPaid, OrderShipped
from quanzi.orders.models import Order, OrderLine
from quanzi.payments import service as payments
from quanzi.payments.events import PaymentSucceeded

log = logging.getLogger("quanzi.orders")

PAYABLE_TYPE = "order"


async def _record_payment(session: AsyncSession, order: Order, lines: list[OrderLine]) -> None:
    await ledger.transfer(
        session,
        key=f"order-paid:{order.id}",
        kind="order_paid",
        legs=rules.payment_legs(
            order.total_fen,
            order.shipping_fee_fen,
            store.line_money(order.kind, lines),
            revenue=rules.revenue_account(order.kind),
        ),
        reference_type="order",
        reference_id=order.id,
        description="order paid",
    )


async def handle_payment_succeeded(session: AsyncSession, event: PaymentSucceeded) -> None:
    """``PaymentSucceeded`` for an order: book the money and move the order on.

    An unpaid order becomes ``paid`` (``grouping`` for a group order) and its reserved
    units become sold. Money for an order that was cancelled meanwhile (the payment raced
    the expiry) is booked all the same and refunded in full at once: the order ends
    ``refunded``.
    """
    if event.payable_type != PAYABLE_TYPE:
        return
    order = await store.lock_order(session, event.payable_id)
    if order is None:
        log.error("payment %s is for unknown order %s", event.payment_id, event.payable_id)
        return
    lines = await store.lines_of(session, order.id)
    await _record_payment(session, order, lines)
    if order.status == rules.CANCELLED:
        await refunds.grant_refund(
            session,
            order,
            lines,
            amount_fen=None,
            reason="payment arrived after the order was closed",
            actor_id=None,
            after_cancellation=True,
        )
        return
    paid_at = order.paid_at = clock.now()
    if order.stock_state == "reserved":
        await stock.commit(session, store.quantities(lines))
        order.stock_state = "sold"
    # Any other state would mean a second payment for one order, which payments never opens.
    # One flush writes the status with the payment time and stock state.
    await store.change_status(
        session, order, rules.PAID_STATUS[order.kind], actor_id=order.buyer_id, note="paid"
    )
    await emit(
        session, "order.paid", store.outbox_payload(order, payment_id=json_id(order.payment_id))
    )
    await events.publish(
        session,
        OrderPaid(
            order_id=order.id,
            buyer_id=order.buyer_id,
            kind=order.kind,
            status=order.status,
            total_fen=order.total_fen,
            payment_id=order.payment_id,
            share_code=order.share_code,
            paid_at=paid_at,
        ),
    )


async def confirm_group_order(
    session: AsyncSession, order_id: uuid.UUID, *, actor_id: uuid.UUID | None = None
) -> Order:
    """``grouping`` → ``confirmed``: the group module calls this when the group succeeds."""
    order = await store.lock_existing(session, order_id)
    await store.change_status(
        session, order, rules.CONFIRMED, actor_id=actor_id, note="group succeeded"
    )
    return order


async def ship_order(
    session: AsyncSession,
    order_id: uuid.UUID,
    *,
    carrier: str,
    tracking_no: str,
    actor_id: uuid.UUID,
    supplier_id: uuid.UUID | None = None,
) -> Order:
    """Mark a paid order shipped. With ``supplier_id`` (supplier staff) the supplier must
    supply every line, else the order is not theirs: 404."""
    carrier, tracking_no = carrier.strip(), tracking_no.strip()
    if not carrier or not tracking_no:
        raise Unprocessable("Carrier and tracking number are required.", code="invalid_shipment")
    order = await store.lock_existing(session, order_id)
    if supplier_id is not None:
        lines = await store.lines_of(session, order.id)
        if any(line.supplier_id != supplier_id for line in lines):
            raise store.not_found()
    await store.change_status(
        session, order, rules.SHIPPED, actor_id=actor_id, note=f"{carrier} {tracking_no}"
    )
    now = clock.now()
    order.carrier = carrier
    order.tracking_no = tracking_no
    order.shipped_at = now
    order.auto_complete_at = now + timedelta(days=get_settings().auto_complete_days)
    await session.flush()
    await emit(
        session,
        "order.shipped",
        store.outbox_payload(order, carrier=order.carrier, tracking_no=order.tracking_no),
    )
    await events.publish(session, OrderShipped(order.id, order.buyer_id, order.kind))
    return order


async def complete_order(
    session: AsyncSession, order: Order, *, actor_id: uuid.UUID | None, note: str
) -> None:
    """``shipped`` → ``completed`` for a locked order."""
    await store.change_status(session, order, rules.COMPLETED, actor_id=actor_id, note=note)
    order.completed_at = clock.now()
    await session.flush()
    await emit(session, "order.completed", store.outbox_payload(order))
    await events.publish(session, OrderCompleted(order.id, order.buyer_id, order.kind))


async def complete_virtual_order(session: AsyncSession, order_id: uuid.UUID, *, note: str) -> Order:
    """``paid`` → ``completed`` for an order of virtual goods (a membership), which the
    module that sold it delivers the moment it is paid."""
    order = await store.lock_existing(session, order_id)
    if order.kind not in rules.VIRTUAL_KINDS:
        raise ValueError(f"a {order.kind} order is completed by its receipt, not at payment")
    await complete_order(session, order, actor_id=None, note=note)
    return order


async def confirm_receipt(
    session: AsyncSession, order_id: uuid.UUID, *, buyer_id: uuid.UUID
) -> Order:
    """The buyer says the goods arrived: ``shipped`` → ``completed``."""
    order = await store.lock_order(session, order_id, Order.buyer_id == buyer_id)
    if order is None:
        raise store.not_found()
    await complete_order(session, order, actor_id=buyer_id, note="receipt confirmed")
    return order


async def cancel_unpaid(
    session: AsyncSession,
    order: Order,
    *,
    actor_id: uuid.UUID | None,
    reason: str,
    note: str,
) -> None:
    """``pending_payment`` → ``cancelled`` for a locked order whose payment is closed:
    its reserved units go back to stock."""
    await store.change_status(session, order, rules.CANCELLED, actor_id=actor_id, note=note)
    if order.stock_state == "reserved":
        lines = await store.lines_of(session, order.id)
        await stock.release(session, store.quantities(lines))
        order.stock_state = "released"
    order.cancelled_at = clock.now()
    order.cancel_reason = note[:200]
    await session.flush()
    await emit(session, "order.cancelled", store.outbox_payload(order, reason=reason))
    await events.publish(session, OrderCancelled(order.id, order.buyer_id, order.kind, reason))


async def close_unpaid(
    session: AsyncSession, order_id: uuid.UUID, *, reason: str, note: str
) -> bool:
    """The shop withdraws an unpaid order (its group closed): ``True`` if it was unpaid
    and is now cancelled, ``False`` if its money had already arrived (the caller decides
    what a paid order means). Payment row first, like the buyer's cancellation."""
    order = await store.get_order(session, order_id)
    closed = await payments.close_payment(session, order.payment_id)
    order = await store.lock_existing(session, order_id)
    if order.status != rules.PENDING_PAYMENT:
        return False
    if not closed:
        raise RetryTransaction()
    await cancel_unpaid(session, order, actor_id=None, reason=reason, note=note)
    return True


async def cancel_order(
    session: AsyncSession, order_id: uuid.UUID, *, buyer_id: uuid.UUID, note: str = ""
) -> Order:
    """The buyer cancels. Unpaid: the payment is closed and the stock released. Paid but
    not shipped (``paid``; ``confirmed`` for a group order): refunded in full, units back in
    stock. Anything else is an ``illegal_transition``."""
    order = await store.get_order(session, order_id)
    if order.buyer_id != buyer_id:
        raise store.not_found()
    # The payment row first (see store: payment before order), so a payment notification
    # racing this cancellation waits for it instead of deadlocking with it.
    closed = await payments.close_payment(session, order.payment_id)
    order = await store.lock_existing(session, order_id)
    note = note.strip() or "cancelled by the buyer"
    if order.status == rules.PENDING_PAYMENT:
        if not closed:
            raise RetryTransaction()
        await cancel_unpaid(session, order, actor_id=buyer_id, reason="buyer", note=note)
        return order
    if order.status == rules.BUYER_CANCELLABLE_PAID.get(order.kind):
        lines = await store.lines_of(session, order.id)
        await refunds.grant_refund(
            session, order, lines, amount_fen=None, reason=note, actor_id=buyer_id
        )
        return order
    raise rules.IllegalTransition(order.kind, order.status, rules.CANCELLED)
