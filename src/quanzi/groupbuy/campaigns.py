"""Group campaigns: the operator's offer of a group price on one SKU."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog import stock
from quanzi.core import clock
from quanzi.core.errors import Conflict, NotFound, Unprocessable
from quanzi.groupbuy import rules
from quanzi.groupbuy.models import GroupCampaign

DEFAULT_CAMPAIGN_DAYS = 30
STATUSES = ("active", "paused", "ended")


def campaign_not_found() -> NotFound:
    return NotFound("No such group campaign.", code="campaign_not_found")


async def get_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> GroupCampaign:
    campaign = await session.get(GroupCampaign, campaign_id)
    if campaign is None:
        raise campaign_not_found()
    return campaign


def is_running(campaign: GroupCampaign, now: datetime) -> bool:
    return campaign.status == "active" and campaign.starts_at <= now < campaign.ends_at


def require_running(campaign: GroupCampaign) -> None:
    if not is_running(campaign, clock.now()):
        raise Conflict("This group campaign is not running.", code="campaign_not_running")


def _refuse(problems: list[str]) -> None:
    if problems:
        raise Unprocessable("; ".join(problems), code="invalid_campaign", problems=problems)


async def create_campaign(
    session: AsyncSession,
    *,
    sku_id: uuid.UUID,
    group_price_fen: int,
    group_size: int,
    duration_minutes: int,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    stock_allotted: int | None = None,
    per_user_limit: int = 1,
    leader_discount_fen: int = 0,
    platform_fill_seats: int = 0,
) -> GroupCampaign:
    """Offer ``group_price_fen`` on a SKU to groups of ``group_size``.

    ``stock_allotted`` (default: the SKU's free stock now) caps the seats all the
    campaign's groups can hold together; the SKU's own stock is still reserved per order.
    """
    facts = (await stock.load_sku_facts(session, [sku_id])).get(sku_id)
    if facts is None:
        raise NotFound("No such SKU.", code="sku_not_found")
    if not facts.sellable:
        raise Unprocessable("This SKU is not on sale.", code="sku_unavailable")
    now = clock.now()
    starts = starts_at or now
    ends = ends_at or starts + timedelta(days=DEFAULT_CAMPAIGN_DAYS)
    allotted = stock_allotted
    if allotted is None:
        allotted = (await catalog.get_sku(session, sku_id)).stock
    terms = rules.CampaignTerms(
        solo_price_fen=facts.price_fen,
        group_price_fen=group_price_fen,
        group_size=group_size,
        duration_minutes=duration_minutes,
        starts_at=starts,
        ends_at=ends,
        stock_allotted=allotted,
        per_user_limit=per_user_limit,
        leader_discount_fen=leader_discount_fen,
        platform_fill_seats=platform_fill_seats,
    )
    _refuse(rules.campaign_problems(terms))
    campaign = GroupCampaign(
        sku_id=sku_id,
        product_id=facts.product_id,
        supplier_id=facts.supplier_id,
        title=f"{facts.title} · {facts.sku_name}"[:200],
        group_price_fen=group_price_fen,
        group_size=group_size,
        duration_minutes=duration_minutes,
        starts_at=starts,
        ends_at=ends,
        stock_allotted=allotted,
        seats_taken=0,
        per_user_limit=per_user_limit,
        leader_discount_fen=leader_discount_fen,
        platform_fill_seats=platform_fill_seats,
        status="active",
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def update_campaign(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    *,
    status: str | None = None,
    ends_at: datetime | None = None,
    stock_allotted: int | None = None,
    per_user_limit: int | None = None,
) -> GroupCampaign:
    """Pause, resume or end a campaign, move its end, or change its allotment and limit.

    The allotment can never drop below the seats already held (one conditional UPDATE,
    so a concurrent join cannot slip under it). Ending is final.
    """
    campaign = await get_campaign(session, campaign_id)
    if status is not None:
        if status not in STATUSES:
            raise Unprocessable(f"Unknown campaign status {status!r}.", code="invalid_campaign")
        if campaign.status == "ended" and status != "ended":
            raise Conflict("An ended campaign cannot be reopened.", code="campaign_ended")
        campaign.status = status
    if ends_at is not None:
        if ends_at <= campaign.starts_at:
            _refuse(["ends_at must be after starts_at"])
        campaign.ends_at = ends_at
    if per_user_limit is not None:
        if per_user_limit < 1:
            _refuse(["per_user_limit must be at least 1"])
        campaign.per_user_limit = per_user_limit
    await session.flush()
    if stock_allotted is not None:
        changed = await session.execute(
            update(GroupCampaign)
            .where(GroupCampaign.id == campaign_id, GroupCampaign.seats_taken <= stock_allotted)
            .values(stock_allotted=stock_allotted)
            .returning(GroupCampaign.id)
            .execution_options(synchronize_session=False)
        )
        if changed.first() is None:
            raise Conflict(
                "The allotment cannot go below the seats already held.",
                code="allotment_below_taken",
                seats_taken=campaign.seats_taken,
            )
        await session.refresh(campaign)
    return campaign


async def list_campaigns(
    session: AsyncSession, *, running_only: bool, limit: int = 50
) -> list[GroupCampaign]:
    stmt = select(GroupCampaign).order_by(GroupCampaign.id.desc()).limit(limit)
    if running_only:
        now = clock.now()
        stmt = stmt.where(
            GroupCampaign.status == "active",
            GroupCampaign.starts_at <= now,
            GroupCampaign.ends_at > now,
        )
    return list((await session.scalars(stmt)).all())
