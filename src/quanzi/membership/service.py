"""The membership module's public surface for the API, the worker, ``quanzi.wiring`` and
upper modules (referral, commission). The rules live in the files named below; import
from here.

- who is a member: :func:`is_active_member`, :func:`active_members_among`,
  :func:`member_prices_apply`, :func:`member_free_shipping_threshold`
- what a member sees: :func:`current_membership`, :func:`latest_membership` (the ``GET
  /me`` part is :func:`quanzi.membership.profile.profile_part`)
- plans (operator): :func:`create_plan`, :func:`update_plan`, :func:`get_plan`,
  :func:`list_plans`, :func:`upload_codes`
- buying and the order reactions: :func:`buy`, :func:`on_order_paid`,
  :func:`on_order_refunded`, :func:`on_order_cancelled`
- sweeps: :func:`expire_due`, :func:`issue_waiting`
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.membership import codes, plans
from quanzi.membership.codes import Upload, issue_waiting
from quanzi.membership.lifecycle import (
    buy,
    expire_due,
    on_order_cancelled,
    on_order_paid,
    on_order_refunded,
)
from quanzi.membership.models import (
    BenefitGrant,
    Membership,
    MembershipPlan,
    PartnerBenefit,
)
from quanzi.membership.plans import (
    PartnerBenefitDraft,
    PlanChanges,
    PlanView,
    create_plan,
    find_plan_by_name,
    get_plan,
    list_plans,
    plan_not_found,
    plan_view,
    update_plan,
)

__all__ = [
    "GrantView",
    "MembershipView",
    "PartnerBenefitDraft",
    "PlanChanges",
    "PlanView",
    "Upload",
    "active_members_among",
    "buy",
    "create_plan",
    "current_membership",
    "expire_due",
    "find_plan_by_name",
    "get_plan",
    "is_active_member",
    "issue_waiting",
    "latest_membership",
    "list_plans",
    "member_free_shipping_threshold",
    "member_prices_apply",
    "on_order_cancelled",
    "on_order_paid",
    "on_order_refunded",
    "plan_not_found",
    "plan_view",
    "update_plan",
    "upload_codes",
]


def _active_at(at: datetime) -> list[ColumnElement[bool]]:
    # expires_at is always the end of a tenure (see models.Membership), so this holds for
    # past instants too, whatever the row's status is now.
    return [Membership.started_at <= at, Membership.expires_at > at]


async def is_active_member(
    session: AsyncSession, user_id: uuid.UUID, at: datetime | None = None
) -> bool:
    """Whether ``user_id`` held an active membership at ``at`` (default: now)."""
    found = await session.scalar(
        select(Membership.id)
        .where(Membership.user_id == user_id, *_active_at(at or clock.now()))
        .limit(1)
    )
    return found is not None


async def active_members_among(
    session: AsyncSession, user_ids: Sequence[uuid.UUID], at: datetime | None = None
) -> set[uuid.UUID]:
    """The subset of ``user_ids`` who were active members at ``at`` (default: now), in one
    query."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return set()
    result = await session.scalars(
        select(Membership.user_id)
        .where(Membership.user_id.in_(wanted), *_active_at(at or clock.now()))
        .distinct()
    )
    return set(result)


async def member_prices_apply(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """The orders pricing hook (自购省): ``user_id`` is an active member now and their plan
    grants member prices."""
    found = await session.scalar(
        select(Membership.id)
        .join(MembershipPlan, MembershipPlan.id == Membership.plan_id)
        .where(
            Membership.user_id == user_id,
            *_active_at(clock.now()),
            MembershipPlan.member_prices.is_(True),
        )
        .limit(1)
    )
    return found is not None


async def member_free_shipping_threshold(session: AsyncSession, user_id: uuid.UUID) -> int | None:
    """The orders shipping hook: the goods amount from which an active member's plan ships
    free, or ``None`` (not a member, or the plan has no such benefit)."""
    return await session.scalar(
        select(MembershipPlan.free_shipping_threshold_fen)
        .join(Membership, Membership.plan_id == MembershipPlan.id)
        .where(Membership.user_id == user_id, *_active_at(clock.now()))
        .limit(1)
    )


@dataclass(frozen=True)
class GrantView:
    grant: BenefitGrant
    benefit: PartnerBenefit


@dataclass(frozen=True)
class MembershipView:
    membership: Membership
    plan: MembershipPlan
    grants: list[GrantView]


async def current_membership(session: AsyncSession, user_id: uuid.UUID) -> Membership | None:
    """The user's membership active now, if any."""
    return await session.scalar(
        select(Membership).where(Membership.user_id == user_id, *_active_at(clock.now())).limit(1)
    )


async def latest_membership(session: AsyncSession, user_id: uuid.UUID) -> MembershipView | None:
    """The user's most recent membership (active or not), its plan and the partner
    benefits granted in it (codes included: only the member sees this)."""
    membership = await session.scalar(
        select(Membership)
        .where(Membership.user_id == user_id)
        .order_by(Membership.started_at.desc(), Membership.id.desc())
        .limit(1)
    )
    if membership is None:
        return None
    plan = await plans.get_plan(session, membership.plan_id)
    rows = await session.execute(
        select(BenefitGrant, PartnerBenefit)
        .join(PartnerBenefit, PartnerBenefit.id == BenefitGrant.benefit_id)
        .where(BenefitGrant.membership_id == membership.id)
        .order_by(BenefitGrant.id)
    )
    return MembershipView(
        membership, plan, [GrantView(grant, benefit) for grant, benefit in rows.all()]
    )


async def upload_codes(
    session: AsyncSession, plan_id: uuid.UUID, benefit: str, codes_in: Sequence[str]
) -> Upload:
    """Add partner codes to the pool of a plan's benefit (named by id or partner name) and
    serve the members waiting for one. Refuses ``plan_not_found``/``benefit_not_found``
    (404), ``invalid_code``/``too_many_codes`` (422)."""
    found = await plans.find_benefit(session, plan_id, benefit)
    return await codes.upload(session, found, codes_in)
