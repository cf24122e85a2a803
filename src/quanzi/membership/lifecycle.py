"""A membership's life: bought (a ``membership`` order), activated or renewed by the
payment, shortened or ended by a refund of its fee, ended by time.

Buying creates an order of virtual goods through the orders module and a
:class:`~quanzi.membership.models.MembershipPurchase` naming the plan, price and duration
paid for. Why a purchase row and not a catalog SKU: the plan is not goods — it has no
supplier, no stock and no shipment — so the order line carries no SKU at all (orders allows
lines of virtual goods for exactly this) and the purchase row keeps the link from the order
to the plan. Nothing fake (no hidden product, no platform "supplier", no infinite stock)
enters the catalog, and the fee is booked as membership revenue by the order kind.

Every change to a membership happens with its row locked (PostgreSQL); ``MembershipEnded``
is published by whichever transaction moves the row out of ``active``, so exactly once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db, events
from quanzi.core.errors import Conflict
from quanzi.core.ids import new_id
from quanzi.core.outbox import emit, json_id
from quanzi.membership import codes, plans, rules
from quanzi.membership.events import MembershipActivated, MembershipEnded
from quanzi.membership.models import Membership, MembershipPurchase
from quanzi.orders import service as orders
from quanzi.orders.events import OrderCancelled, OrderPaid, OrderRefunded
from quanzi.orders.rules import MEMBERSHIP

log = logging.getLogger("quanzi.membership")


async def running_membership(
    session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False
) -> Membership | None:
    """The user's ``active`` row (which may be past its expiry until the sweep ends it)."""
    stmt = select(Membership).where(
        Membership.user_id == user_id, Membership.status == rules.ACTIVE
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def buy(session: AsyncSession, *, user_id: uuid.UUID, plan_id: uuid.UUID) -> orders.OrderView:
    """Open a ``membership`` order for ``plan_id`` at its current price and duration; paying
    it activates (or renews) the membership. Refuses ``plan_not_found`` (404),
    ``plan_inactive`` (409) and ``membership_prepaid_limit`` (409) when the running
    membership already reaches more than ``MAX_PREPAID_DAYS`` ahead."""
    plan = await plans.get_plan(session, plan_id)
    if not plan.active:
        raise Conflict("This membership plan is no longer on sale.", code="plan_inactive")
    running = await running_membership(session, user_id)
    if running is not None and rules.prepaid_too_far(clock.now(), running.expires_at):
        raise Conflict(
            f"Your membership is already paid more than {rules.MAX_PREPAID_DAYS} days ahead.",
            code="membership_prepaid_limit",
            expires_at=running.expires_at.isoformat(),
        )
    view = await orders.place_virtual_order(
        session,
        buyer_id=user_id,
        kind=MEMBERSHIP,
        title=plan.name,
        item_name=f"{plan.duration_days} 天会员",
        unit_price_fen=plan.price_fen,
    )
    now = clock.now()
    session.add(
        MembershipPurchase(
            id=new_id(),
            order_id=view.order.id,
            user_id=user_id,
            plan_id=plan.id,
            price_fen=plan.price_fen,
            duration_days=plan.duration_days,
            status=rules.PURCHASE_PENDING,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    return view


async def _lock_purchase(session: AsyncSession, order_id: uuid.UUID) -> MembershipPurchase | None:
    return await session.scalar(
        select(MembershipPurchase)
        .where(MembershipPurchase.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _payload(membership: Membership, **extra: object) -> dict[str, object]:
    return {
        "membership_id": json_id(membership.id),
        "user_id": json_id(membership.user_id),
        "plan_id": json_id(membership.plan_id),
        "status": membership.status,
        "started_at": membership.started_at.isoformat(),
        "expires_at": membership.expires_at.isoformat(),
        **extra,
    }


async def end_membership(
    session: AsyncSession, membership: Membership, *, reason: str, at: datetime
) -> None:
    """Move a locked ``active`` membership to ``reason`` (``expired``/``refunded``) as of
    ``at`` and publish :class:`MembershipEnded` (the caller checked it is still active)."""
    if membership.status != rules.ACTIVE:
        raise ValueError("only an active membership can end")
    membership.status = reason
    membership.end_reason = reason
    membership.ended_at = at
    membership.expires_at = max(min(membership.expires_at, at), membership.started_at)
    membership.updated_at = clock.now()
    await session.flush()
    await emit(session, "membership.ended", _payload(membership, reason=reason))
    await events.publish(session, MembershipEnded(membership.user_id, membership.id, reason))


async def _start_or_extend(
    session: AsyncSession, purchase: MembershipPurchase
) -> tuple[Membership, bool]:
    now = clock.now()
    # Two rounds at most: if a concurrent activation inserts the user's active row between
    # our look and our insert, the insert does nothing and the second look finds it.
    for _ in range(2):
        running = await running_membership(session, purchase.user_id, lock=True)
        if running is not None and running.expires_at <= now:
            await end_membership(session, running, reason=rules.EXPIRED, at=running.expires_at)
            running = None
        if running is not None:
            term = rules.activation_term(
                now, (running.started_at, running.expires_at), purchase.duration_days
            )
            running.expires_at = term.expires_at
            running.plan_id = purchase.plan_id
            running.updated_at = now
            await session.flush()
            return running, True
        term = rules.activation_term(now, None, purchase.duration_days)
        insert = pg_insert if db.is_postgres(session) else sqlite_insert
        membership_id = await session.scalar(
            insert(Membership)
            .values(
                id=new_id(),
                user_id=purchase.user_id,
                plan_id=purchase.plan_id,
                status=rules.ACTIVE,
                started_at=term.started_at,
                expires_at=term.expires_at,
                created_at=now,
                updated_at=now,
            )
            # A literal predicate: PostgreSQL matches the partial unique index by its text
            # and cannot prove a bound parameter equal to 'active'.
            .on_conflict_do_nothing(
                index_elements=["user_id"], index_where=text(f"status = '{rules.ACTIVE}'")
            )
            .returning(Membership.id)
        )
        if membership_id is not None:
            membership = await session.get(Membership, membership_id)
            assert membership is not None
            return membership, False
    raise db.RetryTransaction()


async def on_order_paid(session: AsyncSession, event: OrderPaid) -> None:
    """A membership fee was paid: start the membership (or extend the running one from its
    expiry), grant the plan's partner benefits, and complete the order (virtual goods are
    delivered at once)."""
    if event.kind != MEMBERSHIP:
        return
    purchase = await _lock_purchase(session, event.order_id)
    if purchase is None:
        log.error("membership order %s has no purchase record", event.order_id)
        return
    if purchase.status != rules.PURCHASE_PENDING:
        return
    membership, renewal = await _start_or_extend(session, purchase)
    now = clock.now()
    purchase.status = rules.PURCHASE_ACTIVATED
    purchase.membership_id = membership.id
    purchase.renewal = renewal
    purchase.activated_at = now
    purchase.updated_at = now
    await session.flush()
    await codes.grant_benefits(session, purchase, membership)
    await emit(
        session,
        "membership.activated",
        _payload(membership, order_id=json_id(purchase.order_id), renewal=renewal),
    )
    await events.publish(
        session,
        MembershipActivated(
            user_id=membership.user_id,
            membership_id=membership.id,
            plan_id=purchase.plan_id,
            order_id=purchase.order_id,
            renewal=renewal,
        ),
    )
    await orders.complete_virtual_order(session, purchase.order_id, note="membership activated")


async def on_order_refunded(session: AsyncSession, event: OrderRefunded) -> None:
    """A membership fee was refunded. In full: the purchase's days are taken back — a
    refunded renewal shortens the membership, a refunded first term ends it (``refunded``);
    grants still waiting for a partner code are cancelled. In part: the membership is kept
    (a goodwill partial refund is not a cancellation)."""
    if event.kind != MEMBERSHIP or not event.fully_refunded:
        return
    purchase = await _lock_purchase(session, event.order_id)
    if purchase is None or purchase.status != rules.PURCHASE_ACTIVATED:
        # Never activated (money that arrived after the order was cancelled): nothing to end.
        return
    now = clock.now()
    purchase.status = rules.PURCHASE_REFUNDED
    purchase.updated_at = now
    await codes.cancel_waiting(session, purchase.id)
    assert purchase.membership_id is not None
    membership = await session.scalar(
        select(Membership)
        .where(Membership.id == purchase.membership_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if membership is None or membership.status != rules.ACTIVE:
        await session.flush()
        return
    if membership.expires_at <= now:
        await end_membership(session, membership, reason=rules.EXPIRED, at=membership.expires_at)
        return
    shortened = rules.expiry_after_refund(membership.expires_at, purchase.duration_days)
    if shortened <= now:
        await end_membership(session, membership, reason=rules.REFUNDED, at=now)
        return
    membership.expires_at = shortened
    membership.updated_at = now
    await session.flush()
    await emit(
        session, "membership.shortened", _payload(membership, order_id=json_id(purchase.order_id))
    )


async def on_order_cancelled(session: AsyncSession, event: OrderCancelled) -> None:
    """An unpaid membership order was cancelled (by the buyer or by expiry)."""
    if event.kind != MEMBERSHIP:
        return
    purchase = await _lock_purchase(session, event.order_id)
    if purchase is not None and purchase.status == rules.PURCHASE_PENDING:
        purchase.status = rules.PURCHASE_CANCELLED
        purchase.updated_at = clock.now()
        await session.flush()


async def expire_one(session: AsyncSession, membership_id: uuid.UUID) -> bool:
    """End one membership past its expiry; ``False`` if another worker has it (skipped,
    PostgreSQL) or it is no longer due (renewed, refunded, already ended)."""
    stmt = (
        select(Membership)
        .where(
            Membership.id == membership_id,
            Membership.status == rules.ACTIVE,
            Membership.expires_at <= clock.now(),
        )
        .execution_options(populate_existing=True)
    )
    if db.is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    membership = await session.scalar(stmt)
    if membership is None:
        return False
    await end_membership(session, membership, reason=rules.EXPIRED, at=membership.expires_at)
    return True


async def expire_due(limit: int) -> int:
    """Worker sweep: end up to ``limit`` memberships whose time ran out, each in its own
    transaction; returns how many ended."""
    now = clock.now()

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.scalars(
            select(Membership.id)
            .where(Membership.status == rules.ACTIVE, Membership.expires_at <= now)
            .order_by(Membership.expires_at)
            .limit(limit)
        )
        return list(result)

    ended = 0
    for membership_id in await db.transaction(due):

        async def one(session: AsyncSession, membership_id: uuid.UUID = membership_id) -> bool:
            return await expire_one(session, membership_id)

        if await db.transaction(one):
            ended += 1
    return ended
