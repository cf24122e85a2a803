"""How the referral module reacts to orders (subscribed in ``quanzi.wiring``): paid and
refunded orders move share conversions and team sales, and an order's share code binds
the buyer."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.orders import service as orders
from quanzi.orders.events import OrderPaid, OrderRefunded
from quanzi.referral import binding, rules, shares
from quanzi.referral.models import TeamSalesEntry

# Membership fees are not sales: no conversion, no team sales (DOMAIN-RULES "Commission").
MEMBERSHIP_KIND = "membership"


async def on_order_paid(session: AsyncSession, event: OrderPaid) -> None:
    """Queue the order's goods amount for team sales, count it for the link it is
    attributed to, and bind the buyer through the order's share code (binding mode
    permitting; a loop or the buyer's own link binds nobody)."""
    if event.kind == MEMBERSHIP_KIND:
        return
    order = await orders.get_order(session, event.order_id)
    goods_fen = max(0, order.total_fen - order.shipping_fee_fen)
    session.add(
        TeamSalesEntry(
            buyer_id=event.buyer_id,
            order_id=event.order_id,
            amount_fen=goods_fen,
            created_at=clock.now(),
        )
    )
    await session.flush()
    link = await shares.resolve_link(
        session, share_code=event.share_code, buyer_id=event.buyer_id, at=event.paid_at
    )
    if link is None:
        return
    await shares.record_conversion(
        session, link, order_id=event.order_id, buyer_id=event.buyer_id, sales_fen=goods_fen
    )
    if rules.normalize_share_code(event.share_code) == link.code:
        await binding.bind_quietly(
            session, event.buyer_id, link.sharer_id, via=rules.VIA_ORDER, share_link_id=link.id
        )


async def on_order_refunded(session: AsyncSession, event: OrderRefunded) -> None:
    """Take the refunded goods amount off team sales and the link's figures. Money handed
    back for an order cancelled before payment never counted (no ``OrderPaid``)."""
    if event.kind == MEMBERSHIP_KIND or event.after_cancellation:
        return
    goods_fen = event.amount_fen - event.shipping_fen
    if goods_fen <= 0:
        return
    session.add(
        TeamSalesEntry(
            buyer_id=event.buyer_id,
            order_id=event.order_id,
            amount_fen=-goods_fen,
            created_at=clock.now(),
        )
    )
    await session.flush()
    await shares.record_refund(
        session, event.order_id, goods_fen=goods_fen, fully_refunded=event.fully_refunded
    )
