from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import CurrentPrincipal, Operator, Session
from quanzi.orders.service import parse_cursor
from quanzi.referral.commission import plans, queries
from quanzi.referral.commission.compliance import check_plan
from quanzi.referral.commission.schemas import (
    CommissionPageOut,
    CommissionPlanIn,
    CommissionPlanOut,
    commission_out,
    plan_out,
)

router = APIRouter(
    prefix="/api/v1/me/commissions", tags=["commission"], route_class=TransactionalRoute
)

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


@router.get("")
async def my_commissions(
    principal: CurrentPrincipal,
    session: Session,
    order_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CommissionPageOut:
    """What I earned per order line and level, newest first: the amount, what refunds
    took back, and whether it is still pending or available."""
    page = await queries.my_commissions(
        session, principal.user.id, limit=limit, cursor=parse_cursor(cursor), order_id=order_id
    )
    return CommissionPageOut(
        items=[commission_out(row) for row in page.items], next_cursor=page.next_cursor
    )
