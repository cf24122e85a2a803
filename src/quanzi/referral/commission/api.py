from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import Operator, Session
from quanzi.referral.commission import plans
from quanzi.referral.commission.rules import check_plan
from quanzi.referral.commission.schemas import CommissionPlanIn, CommissionPlanOut, plan_out

admin_router = APIRouter(
    prefix="/api/v1/admin/commission-plan",
    tags=["commission (admin)"],
    route_class=TransactionalRoute,
)


@admin_router.get("")
async def commission_plan(principal: Operator, session: Session) -> CommissionPlanOut:
    """The plan in force, its version and the validator's warnings about it."""
    plan = await plans.current_plan(session)
    return plan_out(plan, check_plan(plan))


@admin_router.put("")
async def set_commission_plan(
    body: CommissionPlanIn, principal: Operator, session: Session
) -> CommissionPlanOut:
    """Store a new plan version, in force for orders paid from now on. A plan that breaks
    a compliance rule is refused with 422 ``plan_not_compliant`` naming the rule."""
    plan, check = await plans.set_plan(session, body.draft(), actor_id=principal.user.id)
    return plan_out(plan, check)


@admin_router.get("/versions/{version}")
async def commission_plan_version(
    version: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Operator, session: Session
) -> CommissionPlanOut:
    """An earlier (or the current) plan version: orders keep the version they were paid
    under."""
    plan = await plans.plan_version(session, version)
    return plan_out(plan, check_plan(plan))
