from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from quanzi.core.money import MAX_AMOUNT_FEN
from quanzi.groupbuy import rules
from quanzi.groupbuy.models import Group, GroupCampaign
from quanzi.groupbuy.queries import CampaignView, GroupView, seats_left, share_url
from quanzi.orders.schemas import AddressIn, OrderOut

GroupStatus = Literal["pending", "open", "succeeded", "failed"]
CampaignStatus = Literal["active", "paused", "ended"]
MAX_STOCK = 10_000_000


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku_id: uuid.UUID
    group_price_fen: int = Field(gt=0, le=MAX_AMOUNT_FEN)
    group_size: int = Field(ge=rules.MIN_GROUP_SIZE, le=rules.MAX_GROUP_SIZE)
    duration_minutes: int = Field(gt=0, le=rules.MAX_DURATION_MINUTES)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    stock_allotted: int | None = Field(default=None, ge=0, le=MAX_STOCK)
    per_user_limit: int = Field(default=1, ge=1, le=1000)
    leader_discount_fen: int = Field(default=0, ge=0, le=MAX_AMOUNT_FEN)
    platform_fill_seats: int = Field(default=0, ge=0, le=rules.MAX_GROUP_SIZE)


class CampaignPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: CampaignStatus | None = None
    ends_at: datetime | None = None
    stock_allotted: int | None = Field(default=None, ge=0, le=MAX_STOCK)
    per_user_limit: int | None = Field(default=None, ge=1, le=1000)


class OpenGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: uuid.UUID
    address: AddressIn
    share_code: str | None = Field(default=None, max_length=32)


class JoinGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: AddressIn
    share_code: str | None = Field(default=None, max_length=32)


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sku_id: uuid.UUID
    product_id: uuid.UUID
    title: str
    group_price_fen: int
    group_size: int
    duration_minutes: int
    starts_at: datetime
    ends_at: datetime
    stock_allotted: int
    seats_taken: int
    per_user_limit: int
    leader_discount_fen: int
    platform_fill_seats: int
    status: str


class GroupSummaryOut(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    status: str
    group_size: int
    paid_count: int
    seats_left: int
    platform_filled: int
    expires_at: datetime | None
    share_url: str


class CampaignPageOut(CampaignOut):
    solo_price_fen: int
    running: bool
    open_groups: list[GroupSummaryOut]


class MemberOut(BaseModel):
    display_name: str
    is_leader: bool
    paid: bool
    joined_at: datetime


class GroupOut(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    title: str
    status: GroupStatus
    group_size: int
    paid_count: int
    seats_left: int
    platform_filled: int
    group_price_fen: int
    opened_at: datetime | None
    expires_at: datetime | None
    closed_at: datetime | None
    seconds_left: int
    members: list[MemberOut]
    share_url: str


class GroupOrderOut(BaseModel):
    group: GroupSummaryOut
    order: OrderOut


def group_summary(group: Group) -> GroupSummaryOut:
    return GroupSummaryOut(
        id=group.id,
        campaign_id=group.campaign_id,
        status=group.status,
        group_size=group.group_size,
        paid_count=group.paid_count,
        seats_left=seats_left(group),
        platform_filled=group.platform_filled,
        expires_at=group.expires_at,
        share_url=share_url(group.id),
    )


def campaign_out(campaign: GroupCampaign) -> CampaignOut:
    return CampaignOut.model_validate(campaign)


def campaign_page_out(view: CampaignView) -> CampaignPageOut:
    return CampaignPageOut(
        **campaign_out(view.campaign).model_dump(),
        solo_price_fen=view.solo_price_fen,
        running=view.running,
        open_groups=[group_summary(group) for group in view.open_groups],
    )


def group_out(view: GroupView) -> GroupOut:
    group = view.group
    return GroupOut(
        id=group.id,
        campaign_id=group.campaign_id,
        title=view.campaign.title,
        status=group.status,
        group_size=group.group_size,
        paid_count=group.paid_count,
        seats_left=view.seats_left,
        platform_filled=group.platform_filled,
        group_price_fen=view.campaign.group_price_fen,
        opened_at=group.opened_at,
        expires_at=group.expires_at,
        closed_at=group.closed_at,
        seconds_left=view.seconds_left,
        members=[MemberOut(**member.__dict__) for member in view.members],
        share_url=view.share_url,
    )
