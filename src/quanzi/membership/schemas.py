from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from quanzi.membership import rules
from quanzi.membership.models import Membership, MembershipPlan
from quanzi.membership.plans import BenefitView, PlanView
from quanzi.membership.service import GrantView, MembershipView
from quanzi.orders.schemas import OrderOut


class PartnerBenefitIn(BaseModel):
    """A partner brand's right; ``code_pool`` optionally seeds its pool of codes (more can
    be uploaded later with ``POST …/partner-codes``)."""

    model_config = ConfigDict(extra="forbid")

    partner: str = Field(min_length=1, max_length=rules.MAX_PARTNER_LENGTH)
    description: str = Field(default="", max_length=300)
    code_pool: list[str] | None = Field(default=None, max_length=rules.MAX_CODES_PER_UPLOAD)


class BenefitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_prices: bool = True
    free_shipping_threshold_fen: int | None = Field(
        default=None, ge=0, le=rules.MAX_FREE_SHIPPING_THRESHOLD_FEN
    )
    partner_benefits: list[PartnerBenefitIn] = Field(
        default_factory=list, max_length=rules.MAX_PARTNER_BENEFITS
    )


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    price_fen: int = Field(gt=0, le=rules.MAX_PLAN_PRICE_FEN)
    duration_days: int = Field(ge=1, le=rules.MAX_DURATION_DAYS)
    active: bool = True
    benefits: BenefitsIn = Field(default_factory=BenefitsIn)


class BenefitsPatch(BaseModel):
    """Only the fields sent change; ``free_shipping_threshold_fen: null`` removes the
    benefit; ``partner_benefits`` replaces the list (matched by partner name)."""

    model_config = ConfigDict(extra="forbid")

    member_prices: bool | None = None
    free_shipping_threshold_fen: int | None = Field(
        default=None, ge=0, le=rules.MAX_FREE_SHIPPING_THRESHOLD_FEN
    )
    partner_benefits: list[PartnerBenefitIn] | None = Field(
        default=None, max_length=rules.MAX_PARTNER_BENEFITS
    )


class PlanPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    price_fen: int | None = Field(default=None, gt=0, le=rules.MAX_PLAN_PRICE_FEN)
    duration_days: int | None = Field(default=None, ge=1, le=rules.MAX_DURATION_DAYS)
    active: bool | None = None
    benefits: BenefitsPatch | None = None


class CodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    benefit: str = Field(
        min_length=1,
        max_length=rules.MAX_PARTNER_LENGTH,
        description="The benefit's id, or its partner's name.",
    )
    codes: list[str] = Field(min_length=1, max_length=rules.MAX_CODES_PER_UPLOAD)


class BuyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan_id: uuid.UUID


class PartnerBenefitOut(BaseModel):
    id: uuid.UUID
    partner: str
    description: str


class PartnerBenefitAdminOut(PartnerBenefitOut):
    active: bool
    codes_available: int
    codes_issued: int
    grants_waiting: int


class BenefitsOut(BaseModel):
    member_prices: bool
    free_shipping_threshold_fen: int | None
    partner_benefits: list[PartnerBenefitOut]


class BenefitsAdminOut(BaseModel):
    member_prices: bool
    free_shipping_threshold_fen: int | None
    partner_benefits: list[PartnerBenefitAdminOut]


class PlanOut(BaseModel):
    id: uuid.UUID
    name: str
    price_fen: int
    duration_days: int
    active: bool
    benefits: BenefitsOut


class PlanAdminOut(BaseModel):
    """A plan as the operator sees it: every partner benefit (retired ones too) with its
    pool counts (never the codes themselves)."""

    id: uuid.UUID
    name: str
    price_fen: int
    duration_days: int
    active: bool
    benefits: BenefitsAdminOut
    created_at: datetime
    updated_at: datetime


class PlanListOut(BaseModel):
    items: list[PlanOut]


class PlanAdminListOut(BaseModel):
    items: list[PlanAdminOut]


class UploadOut(BaseModel):
    benefit_id: uuid.UUID
    added: int
    duplicates: int
    issued_now: int
    plan: PlanAdminOut


class PurchaseOut(BaseModel):
    order: OrderOut


class GrantOut(BaseModel):
    benefit_id: uuid.UUID
    partner: str
    description: str
    status: str
    code: str | None
    issued_at: datetime | None


class PlanRefOut(BaseModel):
    id: uuid.UUID
    name: str


class MemberBenefitsOut(BaseModel):
    member_prices: bool
    free_shipping_threshold_fen: int | None


class MembershipSummaryOut(BaseModel):
    """A membership as ``GET /me`` shows it."""

    id: uuid.UUID
    plan: PlanRefOut
    status: str
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    benefits: MemberBenefitsOut


class MembershipOut(MembershipSummaryOut):
    """A membership with the partner codes granted in it (only its member sees this)."""

    partner_benefits: list[GrantOut]


class MyMembershipOut(BaseModel):
    membership: MembershipOut | None


def _benefit_out(view: BenefitView) -> PartnerBenefitOut:
    return PartnerBenefitOut(
        id=view.benefit.id, partner=view.benefit.partner, description=view.benefit.description
    )


def plan_out(view: PlanView) -> PlanOut:
    plan = view.plan
    return PlanOut(
        id=plan.id,
        name=plan.name,
        price_fen=plan.price_fen,
        duration_days=plan.duration_days,
        active=plan.active,
        benefits=BenefitsOut(
            member_prices=plan.member_prices,
            free_shipping_threshold_fen=plan.free_shipping_threshold_fen,
            partner_benefits=[_benefit_out(b) for b in view.benefits if b.benefit.active],
        ),
    )


def plan_admin_out(view: PlanView) -> PlanAdminOut:
    plan = view.plan
    return PlanAdminOut(
        id=plan.id,
        name=plan.name,
        price_fen=plan.price_fen,
        duration_days=plan.duration_days,
        active=plan.active,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        benefits=BenefitsAdminOut(
            member_prices=plan.member_prices,
            free_shipping_threshold_fen=plan.free_shipping_threshold_fen,
            partner_benefits=[
                PartnerBenefitAdminOut(
                    id=b.benefit.id,
                    partner=b.benefit.partner,
                    description=b.benefit.description,
                    active=b.benefit.active,
                    codes_available=b.codes_available,
                    codes_issued=b.codes_issued,
                    grants_waiting=b.grants_waiting,
                )
                for b in view.benefits
            ],
        ),
    )


def _grant_out(view: GrantView) -> GrantOut:
    return GrantOut(
        benefit_id=view.benefit.id,
        partner=view.benefit.partner,
        description=view.benefit.description,
        status=view.grant.status,
        code=view.grant.code,
        issued_at=view.grant.issued_at,
    )


def membership_summary_out(membership: Membership, plan: MembershipPlan) -> MembershipSummaryOut:
    return MembershipSummaryOut(
        id=membership.id,
        plan=PlanRefOut(id=plan.id, name=plan.name),
        status=membership.status,
        started_at=membership.started_at,
        expires_at=membership.expires_at,
        ended_at=membership.ended_at,
        benefits=MemberBenefitsOut(
            member_prices=plan.member_prices,
            free_shipping_threshold_fen=plan.free_shipping_threshold_fen,
        ),
    )


def membership_out(view: MembershipView) -> MembershipOut:
    return MembershipOut(
        **membership_summary_out(view.membership, view.plan).model_dump(),
        partner_benefits=[_grant_out(grant) for grant in view.grants],
    )
