"""The membership part of ``GET /me`` (registered in ``quanzi.wiring``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.membership import service
from quanzi.membership.schemas import membership_summary_out

if TYPE_CHECKING:
    from quanzi.identity.models import User


async def profile_part(session: AsyncSession, user: User) -> dict[str, Any]:
    """``membership``: ``{id, plan: {id, name}, status, started_at, expires_at, ended_at,
    benefits}`` for an active member, ``None`` otherwise."""
    membership = await service.current_membership(session, user.id)
    if membership is None:
        return {"membership": None}
    plan = await service.get_plan(session, membership.plan_id)
    return {"membership": membership_summary_out(membership, plan).model_dump(mode="json")}
