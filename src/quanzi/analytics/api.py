from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from quanzi.analytics import service
from quanzi.analytics.schemas import DashboardOut, dashboard_out
from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import Operator, Session

router = APIRouter(
    prefix="/api/v1/admin", tags=["analytics (admin)"], route_class=TransactionalRoute
)


@router.get("/dashboard")
async def dashboard(
    _: Operator,
    session: Session,
    days: Annotated[int, Query(ge=1, le=service.MAX_DAYS)] = 30,
) -> DashboardOut:
    """Operator KPIs per shop day for the last ``days`` days (today included) and their
    totals, from the rollups (kept current by the worker's ``analytics.roll_up`` sweep)."""
    return dashboard_out(await service.dashboard(session, days=days))
