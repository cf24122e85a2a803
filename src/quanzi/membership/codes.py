"""Partner benefit codes (商务合作): operator-uploaded pools, one code per benefit granted on
each activation, handed out exactly once.

A code is taken by ONE conditional statement, ``UPDATE … SET grant_id = :grant WHERE id =
(SELECT a free code … FOR UPDATE SKIP LOCKED) AND grant_id IS NULL RETURNING code``: two
activations can never get the same code, and on PostgreSQL they do not queue on the same
row either. An empty pool does not stop an activation: the grant waits as
``pending_code`` and is served, oldest first, when codes are uploaded or by the worker
(which also catches a grant that found the pool empty only because the free codes were
momentarily locked by another transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.core.ids import new_id
from quanzi.core.outbox import emit, json_id
from quanzi.membership import rules
from quanzi.membership.models import (
    BenefitGrant,
    Membership,
    MembershipPurchase,
    PartnerBenefit,
    PartnerCode,
)

# Rows per INSERT: well inside SQLite's bound-parameter limit.
_INSERT_CHUNK = 500


@dataclass(frozen=True)
class Upload:
    benefit_id: uuid.UUID
    added: int
    duplicates: int
    issued_now: int


async def add_codes(session: AsyncSession, benefit_id: uuid.UUID, codes: Sequence[str]) -> int:
    """Put cleaned ``codes`` into a benefit's pool; codes already there are skipped (an
    upload can be repeated safely). Returns how many were added."""
    now = clock.now()
    insert = pg_insert if db.is_postgres(session) else sqlite_insert
    added = 0
    for start in range(0, len(codes), _INSERT_CHUNK):
        rows = [
            {"id": new_id(), "benefit_id": benefit_id, "code": code, "created_at": now}
            for code in codes[start : start + _INSERT_CHUNK]
        ]
        result = await session.execute(
            insert(PartnerCode)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["benefit_id", "code"])
            .returning(PartnerCode.id)
        )
        added += len(result.all())
    return added


async def take_code(
    session: AsyncSession, benefit_id: uuid.UUID, grant_id: uuid.UUID
) -> str | None:
    """Hand one free code of the benefit to ``grant_id``, or ``None`` if none is free."""
    free = (
        select(PartnerCode.id)
        .where(PartnerCode.benefit_id == benefit_id, PartnerCode.grant_id.is_(None))
        .order_by(PartnerCode.id)
        .limit(1)
    )
    if db.is_postgres(session):
        free = free.with_for_update(skip_locked=True)
    result = await session.execute(
        update(PartnerCode)
        .where(PartnerCode.id == free.scalar_subquery(), PartnerCode.grant_id.is_(None))
        .values(grant_id=grant_id, issued_at=clock.now())
        .returning(PartnerCode.code)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


async def _issue(session: AsyncSession, grant: BenefitGrant) -> bool:
    code = await take_code(session, grant.benefit_id, grant.id)
    if code is None:
        return False
    grant.status = rules.GRANT_ISSUED
    grant.code = code
    grant.issued_at = clock.now()
    await session.flush()
    await emit(
        session,
        "membership.partner_code_issued",
        {
            "user_id": json_id(grant.user_id),
            "membership_id": json_id(grant.membership_id),
            "benefit_id": json_id(grant.benefit_id),
            "grant_id": json_id(grant.id),
        },
    )
    return True


async def grant_benefits(
    session: AsyncSession, purchase: MembershipPurchase, membership: Membership
) -> list[BenefitGrant]:
    """One grant per active partner benefit of the purchased plan, each with a code if the
    pool has one, else ``pending_code``."""
    benefits = list(
        await session.scalars(
            select(PartnerBenefit)
            .where(PartnerBenefit.plan_id == purchase.plan_id, PartnerBenefit.active.is_(True))
            .order_by(PartnerBenefit.position, PartnerBenefit.id)
        )
    )
    now = clock.now()
    grants = [
        BenefitGrant(
            id=new_id(),
            purchase_id=purchase.id,
            membership_id=membership.id,
            user_id=purchase.user_id,
            benefit_id=benefit.id,
            status=rules.GRANT_PENDING,
            created_at=now,
        )
        for benefit in benefits
    ]
    session.add_all(grants)
    await session.flush()
    for grant in grants:
        await _issue(session, grant)
    return grants


async def cancel_waiting(session: AsyncSession, purchase_id: uuid.UUID) -> None:
    """A refunded purchase's grants that never got a code will not get one. (Codes already
    issued stay with the member: a code shown once cannot be taken back.)"""
    await session.execute(
        update(BenefitGrant)
        .where(BenefitGrant.purchase_id == purchase_id, BenefitGrant.status == rules.GRANT_PENDING)
        .values(status=rules.GRANT_CANCELLED)
        .execution_options(synchronize_session=False)
    )


async def serve_waiting(session: AsyncSession, benefit_id: uuid.UUID, limit: int) -> int:
    """Issue codes to up to ``limit`` waiting grants of a benefit, oldest first, while the
    pool lasts; returns how many were issued. Grants another transaction is serving are
    skipped (PostgreSQL)."""
    stmt = (
        select(BenefitGrant)
        .where(BenefitGrant.benefit_id == benefit_id, BenefitGrant.status == rules.GRANT_PENDING)
        .order_by(BenefitGrant.id)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    if db.is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    issued = 0
    for grant in list(await session.scalars(stmt)):
        if not await _issue(session, grant):
            break
        issued += 1
    return issued


async def upload(session: AsyncSession, benefit: PartnerBenefit, codes: Sequence[str]) -> Upload:
    """Add codes to a benefit's pool and serve the grants waiting for one."""
    cleaned = rules.clean_codes(codes)
    added = await add_codes(session, benefit.id, cleaned)
    issued = await serve_waiting(session, benefit.id, limit=added) if added else 0
    return Upload(benefit.id, added, len(cleaned) - added, issued)


async def issue_waiting(limit: int) -> int:
    """Worker sweep: serve grants waiting for a code whose pool has free codes (a race
    with an upload, or codes freed by a rolled-back transaction); returns codes issued."""

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        free_code = exists().where(
            PartnerCode.benefit_id == BenefitGrant.benefit_id, PartnerCode.grant_id.is_(None)
        )
        result = await session.scalars(
            select(BenefitGrant.benefit_id)
            .where(BenefitGrant.status == rules.GRANT_PENDING, free_code)
            .group_by(BenefitGrant.benefit_id)
            .order_by(BenefitGrant.benefit_id)
            .limit(limit)
        )
        return list(result)

    issued = 0
    for benefit_id in await db.transaction(due):

        async def serve(session: AsyncSession, benefit_id: uuid.UUID = benefit_id) -> int:
            return await serve_waiting(session, benefit_id, limit)

        issued += await db.transaction(serve)
    return issued
