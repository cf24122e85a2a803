"""Commission accrues when an order is paid: pending, in the ledger, per beneficiary.

The handler runs inside the payment's transaction, so its cost is fixed whatever the
plan's depth: the plan, the sharer, the uplines (one query), who of them earns (one
query), the lines (one query), then one insert of the order, one of its commission rows and
one ledger transfer.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.ledger import service as ledger
from quanzi.membership import service as membership
from quanzi.orders import rules as order_rules
from quanzi.orders.events import OrderPaid
from quanzi.referral import service as referral
from quanzi.referral.commission.models import Commission, CommissionOrder
from quanzi.referral.commission.orderdata import sale_lines
from quanzi.referral.commission.plans import current_plan
from quanzi.referral.commission.rules import Plan, accrual_legs, split_commission


async def _earners(
    session: AsyncSession, plan: Plan, chain: list[uuid.UUID], buyer_id: uuid.UUID
) -> set[uuid.UUID]:
    if plan.earning == "everyone":
        earners = set(chain)
    else:
        earners = await membership.active_members_among(session, chain, at=clock.now())
    earners.discard(buyer_id)
    return earners


async def _upline_ranks(
    session: AsyncSession, plan: Plan, chain: list[uuid.UUID], earners: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Ranks of the earning uplines, asked only when the plan pays rank overrides (at most
    two members under the compliance limit)."""
    if not any(rate > 0 for rate in plan.rank_override_bp.values()):
        return {}
    return {
        member: await referral.rank_of(session, member)
        for member in chain[1 : plan.depth]
        if member in earners
    }


async def accrue(session: AsyncSession, event: OrderPaid) -> None:
    """``OrderPaid``: record the order's commission, pending, under the plan in force.

    Nothing for a membership order, an order nobody shared (or shared to themselves), or
    when no level of the chain earns. See :func:`rules.split_commission` for the amounts.
    """
    if event.kind == order_rules.MEMBERSHIP:
        # Membership fees never pay commission (入门费): DOMAIN-RULES "Commission".
        return
    now = clock.now()
    sharer = await referral.resolve_sharer(
        session, share_code=event.share_code, buyer_id=event.buyer_id, at=event.paid_at
    )
    if sharer is None or sharer == event.buyer_id:
        return
    plan = await current_plan(session)
    chain = [sharer]
    if plan.depth > 1:
        chain += await referral.uplines(session, sharer, plan.depth - 1)
    earners = await _earners(session, plan, chain, event.buyer_id)
    if not earners:
        return
    ranks = await _upline_ranks(session, plan, chain, earners)
    lines = await sale_lines(session, event.order_id)
    shares = split_commission(
        plan, lines, chain, earners=earners, buyer_id=event.buyer_id, ranks=ranks
    )
    if not shares:
        return
    session.add(
        CommissionOrder(
            order_id=event.order_id,
            buyer_id=event.buyer_id,
            sharer_id=sharer,
            plan_version=plan.version,
            freeze_days=plan.freeze_days,
            created_at=now,
        )
    )
    await session.flush()
    session.add_all(
        Commission(
            order_id=event.order_id,
            order_line_id=share.line_id,
            beneficiary_id=share.beneficiary_id,
            level=share.level,
            rate_bp=share.rate_bp,
            base_fen=share.base_fen,
            amount_fen=share.amount_fen,
            reversed_fen=0,
            refunded_base_fen=0,
            plan_version=plan.version,
            status="pending",
            created_at=now,
        )
        for share in shares
    )
    await session.flush()
    await ledger.transfer(
        session,
        key=f"commission:{event.order_id}",
        kind="commission",
        legs=accrual_legs(shares),
        reference_type="order",
        reference_id=event.order_id,
        description=f"commission pending (plan v{plan.version})",
    )
