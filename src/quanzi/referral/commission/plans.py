"""The versioned commission plan: what others read (:func:`current_plan`,
:func:`plan_version`) and how the operator sets a new version (:func:`set_plan`).

Version 1 is the built-in :data:`~quanzi.referral.commission.rules.DEFAULT_PLAN`, in force
until an operator stores version 2. Stored versions are never changed: an order keeps the
version it was paid under forever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.db import RetryTransaction
from quanzi.core.errors import NotFound, Unprocessable
from quanzi.referral.commission.compliance import PlanCheck, check_plan
from quanzi.referral.commission.models import CommissionPlanVersion
from quanzi.referral.commission.rules import DEFAULT_PLAN, Plan, plan_from_terms

__all__ = [
    "DEFAULT_PLAN",
    "Plan",
    "StoredVersion",
    "current_plan",
    "plan_history",
    "plan_version",
    "set_plan",
]


def _plan(row: CommissionPlanVersion) -> Plan:
    return plan_from_terms(row.terms, version=row.version, created_at=row.created_at)


async def current_plan(session: AsyncSession) -> Plan:
    """The plan in force now (one query)."""
    row = await session.scalar(
        select(CommissionPlanVersion).order_by(CommissionPlanVersion.version.desc()).limit(1)
    )
    return DEFAULT_PLAN if row is None else _plan(row)


async def plan_version(session: AsyncSession, version: int) -> Plan:
    """The plan as it was at ``version``; 404 ``plan_version_not_found`` if never stored."""
    if version == DEFAULT_PLAN.version:
        return DEFAULT_PLAN
    row = await session.scalar(
        select(CommissionPlanVersion).where(CommissionPlanVersion.version == version)
    )
    if row is None:
        raise NotFound(f"There is no plan version {version}.", code="plan_version_not_found")
    return _plan(row)


@dataclass(frozen=True)
class StoredVersion:
    """A plan version and who stored it (``None`` for the built-in version 1)."""

    plan: Plan
    created_by: uuid.UUID | None


async def plan_history(session: AsyncSession, *, limit: int = 50) -> list[StoredVersion]:
    """The ``limit`` latest versions, newest first, ending with the built-in version 1 when
    the list reaches back that far (one query)."""
    rows = list(
        await session.scalars(
            select(CommissionPlanVersion)
            .order_by(CommissionPlanVersion.version.desc())
            .limit(limit)
        )
    )
    history = [StoredVersion(_plan(row), row.created_by) for row in rows]
    if len(history) < limit:
        history.append(StoredVersion(DEFAULT_PLAN, None))
    return history


class PlanNotCompliant(Unprocessable):
    code = "plan_not_compliant"
    title = "Commission plan refused"


def refusal(check: PlanCheck) -> PlanNotCompliant:
    """The 422 for a plan with errors: the first rule in the detail, all of them listed."""
    first = check.errors[0]
    return PlanNotCompliant(
        " ".join(finding.message for finding in check.errors),
        rule=first.rule,
        violations=[{"rule": f.rule, "message": f.message} for f in check.errors],
        warnings=[{"rule": f.rule, "message": f.message} for f in check.warnings],
    )


async def set_plan(
    session: AsyncSession, draft: Plan, *, actor_id: uuid.UUID | None
) -> tuple[Plan, PlanCheck]:
    """Store ``draft`` as the next version if it passes :func:`check_plan`, else raise
    ``plan_not_compliant`` (422). Orders paid from now on use it."""
    check = check_plan(draft)
    if not check.ok:
        raise refusal(check)
    latest = await session.scalar(select(func.max(CommissionPlanVersion.version)))
    version = int(latest or DEFAULT_PLAN.version) + 1
    row = CommissionPlanVersion(
        version=version, terms=draft.terms(), created_by=actor_id, created_at=clock.now()
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        # Another operator stored this version number first: start over on top of theirs.
        raise RetryTransaction() from exc
    return _plan(row), check
