"""Read side of group buying: group pages, campaign pages, discovery of open groups."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import stock
from quanzi.core import clock
from quanzi.core.config import get_settings
from quanzi.groupbuy import campaigns, rules
from quanzi.groupbuy.models import Group, GroupCampaign, GroupMember
from quanzi.groupbuy.seats import FAILED, OPEN, PAID, PENDING, RESERVED, SUCCEEDED, get_group
from quanzi.identity import service as identity


@dataclass(frozen=True)
class MemberView:
    display_name: str
    is_leader: bool
    paid: bool
    joined_at: datetime


@dataclass(frozen=True)
class GroupView:
    group: Group
    campaign: GroupCampaign
    members: list[MemberView]
    seats_left: int
    seconds_left: int
    share_url: str


@dataclass(frozen=True)
class CampaignView:
    campaign: GroupCampaign
    solo_price_fen: int
    running: bool
    open_groups: list[Group]


def share_url(group_id: uuid.UUID) -> str:
    return f"{get_settings().base_url.rstrip('/')}/g/{group_id}"


def seats_left(group: Group) -> int:
    return max(0, group.group_size - group.seats_taken - group.platform_filled)


async def group_view(session: AsyncSession, group_id: uuid.UUID) -> GroupView:
    """Everything a group page shows: seats as members (display names only, never phone
    numbers), seats left, time left, seats the platform filled, the share link."""
    group = await get_group(session, group_id)
    campaign = await campaigns.get_campaign(session, group.campaign_id)
    # While filling, a page shows every held seat; once closed, those who paid (a failed
    # group's members were refunded, and the page says so).
    shown = (
        GroupMember.status.in_((RESERVED, PAID))
        if group.status in (OPEN, PENDING)
        else GroupMember.paid_at.is_not(None)
    )
    rows = (
        await session.scalars(
            select(GroupMember)
            .where(GroupMember.group_id == group_id, shown)
            .order_by(GroupMember.is_leader.desc(), GroupMember.created_at)
        )
    ).all()
    names = await identity.display_names(session, [row.user_id for row in rows])
    members = [
        MemberView(
            display_name=names.get(row.user_id, "?"),
            is_leader=row.is_leader,
            paid=row.paid_at is not None,
            joined_at=row.created_at,
        )
        for row in rows
    ]
    return GroupView(
        group=group,
        campaign=campaign,
        members=members,
        seats_left=seats_left(group) if group.status == OPEN else 0,
        seconds_left=rules.seconds_left(group.expires_at, clock.now())
        if group.status == OPEN
        else 0,
        share_url=share_url(group.id),
    )


async def open_groups(
    session: AsyncSession, campaign_id: uuid.UUID, *, limit: int = 20
) -> list[Group]:
    """Open groups a stranger can join (拼单): closest to full first, then soonest to end."""
    now = clock.now()
    result = await session.scalars(
        select(Group)
        .where(
            Group.campaign_id == campaign_id,
            Group.status == OPEN,
            Group.expires_at > now,
            Group.seats_taken < Group.group_size,
        )
        .order_by((Group.group_size - Group.seats_taken).asc(), Group.expires_at.asc())
        .limit(limit)
    )
    return list(result.all())


async def campaign_view(session: AsyncSession, campaign_id: uuid.UUID) -> CampaignView:
    campaign = await campaigns.get_campaign(session, campaign_id)
    facts = (await stock.load_sku_facts(session, [campaign.sku_id]))[campaign.sku_id]
    return CampaignView(
        campaign=campaign,
        solo_price_fen=facts.price_fen,
        running=campaigns.is_running(campaign, clock.now()),
        open_groups=await open_groups(session, campaign_id),
    )


async def groups_of_user(
    session: AsyncSession, user_id: uuid.UUID, *, limit: int = 50
) -> list[Group]:
    result = await session.scalars(
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user_id)
        .order_by(Group.id.desc())
        .limit(limit)
    )
    return list(result.unique().all())


async def list_groups(
    session: AsyncSession,
    *,
    campaign_id: uuid.UUID | None,
    status: str | None,
    limit: int,
) -> list[Group]:
    stmt = select(Group).order_by(Group.id.desc()).limit(limit)
    if campaign_id is not None:
        stmt = stmt.where(Group.campaign_id == campaign_id)
    if status is not None:
        stmt = stmt.where(Group.status == status)
    return list((await session.scalars(stmt)).all())


@dataclass(frozen=True)
class CampaignFigures:
    """How a campaign is doing, for the operator's list: its groups by state and the seats
    members paid for in groups that succeeded (seats the platform filled not included)."""

    live_groups: int = 0
    succeeded_groups: int = 0
    failed_groups: int = 0
    seats_sold: int = 0


async def campaign_figures(
    session: AsyncSession, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CampaignFigures]:
    """:class:`CampaignFigures` of each campaign in one grouped query (a campaign without
    groups is absent)."""
    if not campaign_ids:
        return {}
    rows = await session.execute(
        select(
            Group.campaign_id,
            Group.status,
            func.count(Group.id),
            func.coalesce(func.sum(Group.paid_count), 0),
        )
        .where(Group.campaign_id.in_(set(campaign_ids)))
        .group_by(Group.campaign_id, Group.status)
    )
    counts: dict[uuid.UUID, dict[str, tuple[int, int]]] = {}
    for campaign_id, status, groups, paid in rows.all():
        counts.setdefault(campaign_id, {})[status] = (int(groups), int(paid))
    return {
        campaign_id: CampaignFigures(
            live_groups=by_status.get(PENDING, (0, 0))[0] + by_status.get(OPEN, (0, 0))[0],
            succeeded_groups=by_status.get(SUCCEEDED, (0, 0))[0],
            failed_groups=by_status.get(FAILED, (0, 0))[0],
            seats_sold=by_status.get(SUCCEEDED, (0, 0))[1],
        )
        for campaign_id, by_status in counts.items()
    }
