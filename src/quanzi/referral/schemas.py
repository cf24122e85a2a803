from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quanzi.referral import rules
from quanzi.referral.binding import Binding
from quanzi.referral.models import RankChange, ReferralBindingChange, ShareLink
from quanzi.referral.policy import Policy
from quanzi.referral.shares import share_url
from quanzi.referral.teams import InviteePage, MemberReferral, Star, TeamView

BindingMode = Literal["first_touch", "days", "latest"]
RANK_HELP = "member | shop_owner | sales_manager | service_manager"

# --- share links -----------------------------------------------------------------------


class ShareIn(BaseModel):
    """Exactly one of ``product_id`` and ``group_id``."""

    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ShareIn:
        if (self.product_id is None) == (self.group_id is None):
            raise ValueError("give exactly one of product_id and group_id")
        return self

    @property
    def target(self) -> tuple[str, uuid.UUID]:
        if self.product_id is not None:
            return rules.PRODUCT, self.product_id
        assert self.group_id is not None
        return rules.GROUP, self.group_id


class ShareOut(BaseModel):
    code: str
    url: str
    target_kind: str = Field(description="product | group")
    target_id: uuid.UUID
    created_at: datetime
    click_count: int
    order_count: int
    sales_fen: int


class SharePageOut(BaseModel):
    items: list[ShareOut]
    next_cursor: str | None


def share_out(link: ShareLink) -> ShareOut:
    return ShareOut(
        code=link.code,
        url=share_url(link.code),
        target_kind=link.target_kind,
        target_id=link.target_id,
        created_at=link.created_at,
        click_count=link.click_count,
        order_count=link.order_count,
        sales_fen=link.sales_fen,
    )


# --- settings --------------------------------------------------------------------------


class ReferralSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    binding_mode: BindingMode = "first_touch"
    binding_days: int | None = Field(default=None, ge=1, le=rules.MAX_BINDING_DAYS)
    attribution_days: int = Field(
        default=rules.DEFAULT_ATTRIBUTION_DAYS, ge=1, le=rules.MAX_ATTRIBUTION_DAYS
    )


class ReferralSettingsOut(BaseModel):
    binding_mode: str
    binding_days: int | None
    attribution_days: int


def settings_out(policy: Policy) -> ReferralSettingsOut:
    return ReferralSettingsOut(
        binding_mode=policy.binding_mode,
        binding_days=policy.binding_days,
        attribution_days=policy.attribution_days,
    )


# --- binding ---------------------------------------------------------------------------


class ReferrerIn(BaseModel):
    """A share code (from a share link) or a member's invite code."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)


class PersonOut(BaseModel):
    id: uuid.UUID
    display_name: str


class BindingOut(BaseModel):
    referrer: PersonOut | None
    bound_at: datetime | None
    expires_at: datetime | None
    via: str | None
    changed: bool


def binding_out(binding: Binding, referrer_name: str | None) -> BindingOut:
    referrer = (
        PersonOut(id=binding.referrer_id, display_name=referrer_name or "?")
        if binding.referrer_id is not None
        else None
    )
    return BindingOut(
        referrer=referrer,
        bound_at=binding.bound_at,
        expires_at=binding.expires_at,
        via=binding.via,
        changed=binding.changed,
    )


# --- teams -----------------------------------------------------------------------------


class RankRulesOut(BaseModel):
    counting: str = Field(description="team | direct")
    sales_manager: int
    service_manager: int


class TeamOut(BaseModel):
    rank: str = Field(description=RANK_HELP)
    next_rank: str | None
    next_threshold: int | None
    needed_for_next: int | None
    counted: int = Field(description="Shop owners the rank rules count (team or direct).")
    rank_rules: RankRulesOut
    direct_count: int
    direct_owner_count: int
    team_size: int
    team_count: int = Field(description="Shop owners anywhere in the downline.")
    team_sales_fen: int
    own_sales_fen: int
    referrer: BindingOut


def team_out(view: TeamView) -> TeamOut:
    node = view.node
    return TeamOut(
        rank=view.rank,
        next_rank=view.next.rank,
        next_threshold=view.next.threshold,
        needed_for_next=view.next.needed,
        counted=view.counted,
        rank_rules=RankRulesOut(
            counting=view.rank_rules.counting,
            sales_manager=view.rank_rules.sales_manager,
            service_manager=view.rank_rules.service_manager,
        ),
        direct_count=node.direct_count if node else 0,
        direct_owner_count=node.direct_owner_count if node else 0,
        team_size=node.team_size if node else 0,
        team_count=node.team_count if node else 0,
        team_sales_fen=node.team_sales_fen if node else 0,
        own_sales_fen=node.own_sales_fen if node else 0,
        referrer=binding_out(view.referrer, view.referrer_name),
    )


class InviteeOut(BaseModel):
    display_name: str
    rank: str = Field(description=RANK_HELP)
    bound_at: datetime | None
    bound_via: str | None
    team_size: int


class InviteePageOut(BaseModel):
    items: list[InviteeOut]
    next_cursor: str | None


def invitees_out(page: InviteePage) -> InviteePageOut:
    return InviteePageOut(
        items=[
            InviteeOut(
                display_name=i.display_name,
                rank=i.rank,
                bound_at=i.bound_at,
                bound_via=i.bound_via,
                team_size=i.team_size,
            )
            for i in page.items
        ],
        next_cursor=str(page.next_cursor) if page.next_cursor else None,
    )


class StarOut(BaseModel):
    position: int
    display_name: str
    rank: str = Field(description=RANK_HELP)
    order_count: int
    sales_fen: int


class LeaderboardOut(BaseModel):
    month: str
    measure: Literal["attributed_sales"] = "attributed_sales"
    items: list[StarOut]


def leaderboard_out(month: str, stars: list[Star]) -> LeaderboardOut:
    return LeaderboardOut(
        month=month,
        items=[
            StarOut(
                position=s.position,
                display_name=s.display_name,
                rank=s.rank,
                order_count=s.order_count,
                sales_fen=s.sales_fen,
            )
            for s in stars
        ],
    )


# --- operator view of a member ---------------------------------------------------------


class PathStepOut(BaseModel):
    level: int
    id: uuid.UUID
    display_name: str
    rank: str = Field(description=RANK_HELP)
    binding_expires_at: datetime | None
    binding_lapsed: bool


class RankChangeOut(BaseModel):
    from_rank: str
    to_rank: str
    reason: str
    at: datetime


class BindingChangeOut(BaseModel):
    from_referrer_id: uuid.UUID | None
    to_referrer_id: uuid.UUID | None
    via: str
    expires_at: datetime | None
    at: datetime


class MemberReferralOut(BaseModel):
    id: uuid.UUID
    display_name: str
    rank: str = Field(description=RANK_HELP)
    is_shop_owner: bool
    referrer_id: uuid.UUID | None
    bound_at: datetime | None
    expires_at: datetime | None
    bound_via: str | None
    direct_count: int
    direct_owner_count: int
    team_size: int
    team_count: int
    team_sales_fen: int
    own_sales_fen: int
    path: list[PathStepOut]
    path_truncated: bool
    rank_changes: list[RankChangeOut]
    binding_changes: list[BindingChangeOut]


def _rank_change(row: RankChange) -> RankChangeOut:
    return RankChangeOut(
        from_rank=row.from_rank, to_rank=row.to_rank, reason=row.reason, at=row.created_at
    )


def _binding_change(row: ReferralBindingChange) -> BindingChangeOut:
    return BindingChangeOut(
        from_referrer_id=row.from_parent_id,
        to_referrer_id=row.to_parent_id,
        via=row.via,
        expires_at=row.expires_at,
        at=row.created_at,
    )


def member_referral_out(view: MemberReferral) -> MemberReferralOut:
    node = view.node
    return MemberReferralOut(
        id=view.user_id,
        display_name=view.display_name,
        rank=node.rank if node else rules.MEMBER,
        is_shop_owner=bool(node and node.is_owner),
        referrer_id=node.parent_id if node else None,
        bound_at=node.bound_at if node else None,
        expires_at=node.expires_at if node else None,
        bound_via=node.bound_via if node else None,
        direct_count=node.direct_count if node else 0,
        direct_owner_count=node.direct_owner_count if node else 0,
        team_size=node.team_size if node else 0,
        team_count=node.team_count if node else 0,
        team_sales_fen=node.team_sales_fen if node else 0,
        own_sales_fen=node.own_sales_fen if node else 0,
        path=[
            PathStepOut(
                level=step.level,
                id=step.user_id,
                display_name=step.display_name,
                rank=step.rank,
                binding_expires_at=step.binding_expires_at,
                binding_lapsed=step.binding_lapsed,
            )
            for step in view.path
        ],
        path_truncated=view.truncated,
        rank_changes=[_rank_change(r) for r in view.rank_changes],
        binding_changes=[_binding_change(b) for b in view.binding_changes],
    )
