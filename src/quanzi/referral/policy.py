"""The operator's referral policy: binding mode (and days), attribution window."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.db import is_postgres
from quanzi.core.errors import Unprocessable
from quanzi.referral import rules
from quanzi.referral.models import ReferralSettings

SETTINGS_ID = 1


@dataclass(frozen=True)
class Policy:
    binding_mode: str = rules.FIRST_TOUCH
    binding_days: int | None = None
    attribution_days: int = rules.DEFAULT_ATTRIBUTION_DAYS


DEFAULT_POLICY = Policy()


def _policy(row: ReferralSettings | None) -> Policy:
    if row is None:
        return DEFAULT_POLICY
    return Policy(row.binding_mode, row.binding_days, row.attribution_days)


async def settings_row(session: AsyncSession) -> ReferralSettings | None:
    return await session.get(ReferralSettings, SETTINGS_ID, populate_existing=True)


async def get_policy(session: AsyncSession) -> Policy:
    """The policy in force (the defaults until the operator sets one)."""
    return _policy(await settings_row(session))


async def ensure_settings_row(session: AsyncSession) -> None:
    """Create the settings row with the defaults if it is missing (race-free)."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        insert(ReferralSettings)
        .values(
            id=SETTINGS_ID,
            binding_mode=DEFAULT_POLICY.binding_mode,
            binding_days=DEFAULT_POLICY.binding_days,
            attribution_days=DEFAULT_POLICY.attribution_days,
            rank_basis=None,
            updated_at=clock.now(),
            updated_by=None,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )


async def set_policy(
    session: AsyncSession,
    *,
    binding_mode: str,
    binding_days: int | None,
    attribution_days: int,
    actor_id: uuid.UUID | None,
) -> Policy:
    """Store the operator's policy. It applies to bindings made from now on: a ``days``
    binding keeps the end date it was given, a permanent one stays permanent."""
    if (
        problem := rules.settings_problem(binding_mode, binding_days, attribution_days)
    ) is not None:
        raise Unprocessable(problem, code="invalid_referral_settings")
    await ensure_settings_row(session)
    row = await session.scalar(
        select(ReferralSettings)
        .where(ReferralSettings.id == SETTINGS_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None
    row.binding_mode = binding_mode
    row.binding_days = binding_days if binding_mode == rules.DAYS else None
    row.attribution_days = attribution_days
    row.updated_at = clock.now()
    row.updated_by = actor_id
    await session.flush()
    return _policy(row)
