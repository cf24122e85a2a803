"""Monthly base pay (底薪) for sales and service managers.

From the 1st of each month (00:00 in the shop's time zone) the worker runs that month's
pay, rank by rank, in pages of members in id order. A run records where it stopped, so it
resumes after a crash; whoever holds the manager rank when the run reaches them is paid.
A member promoted after the month's run finished is paid from the next month on.

Exactly once per member and month, however many workers run: the run row is claimed with
``FOR UPDATE SKIP LOCKED`` (a second worker skips a page in progress), each payment is a
row unique per member and month, and its ledger transfer has the same unique key.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.core.config import get_settings
from quanzi.core.db import is_postgres
from quanzi.ledger import service as ledger
from quanzi.membership import service as membership
from quanzi.referral import service as referral
from quanzi.referral.commission.models import BasePayment, BasePayRun, Commission
from quanzi.referral.commission.plans import current_plan
from quanzi.referral.commission.rules import (
    MANAGER_RANKS,
    Plan,
    base_pay_legs,
    earns_base_pay,
    pay_month,
    previous_month,
)


async def _claim_run(session: AsyncSession, month: str, rank: str) -> BasePayRun | None:
    insert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        insert(BasePayRun)
        .values(month=month, rank=rank, paid_count=0, started_at=clock.now())
        .on_conflict_do_nothing(index_elements=["month", "rank"])
    )
    return await session.scalar(
        select(BasePayRun)
        .where(BasePayRun.month == month, BasePayRun.rank == rank)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


async def _pay(
    session: AsyncSession, member_id: uuid.UUID, month: str, rank: str, amount: int, version: int
) -> bool:
    insert = pg_insert if is_postgres(session) else sqlite_insert
    created = await session.scalar(
        insert(BasePayment)
        .values(
            member_id=member_id,
            month=month,
            rank=rank,
            amount_fen=amount,
            plan_version=version,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["member_id", "month"])
        .returning(BasePayment.id)
    )
    if created is None:
        return False
    await ledger.transfer(
        session,
        key=f"base-pay:{month}:{member_id}",
        kind="base_pay",
        legs=base_pay_legs(member_id, amount),
        reference_type="base_pay",
        reference_id=created,
        description=f"base pay {month} ({rank})",
    )
    return True


async def team_sales_last_month(
    session: AsyncSession, members: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Per member, the paid amount (net of refunds) of last month's order lines that paid
    them commission at any level: the sales of the part of their team the plan pays on."""
    start, end = previous_month(clock.now(), get_settings().timezone)
    rows = await session.execute(
        select(
            Commission.beneficiary_id,
            func.sum(Commission.base_fen - Commission.refunded_base_fen),
        )
        .where(
            Commission.beneficiary_id.in_(members),
            Commission.created_at >= start,
            Commission.created_at < end,
        )
        .group_by(Commission.beneficiary_id)
    )
    return {member: int(total) for member, total in rows.all()}


async def _payees(session: AsyncSession, plan: Plan, members: list[uuid.UUID]) -> set[uuid.UUID]:
    """Who of ``members`` gets base pay: active members (unless the plan pays everyone)
    who meet the plan's team-volume rule, if it has one."""
    payees = set(members)
    if plan.earning == "members":
        payees = await membership.active_members_among(session, members, at=clock.now())
    if plan.team_volume_rule is not None and payees:
        sales = await team_sales_last_month(session, sorted(payees))
        payees = {m for m in payees if earns_base_pay(plan, sales.get(m, 0))}
    return payees


async def pay_page(session: AsyncSession, month: str, rank: str, limit: int) -> int:
    """Pay the next page of ``rank`` holders for ``month``; how many were paid."""
    run = await _claim_run(session, month, rank)
    if run is None or run.finished_at is not None:
        return 0
    plan = await current_plan(session)
    amount = plan.base_pay_fen.get(rank, 0)
    members = (
        await referral.members_with_rank(session, [rank], after_id=run.after_id, limit=limit)
        if amount > 0
        else []
    )
    payees = await _payees(session, plan, members) if members else set()
    paid = 0
    for member in members:
        if member in payees and await _pay(session, member, month, rank, amount, plan.version):
            paid += 1
    if members:
        run.after_id = members[-1]
    run.paid_count += paid
    if len(members) < limit:
        run.finished_at = clock.now()
    await session.flush()
    return paid


async def pay_base_pay(limit: int) -> int:
    """Worker sweep: pay up to ``limit`` members per rank their base pay for the current
    month (shop time zone); how many were paid."""
    month = pay_month(clock.now(), get_settings().timezone)
    paid = 0
    for rank in MANAGER_RANKS:

        async def page(session: AsyncSession, rank: str = rank) -> int:
            return await pay_page(session, month, rank, limit)

        paid += await db.transaction(page)
    return paid
