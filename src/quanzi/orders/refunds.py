"""Refunds: granting money back on a paid order, partly or in full.

A refund is decided here (order and line amounts, ledger reversal, stock) and paid out by
the payments module after the commit: ``request_refund`` reserves the amount on the
payment and submits it to the provider; the provider's confirmation moves
``refunds_payable`` to ``provider_clearing``.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import stock
from quanzi.core import clock, events
from quanzi.core.errors import Conflict, Unprocessable
from quanzi.core.ids import new_id
from quanzi.core.outbox import emit, json_id
from quanzi.ledger import service as ledger
from quanzi.orders import rules, store
from quanzi.orders.events import LineRefund, OrderRefunded
from quanzi.orders.models import Order, OrderLine, OrderRefund
from quanzi.payments import service as payments

MAX_REASON = 200


async def refund_order(
    session: AsyncSession,
    order_id: uuid.UUID,
    *,
    amount_fen: int | None = None,
    reason: str,
    actor_id: uuid.UUID | None = None,
) -> OrderRefund:
    """Refund ``amount_fen`` (default: everything left) of a paid order.

    A partial refund keeps the order's status; the refund that reaches ``total_fen`` makes
    it ``refunded`` and, if it was never shipped, puts its sold units back in stock.
    Raises ``illegal_transition`` (409) unless the order is paid (``paid``, ``grouping``,
    ``confirmed``, ``shipped``, ``completed``), ``refund_exceeds_paid`` (409) beyond what
    is left, ``invalid_amount`` (422) for an amount ≤ 0. The group module calls this with
    no amount to hand a failed group's orders their money back.
    """
    order = await store.lock_existing(session, order_id)
    if order.status not in rules.PAID_STATUSES:
        raise rules.IllegalTransition(order.kind, order.status, rules.REFUNDED)
    lines = await store.lines_of(session, order.id)
    return await grant_refund(
        session, order, lines, amount_fen=amount_fen, reason=reason, actor_id=actor_id
    )


async def grant_refund(
    session: AsyncSession,
    order: Order,
    lines: list[OrderLine],
    *,
    amount_fen: int | None,
    reason: str,
    actor_id: uuid.UUID | None,
    after_cancellation: bool = False,
) -> OrderRefund:
    """Refund a locked order whose payment has succeeded (see :func:`refund_order`)."""
    left = order.total_fen - order.refunded_fen
    amount = left if amount_fen is None else amount_fen
    if amount_fen is not None and amount_fen <= 0:
        raise Unprocessable("A refund must be for a positive amount.", code="invalid_amount")
    if amount <= 0 or amount > left:
        raise Conflict(
            f"At most {left} fen of this order can still be refunded.",
            code="refund_exceeds_paid",
            refundable_fen=left,
        )
    final = amount == left
    split = rules.split_refund(
        amount,
        store.line_money(order.kind, lines),
        shipping_left_fen=order.shipping_fee_fen - order.shipping_refunded_fen,
        final=final,
        revenue=rules.revenue_account(order.kind),
    )
    refund_id = new_id()
    key = f"order-refund:{refund_id}"
    reason = reason.strip()[:MAX_REASON] or "refund"
    await ledger.transfer(
        session,
        key=key,
        kind="order_refund",
        legs=split.legs,
        reference_type="order",
        reference_id=order.id,
        description=reason,
    )
    for line, part in zip(lines, split.line_parts, strict=True):
        line.refunded_fen += part
    order.refunded_fen += amount
    order.shipping_refunded_fen += split.shipping_fen
    order.updated_at = clock.now()
    payment_refund = await payments.request_refund(
        session, payment_id=order.payment_id, amount_fen=amount, reason=reason, key=key
    )
    refund = OrderRefund(
        id=refund_id,
        order_id=order.id,
        amount_fen=amount,
        reason=reason,
        actor_id=actor_id,
        payment_refund_id=payment_refund.id,
        created_at=clock.now(),
    )
    session.add(refund)
    await session.flush()
    if final:
        if order.stock_state == "sold" and order.shipped_at is None:
            await stock.return_sold(session, store.quantities(lines))
            order.stock_state = "returned"
        await store.change_status(session, order, rules.REFUNDED, actor_id=actor_id, note=reason)
    refunded_lines = tuple(
        LineRefund(line.id, line.sku_id, part)
        for line, part in zip(lines, split.line_parts, strict=True)
        if part > 0
    )
    await emit(
        session,
        "order.refunded",
        store.outbox_payload(
            order,
            refund_id=json_id(refund_id),
            amount_fen=amount,
            shipping_fen=split.shipping_fen,
            lines=[
                {
                    "line_id": json_id(r.line_id),
                    "sku_id": json_id(r.sku_id),
                    "amount_fen": r.amount_fen,
                }
                for r in refunded_lines
            ],
        ),
    )
    await events.publish(
        session,
        OrderRefunded(
            order_id=order.id,
            buyer_id=order.buyer_id,
            kind=order.kind,
            refund_id=refund_id,
            amount_fen=amount,
            shipping_fen=split.shipping_fen,
            lines=refunded_lines,
            fully_refunded=final,
            after_cancellation=after_cancellation,
        ),
    )
    return refund
