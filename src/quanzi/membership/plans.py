"""Membership plans (operator): create, read, change, deactivate, with their partner
benefits. Partner code pools are in :mod:`.codes`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.errors import Conflict, NotFound, Unprocessable
from quanzi.core.ids import new_id
from quanzi.membership import codes, rules
from quanzi.membership.models import BenefitGrant, MembershipPlan, PartnerBenefit, PartnerCode

# Operators keep a handful of plans; listings are bounded all the same.
MAX_PLANS_LISTED = 200


@dataclass(frozen=True)
class PartnerBenefitDraft:
    """A partner benefit as the operator states it; ``codes`` (optional) seed its pool."""

    partner: str
    description: str = ""
    codes: Sequence[str] = ()


@dataclass(frozen=True)
class PlanChanges:
    """Fields to change; ``None`` leaves a field as it is, except
    ``free_shipping_threshold_fen`` which ``clear_free_shipping`` removes.
    ``partner_benefits`` (when given) is the plan's new list: benefits are matched to the
    existing ones by partner name (their pools and grants are kept), new ones are added,
    and those left out are retired (no longer granted)."""

    name: str | None = None
    price_fen: int | None = None
    duration_days: int | None = None
    active: bool | None = None
    member_prices: bool | None = None
    free_shipping_threshold_fen: int | None = None
    clear_free_shipping: bool = False
    partner_benefits: Sequence[PartnerBenefitDraft] | None = None


@dataclass(frozen=True)
class BenefitView:
    benefit: PartnerBenefit
    codes_available: int = 0
    codes_issued: int = 0
    grants_waiting: int = 0


@dataclass(frozen=True)
class PlanView:
    plan: MembershipPlan
    benefits: list[BenefitView] = field(default_factory=list)


def plan_not_found() -> NotFound:
    return NotFound("No such membership plan.", code="plan_not_found")


def _check_amounts(price_fen: int | None, duration_days: int | None) -> None:
    # The API bounds these already; services called from elsewhere get the same answer.
    if price_fen is not None and not 0 < price_fen <= rules.MAX_PLAN_PRICE_FEN:
        raise Unprocessable(
            f"A plan's price must be 1..{rules.MAX_PLAN_PRICE_FEN} fen.", code="invalid_price"
        )
    if duration_days is not None and not 1 <= duration_days <= rules.MAX_DURATION_DAYS:
        raise Unprocessable(
            f"A plan lasts 1..{rules.MAX_DURATION_DAYS} days.", code="invalid_duration"
        )


def _clean_drafts(drafts: Sequence[PartnerBenefitDraft]) -> list[PartnerBenefitDraft]:
    cleaned = [
        PartnerBenefitDraft(
            partner=rules.clean_name(
                draft.partner, field="partner", max_length=rules.MAX_PARTNER_LENGTH
            ),
            description=rules.clean_description(draft.description),
            codes=rules.clean_codes(draft.codes),
        )
        for draft in drafts
    ]
    rules.check_partners([draft.partner for draft in cleaned])
    return cleaned


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> MembershipPlan:
    plan = await session.get(MembershipPlan, plan_id)
    if plan is None:
        raise plan_not_found()
    return plan


async def find_plan_by_name(session: AsyncSession, name: str) -> MembershipPlan | None:
    return await session.scalar(
        select(MembershipPlan).where(MembershipPlan.name == " ".join(name.split()))
    )


async def _save_name(session: AsyncSession, plan: MembershipPlan) -> None:
    """Flush ``plan``; a name another plan already has is a 409, not a 500."""
    taken = await session.scalar(
        select(MembershipPlan.id).where(
            MembershipPlan.name == plan.name, MembershipPlan.id != plan.id
        )
    )
    if taken is not None:
        raise Conflict("Another plan already has this name.", code="plan_name_taken")
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent create with the same name committed first
        raise Conflict("Another plan already has this name.", code="plan_name_taken") from exc


async def _benefits(session: AsyncSession, plan_id: uuid.UUID) -> list[PartnerBenefit]:
    result = await session.scalars(
        select(PartnerBenefit)
        .where(PartnerBenefit.plan_id == plan_id)
        .order_by(PartnerBenefit.position, PartnerBenefit.id)
    )
    return list(result)


async def _apply_benefits(
    session: AsyncSession, plan: MembershipPlan, drafts: Sequence[PartnerBenefitDraft]
) -> None:
    existing = {
        benefit.partner.casefold(): benefit for benefit in await _benefits(session, plan.id)
    }
    now = clock.now()
    kept: set[uuid.UUID] = set()
    for position, draft in enumerate(drafts):
        benefit = existing.get(draft.partner.casefold())
        if benefit is None:
            benefit = PartnerBenefit(
                id=new_id(),
                plan_id=plan.id,
                partner=draft.partner,
                description=draft.description,
                active=True,
                position=position,
                created_at=now,
            )
            session.add(benefit)
            await session.flush()
        else:
            benefit.partner = draft.partner
            benefit.description = draft.description
            benefit.active = True
            benefit.position = position
        kept.add(benefit.id)
        if draft.codes:
            await codes.add_codes(session, benefit.id, draft.codes)
    for benefit in existing.values():
        if benefit.id not in kept:
            benefit.active = False
    await session.flush()


async def create_plan(
    session: AsyncSession,
    *,
    name: str,
    price_fen: int,
    duration_days: int,
    active: bool = True,
    member_prices: bool = True,
    free_shipping_threshold_fen: int | None = None,
    partner_benefits: Sequence[PartnerBenefitDraft] = (),
) -> PlanView:
    """A new plan. Refuses ``plan_name_taken`` (409), ``invalid_price``,
    ``invalid_duration``, ``invalid_plan``, ``duplicate_partner``, ``invalid_code`` (422)."""
    _check_amounts(price_fen, duration_days)
    drafts = _clean_drafts(partner_benefits)
    now = clock.now()
    plan = MembershipPlan(
        id=new_id(),
        name=rules.clean_name(name, field="name", max_length=80),
        price_fen=price_fen,
        duration_days=duration_days,
        active=active,
        member_prices=member_prices,
        free_shipping_threshold_fen=_threshold(free_shipping_threshold_fen),
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    await _save_name(session, plan)
    await _apply_benefits(session, plan, drafts)
    return await plan_view(session, plan)


def _threshold(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= rules.MAX_FREE_SHIPPING_THRESHOLD_FEN:
        raise Unprocessable(
            "The free-shipping threshold is out of range.", code="invalid_free_shipping"
        )
    return value


async def update_plan(session: AsyncSession, plan_id: uuid.UUID, changes: PlanChanges) -> PlanView:
    """Change a plan (see :class:`PlanChanges`). Price and duration changes apply to
    purchases made from now on; ``active=False`` stops new purchases (members keep what
    they bought)."""
    _check_amounts(changes.price_fen, changes.duration_days)
    drafts = None if changes.partner_benefits is None else _clean_drafts(changes.partner_benefits)
    plan = await session.scalar(
        select(MembershipPlan)
        .where(MembershipPlan.id == plan_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if plan is None:
        raise plan_not_found()
    if changes.name is not None:
        plan.name = rules.clean_name(changes.name, field="name", max_length=80)
    if changes.price_fen is not None:
        plan.price_fen = changes.price_fen
    if changes.duration_days is not None:
        plan.duration_days = changes.duration_days
    if changes.active is not None:
        plan.active = changes.active
    if changes.member_prices is not None:
        plan.member_prices = changes.member_prices
    if changes.clear_free_shipping:
        plan.free_shipping_threshold_fen = None
    elif changes.free_shipping_threshold_fen is not None:
        plan.free_shipping_threshold_fen = _threshold(changes.free_shipping_threshold_fen)
    plan.updated_at = clock.now()
    await _save_name(session, plan)
    if drafts is not None:
        await _apply_benefits(session, plan, drafts)
    return await plan_view(session, plan)


async def plan_views(session: AsyncSession, plans: Sequence[MembershipPlan]) -> list[PlanView]:
    """Plans with their benefits and pool counts, in two queries whatever their number."""
    if not plans:
        return []
    plan_ids = [plan.id for plan in plans]
    benefits = list(
        await session.scalars(
            select(PartnerBenefit)
            .where(PartnerBenefit.plan_id.in_(plan_ids))
            .order_by(PartnerBenefit.position, PartnerBenefit.id)
        )
    )
    counts = await _pool_counts(session, [benefit.id for benefit in benefits])
    by_plan: dict[uuid.UUID, list[BenefitView]] = {plan_id: [] for plan_id in plan_ids}
    for benefit in benefits:
        available, issued, waiting = counts.get(benefit.id, (0, 0, 0))
        by_plan[benefit.plan_id].append(BenefitView(benefit, available, issued, waiting))
    return [PlanView(plan, by_plan[plan.id]) for plan in plans]


async def plan_view(session: AsyncSession, plan: MembershipPlan) -> PlanView:
    return (await plan_views(session, [plan]))[0]


async def _pool_counts(
    session: AsyncSession, benefit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, int]]:
    if not benefit_ids:
        return {}
    pools = await session.execute(
        select(
            PartnerCode.benefit_id,
            func.count().filter(PartnerCode.grant_id.is_(None)),
            func.count().filter(PartnerCode.grant_id.is_not(None)),
        )
        .where(PartnerCode.benefit_id.in_(benefit_ids))
        .group_by(PartnerCode.benefit_id)
    )
    waiting = await session.execute(
        select(BenefitGrant.benefit_id, func.count())
        .where(
            BenefitGrant.benefit_id.in_(benefit_ids),
            BenefitGrant.status == rules.GRANT_PENDING,
        )
        .group_by(BenefitGrant.benefit_id)
    )
    counts = {benefit_id: (int(free), int(used), 0) for benefit_id, free, used in pools.all()}
    for benefit_id, count in waiting.all():
        free, used, _ = counts.get(benefit_id, (0, 0, 0))
        counts[benefit_id] = (free, used, int(count))
    return counts


async def list_plans(session: AsyncSession, *, active_only: bool) -> list[PlanView]:
    """Plans, cheapest first (the public list shows only active plans)."""
    stmt = select(MembershipPlan)
    if active_only:
        stmt = stmt.where(MembershipPlan.active.is_(True))
    plans = list(
        await session.scalars(
            stmt.order_by(
                case((MembershipPlan.active.is_(True), 0), else_=1),
                MembershipPlan.price_fen,
                MembershipPlan.id,
            ).limit(MAX_PLANS_LISTED)
        )
    )
    return await plan_views(session, plans)


async def find_benefit(session: AsyncSession, plan_id: uuid.UUID, benefit: str) -> PartnerBenefit:
    """A plan's benefit named by its id or by its partner's name (ignoring case)."""
    await get_plan(session, plan_id)
    found: PartnerBenefit | None = None
    try:
        benefit_id = uuid.UUID(benefit)
    except ValueError:
        wanted = " ".join(benefit.split()).casefold()
        found = next(
            (b for b in await _benefits(session, plan_id) if b.partner.casefold() == wanted),
            None,
        )
    else:
        found = await session.get(PartnerBenefit, benefit_id)
        if found is not None and found.plan_id != plan_id:
            found = None
    if found is None:
        raise NotFound("This plan has no such partner benefit.", code="benefit_not_found")
    return found
