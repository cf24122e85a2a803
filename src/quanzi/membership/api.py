from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, status
from fastapi.responses import JSONResponse

from quanzi.core import idempotency
from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import CurrentPrincipal, Operator, Session
from quanzi.membership import service
from quanzi.membership.plans import PartnerBenefitDraft, PlanChanges
from quanzi.membership.schemas import (
    BuyIn,
    CodesIn,
    MyMembershipOut,
    PartnerBenefitIn,
    PlanAdminListOut,
    PlanAdminOut,
    PlanIn,
    PlanListOut,
    PlanOut,
    PlanPatch,
    PurchaseOut,
    UploadOut,
    membership_out,
    plan_admin_out,
    plan_out,
)
from quanzi.orders.schemas import order_out

router = APIRouter(prefix="/api/v1", tags=["membership"], route_class=TransactionalRoute)
admin_router = APIRouter(
    prefix="/api/v1/admin/membership-plans",
    tags=["membership (admin)"],
    route_class=TransactionalRoute,
)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def _drafts(benefits: list[PartnerBenefitIn]) -> list[PartnerBenefitDraft]:
    return [
        PartnerBenefitDraft(
            partner=benefit.partner,
            description=benefit.description,
            codes=benefit.code_pool or (),
        )
        for benefit in benefits
    ]


@admin_router.post("", status_code=status.HTTP_201_CREATED)
async def create_plan(body: PlanIn, principal: Operator, session: Session) -> PlanAdminOut:
    view = await service.create_plan(
        session,
        name=body.name,
        price_fen=body.price_fen,
        duration_days=body.duration_days,
        active=body.active,
        member_prices=body.benefits.member_prices,
        free_shipping_threshold_fen=body.benefits.free_shipping_threshold_fen,
        partner_benefits=_drafts(body.benefits.partner_benefits),
    )
    return plan_admin_out(view)


@admin_router.get("")
async def list_plans(principal: Operator, session: Session) -> PlanAdminListOut:
    """Every plan, on sale first, then by price."""
    views = await service.list_plans(session, active_only=False)
    return PlanAdminListOut(items=[plan_admin_out(view) for view in views])


@admin_router.get("/{plan_id}")
async def get_plan(plan_id: uuid.UUID, principal: Operator, session: Session) -> PlanAdminOut:
    plan = await service.get_plan(session, plan_id)
    return plan_admin_out(await service.plan_view(session, plan))


@admin_router.patch("/{plan_id}")
async def update_plan(
    plan_id: uuid.UUID, body: PlanPatch, principal: Operator, session: Session
) -> PlanAdminOut:
    """Change a plan; ``{"active": false}`` takes it off sale (members keep what they
    bought). Price and duration changes apply to purchases made from now on."""
    benefits = body.benefits
    benefits_sent = benefits.model_fields_set if benefits is not None else set()
    changes = PlanChanges(
        name=body.name,
        price_fen=body.price_fen,
        duration_days=body.duration_days,
        active=body.active,
        member_prices=benefits.member_prices if benefits is not None else None,
        free_shipping_threshold_fen=(
            benefits.free_shipping_threshold_fen if benefits is not None else None
        ),
        clear_free_shipping=(
            benefits is not None
            and "free_shipping_threshold_fen" in benefits_sent
            and benefits.free_shipping_threshold_fen is None
        ),
        partner_benefits=(
            _drafts(benefits.partner_benefits)
            if benefits is not None and benefits.partner_benefits is not None
            else None
        ),
    )
    return plan_admin_out(await service.update_plan(session, plan_id, changes))


@admin_router.post("/{plan_id}/partner-codes")
async def upload_codes(
    plan_id: uuid.UUID, body: CodesIn, principal: Operator, session: Session
) -> UploadOut:
    """Add codes to a partner benefit's pool (codes already in it are skipped, so an upload
    can be repeated) and hand them at once to members waiting for one."""
    upload = await service.upload_codes(session, plan_id, body.benefit, body.codes)
    plan = await service.get_plan(session, plan_id)
    return UploadOut(
        benefit_id=upload.benefit_id,
        added=upload.added,
        duplicates=upload.duplicates,
        issued_now=upload.issued_now,
        plan=plan_admin_out(await service.plan_view(session, plan)),
    )


@router.get("/membership-plans")
async def public_plans(session: Session) -> PlanListOut:
    """Plans on sale, cheapest first."""
    views = await service.list_plans(session, active_only=True)
    return PlanListOut(items=[plan_out(view) for view in views])


@router.get("/membership-plans/{plan_id}")
async def public_plan(plan_id: uuid.UUID, session: Session) -> PlanOut:
    plan = await service.get_plan(session, plan_id)
    if not plan.active:
        raise service.plan_not_found()
    return plan_out(await service.plan_view(session, plan))


@router.post("/memberships", status_code=status.HTTP_201_CREATED, response_model=PurchaseOut)
async def buy_membership(
    body: BuyIn,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Buy (or renew) a membership: an order of kind ``membership`` to pay like any other.
    An ``Idempotency-Key`` is honoured: a replay returns the first answer."""

    async def work() -> dict[str, Any]:
        view = await service.buy(session, user_id=principal.user.id, plan_id=body.plan_id)
        return PurchaseOut(order=order_out(view)).model_dump(mode="json")

    return await idempotency.respond_once(
        session,
        scope="memberships.buy",
        owner_id=principal.user.id,
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED,
        work=work,
    )


@router.get("/me/membership")
async def my_membership(principal: CurrentPrincipal, session: Session) -> MyMembershipOut:
    """The caller's latest membership (active, expired or refunded), its benefits and the
    partner codes granted in it; ``membership: null`` for someone who never had one."""
    view = await service.latest_membership(session, principal.user.id)
    return MyMembershipOut(membership=None if view is None else membership_out(view))
