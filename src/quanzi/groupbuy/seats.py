"""Taking and giving back seats: opening a group, joining one, and what payments and
cancellations of the members' orders do to their group.

Every capacity is taken with one conditional statement: the group's seats, the campaign's
allotment, the member's own limit (an upsert that only increments below the limit) and
the SKU's stock (the orders module). Any refusal rolls the whole request back, so a
refused joiner holds nothing and pays nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from quanzi.catalog import stock
from quanzi.core import clock, events
from quanzi.core.db import is_postgres
from quanzi.core.errors import Conflict, NotFound
from quanzi.core.ids import new_id
from quanzi.core.outbox import emit
from quanzi.groupbuy import campaigns, rules
from quanzi.groupbuy.events import GroupSucceeded
from quanzi.groupbuy.models import (
    ACTIVE_SEAT_WHERE,
    CampaignParticipant,
    Group,
    GroupCampaign,
    GroupMember,
)
from quanzi.orders import service as orders
from quanzi.orders.events import OrderCancelled, OrderPaid, OrderRefunded

RESERVED, PAID, RELEASED, REFUNDED = "reserved", "paid", "released", "refunded"
PENDING, OPEN, SUCCEEDED, FAILED = "pending", "open", "succeeded", "failed"
GROUP_KIND = "group"


def group_not_found() -> NotFound:
    return NotFound("No such group.", code="group_not_found")


async def get_group(session: AsyncSession, group_id: uuid.UUID) -> Group:
    group = await session.get(Group, group_id)
    if group is None:
        raise group_not_found()
    return group


def group_payload(group: Group, **extra: Any) -> dict[str, Any]:
    return {
        "group_id": str(group.id),
        "campaign_id": str(group.campaign_id),
        "leader_id": str(group.leader_id),
        "status": group.status,
        "group_size": group.group_size,
        "paid_count": group.paid_count,
        "expires_at": group.expires_at.isoformat() if group.expires_at else None,
        **extra,
    }


# --- capacity ----------------------------------------------------------------------


async def _take_campaign_seat(session: AsyncSession, campaign: GroupCampaign) -> None:
    taken = await session.execute(
        update(GroupCampaign)
        .where(
            GroupCampaign.id == campaign.id,
            GroupCampaign.status == "active",
            GroupCampaign.seats_taken < GroupCampaign.stock_allotted,
        )
        .values(seats_taken=GroupCampaign.seats_taken + 1)
        .returning(GroupCampaign.id)
        .execution_options(synchronize_session=False)
    )
    if taken.first() is None:
        raise Conflict("This campaign has no seats left.", code="campaign_sold_out")


async def _take_personal_seat(
    session: AsyncSession, campaign: GroupCampaign, user_id: uuid.UUID
) -> None:
    insert = pg_insert if is_postgres(session) else sqlite_insert
    table = CampaignParticipant.__table__
    upsert = (
        insert(CampaignParticipant)
        .values(campaign_id=campaign.id, user_id=user_id, seats=1)
        .on_conflict_do_update(
            index_elements=["campaign_id", "user_id"],
            set_={"seats": table.c.seats + 1},
            where=table.c.seats < campaign.per_user_limit,
        )
        .returning(table.c.seats)
    )
    if (await session.execute(upsert)).first() is None:
        raise Conflict(
            f"You already hold {campaign.per_user_limit} seat(s) in this campaign.",
            code="limit_reached",
            per_user_limit=campaign.per_user_limit,
        )


async def give_back_seats(
    session: AsyncSession, campaign_id: uuid.UUID, user_ids: list[uuid.UUID]
) -> None:
    """Return seats to the campaign's allotment and to each member's own limit."""
    if not user_ids:
        return
    await session.execute(
        update(GroupCampaign)
        .where(GroupCampaign.id == campaign_id)
        .values(seats_taken=GroupCampaign.seats_taken - len(user_ids))
        .execution_options(synchronize_session=False)
    )
    for user_id in sorted(user_ids):
        await session.execute(
            update(CampaignParticipant)
            .where(
                CampaignParticipant.campaign_id == campaign_id,
                CampaignParticipant.user_id == user_id,
            )
            .values(seats=CampaignParticipant.seats - 1)
            .execution_options(synchronize_session=False)
        )


async def _take_hot_rows(session: AsyncSession, campaign: GroupCampaign) -> None:
    """The campaign's seat and the SKU's unit, as the last two writes of the request: every
    seat of a campaign contends on these two rows, which stay locked from here to the
    commit only."""
    await _take_campaign_seat(session, campaign)
    # The seat's order (see _seat_order) is one unit of the campaign's SKU.
    await stock.reserve(session, {campaign.sku_id: 1})


async def _seat_order(
    session: AsyncSession,
    campaign: GroupCampaign,
    *,
    buyer_id: uuid.UUID,
    address: Mapping[str, Any],
    share_code: str | None,
    leader: bool,
) -> orders.OrderView:
    return await orders.place_order(
        session,
        buyer_id=buyer_id,
        lines=[orders.LineRequest(campaign.sku_id, 1)],
        address=address,
        share_code=share_code,
        kind=GROUP_KIND,
        unit_price_overrides={campaign.sku_id: campaign.group_price_fen},
        discount_fen=campaign.leader_discount_fen if leader else 0,
        # Group prices are delivered prices (包邮), as shoppers expect of a group deal.
        shipping_fee_fen=0,
        reserve=False,
    )


async def _add_member(
    session: AsyncSession,
    *,
    group_id: uuid.UUID,
    campaign_id: uuid.UUID,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    is_leader: bool,
) -> None:
    """Seat ``user_id`` (reserved until paid); one active seat per member and group, held
    by the partial unique index even against a concurrent join."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    seated = await session.execute(
        insert(GroupMember)
        .values(
            id=new_id(),
            group_id=group_id,
            campaign_id=campaign_id,
            user_id=user_id,
            order_id=order_id,
            is_leader=is_leader,
            status=RESERVED,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(
            index_elements=["group_id", "user_id"], index_where=ACTIVE_SEAT_WHERE
        )
        .returning(GroupMember.id)
    )
    if seated.first() is None:
        raise Conflict("You are already in this group.", code="already_joined")


# --- opening and joining ---------------------------------------------------------------


async def open_group(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID,
    leader_id: uuid.UUID,
    address: Mapping[str, Any],
    share_code: str | None = None,
) -> tuple[Group, orders.OrderView]:
    """Open a group as its leader: it is ``pending`` until the leader's order is paid,
    then ``open`` for the campaign's duration."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    campaigns.require_running(campaign)
    await _take_personal_seat(session, campaign, leader_id)
    now = clock.now()
    group = Group(
        campaign_id=campaign.id,
        leader_id=leader_id,
        status=PENDING,
        group_size=campaign.group_size,
        seats_taken=1,
        paid_count=0,
        platform_filled=0,
        created_at=now,
    )
    session.add(group)
    await session.flush()
    view = await _seat_order(
        session, campaign, buyer_id=leader_id, address=address, share_code=share_code, leader=True
    )
    await _add_member(
        session,
        group_id=group.id,
        campaign_id=campaign.id,
        user_id=leader_id,
        order_id=view.order.id,
        is_leader=True,
    )
    await _take_hot_rows(session, campaign)
    return group, view


def _active_seat() -> ColumnElement[bool]:
    return GroupMember.status.in_((RESERVED, PAID))


async def join_group(
    session: AsyncSession,
    *,
    group_id: uuid.UUID,
    user_id: uuid.UUID,
    address: Mapping[str, Any],
    share_code: str | None = None,
) -> tuple[Group, orders.OrderView]:
    """Take a seat in an open group and create the joiner's unpaid order.

    Refusals: ``group_full`` and ``group_closed`` (409, nothing taken), ``already_joined``,
    ``limit_reached``, ``campaign_not_running``, ``campaign_sold_out``,
    ``insufficient_stock``.
    """
    group = await get_group(session, group_id)
    already = await session.scalar(
        select(GroupMember.id).where(
            GroupMember.group_id == group_id, GroupMember.user_id == user_id, _active_seat()
        )
    )
    if already is not None:
        raise Conflict("You are already in this group.", code="already_joined")
    campaign = await campaigns.get_campaign(session, group.campaign_id)
    now = clock.now()
    seat = await session.execute(
        update(Group)
        .where(
            Group.id == group_id,
            Group.status == OPEN,
            Group.expires_at > now,
            Group.seats_taken < Group.group_size,
        )
        .values(seats_taken=Group.seats_taken + 1)
        .returning(Group.seats_taken)
        .execution_options(synchronize_session=False)
    )
    seats_taken = seat.scalar()
    if seats_taken is None:
        await session.refresh(group)
        if group.status != OPEN or group.expires_at is None or group.expires_at <= now:
            raise Conflict("This group is no longer open.", code="group_closed")
        raise Conflict("This group is full.", code="group_full")
    set_committed_value(group, "seats_taken", seats_taken)
    campaigns.require_running(campaign)
    await _take_personal_seat(session, campaign, user_id)
    view = await _seat_order(
        session, campaign, buyer_id=user_id, address=address, share_code=share_code, leader=False
    )
    await _add_member(
        session,
        group_id=group_id,
        campaign_id=campaign.id,
        user_id=user_id,
        order_id=view.order.id,
        is_leader=False,
    )
    await _take_hot_rows(session, campaign)
    return group, view


# --- success ---------------------------------------------------------------------------


async def succeed(session: AsyncSession, group: Group, *, platform_filled: int = 0) -> None:
    """Close a locked ``open`` group as succeeded: its paid members' orders are confirmed
    and become production demand."""
    now = clock.now()
    group.status = SUCCEEDED
    group.platform_filled = platform_filled
    group.closed_at = now
    await session.flush()
    paid = (
        await session.scalars(
            select(GroupMember.order_id)
            .where(GroupMember.group_id == group.id, GroupMember.status == PAID)
            .order_by(GroupMember.order_id)
        )
    ).all()
    for order_id in paid:
        await orders.confirm_group_order(session, order_id)
    await emit(session, "group.succeeded", group_payload(group, platform_filled=platform_filled))
    await events.publish(
        session,
        GroupSucceeded(
            group_id=group.id,
            campaign_id=group.campaign_id,
            order_ids=tuple(paid),
            platform_filled=platform_filled,
        ),
    )


# --- reactions to the members' orders (subscribed in quanzi.wiring) ---------------------


async def _member_of(session: AsyncSession, order_id: uuid.UUID) -> GroupMember | None:
    return await session.scalar(select(GroupMember).where(GroupMember.order_id == order_id))


async def _locked_group(session: AsyncSession, group_id: uuid.UUID) -> Group:
    group = await session.scalar(
        select(Group)
        .where(Group.id == group_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if group is None:
        raise group_not_found()
    return group


async def on_order_paid(session: AsyncSession, event: OrderPaid) -> None:
    """A member paid: count the seat; the leader's payment opens the group; the last
    seat's payment makes it succeed at once. Money for a group that closed meanwhile is
    refunded in full."""
    if event.kind != GROUP_KIND:
        return
    member = await _member_of(session, event.order_id)
    if member is None:
        return
    group = await _locked_group(session, member.group_id)
    if group.status not in (PENDING, OPEN) or member.status != RESERVED:
        member.status = REFUNDED
        await session.flush()
        if group.status in (PENDING, OPEN):
            await _leave(session, group, member)
        else:
            await give_back_seats(session, group.campaign_id, [member.user_id])
        await orders.refund_order(
            session, event.order_id, reason="the group closed before this payment arrived"
        )
        return
    now = clock.now()
    member.status = PAID
    member.paid_at = now
    group.paid_count += 1
    if group.status == PENDING:
        campaign = await campaigns.get_campaign(session, group.campaign_id)
        group.status = OPEN
        group.opened_at = now
        group.expires_at = rules.group_deadline(now, campaign.duration_minutes, campaign.ends_at)
        await session.flush()
        await emit(session, "group.opened", group_payload(group))
    await session.flush()
    if group.paid_count == group.group_size:
        await succeed(session, group)


async def _leave(session: AsyncSession, group: Group, member: GroupMember) -> None:
    """A member's seat is gone from a still-open group (never paid, or refunded)."""
    group.seats_taken -= 1
    if member.paid_at is not None and member.status == REFUNDED:
        group.paid_count -= 1
    await session.flush()
    await give_back_seats(session, group.campaign_id, [member.user_id])


async def on_order_cancelled(session: AsyncSession, event: OrderCancelled) -> None:
    """An unpaid member's order was cancelled (payment window passed, or the buyer): the
    seat is released. A leader who never paid takes the pending group down with them."""
    if event.kind != GROUP_KIND:
        return
    member = await _member_of(session, event.order_id)
    if member is None or member.status != RESERVED:
        return
    group = await _locked_group(session, member.group_id)
    member.status = RELEASED
    await session.flush()
    if group.status in (PENDING, OPEN):
        await _leave(session, group, member)
    else:
        await give_back_seats(session, group.campaign_id, [member.user_id])
    if member.is_leader and group.status == PENDING:
        group.status = FAILED
        group.closed_at = clock.now()
        await session.flush()
        await emit(session, "group.failed", group_payload(group, reason="leader_did_not_pay"))


async def on_order_refunded(session: AsyncSession, event: OrderRefunded) -> None:
    """An operator refunded a paid member's order in full while the group was still
    filling: that seat no longer counts, so the group cannot succeed on it."""
    if event.kind != GROUP_KIND or not event.fully_refunded:
        return
    member = await _member_of(session, event.order_id)
    if member is None or member.status != PAID:
        return
    group = await _locked_group(session, member.group_id)
    if group.status != OPEN:
        return
    member.status = REFUNDED
    await session.flush()
    await _leave(session, group, member)
