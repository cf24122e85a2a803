"""Ranks: member -> shop owner -> sales manager -> service manager.

A rank is stored per member and changed in the transaction that changed the counts or the
shop-owner status behind it; every change is logged in ``referral_rank_changes`` with the
counts, and announced on the outbox (``referral.rank_changed``).

Policy (see :func:`quanzi.referral.rules.rank_for`): a rank follows the current team.
Thresholds and the counting rule come from the commission plan in force; when the operator
changes them, the stored ranks are brought in line by :func:`ensure_ranks_current` (run by
every rank read) in one pass over the members the change can affect.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, outbox
from quanzi.core.errors import Unprocessable
from quanzi.referral import policy, rules, tree
from quanzi.referral.commission.plans import current_plan
from quanzi.referral.models import RankChange, ReferralSettings

nodes = tree.nodes


@dataclass(frozen=True)
class Change:
    user_id: uuid.UUID
    old: str
    new: str
    reason: str


async def current_rank_rules(session: AsyncSession) -> rules.RankRules:
    """Thresholds and counting rule of the commission plan in force."""
    plan = await current_plan(session)
    return rules.rank_rules_from(plan.rank_thresholds, plan.rank_counting)


async def rerank(
    session: AsyncSession,
    user_ids: Iterable[uuid.UUID],
    rank_rules: rules.RankRules,
    *,
    cause: str,
) -> list[Change]:
    """Recompute the ranks of ``user_ids`` from their stored counts; store and log changes."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    rows = await session.execute(
        select(
            nodes.c.user_id,
            nodes.c.is_owner,
            nodes.c.direct_owner_count,
            nodes.c.team_count,
            nodes.c.rank,
        ).where(nodes.c.user_id.in_(ids))
    )
    changes = []
    for user_id, is_owner, direct_owners, team_count, stored in rows:
        new = rules.rank_for(
            rank_rules, is_owner=is_owner, direct_owner_count=direct_owners, team_count=team_count
        )
        if new != stored:
            reason = rules.rank_change_reason(
                rank_rules,
                old=stored,
                new=new,
                is_owner=is_owner,
                direct_owner_count=direct_owners,
                team_count=team_count,
                cause=cause,
            )
            changes.append(Change(user_id, stored, new, reason))
    await _store(session, changes)
    return changes


async def _store(session: AsyncSession, changes: Sequence[Change]) -> None:
    if not changes:
        return
    now = clock.now()
    by_rank: dict[str, list[uuid.UUID]] = defaultdict(list)
    for change in changes:
        by_rank[change.new].append(change.user_id)
    for rank, user_ids in sorted(by_rank.items()):
        await session.execute(
            update(nodes)
            .where(nodes.c.user_id.in_(user_ids))
            .values(rank=rank, rank_changed_at=now)
        )
    session.add_all(
        RankChange(
            user_id=c.user_id, from_rank=c.old, to_rank=c.new, reason=c.reason, created_at=now
        )
        for c in changes
    )
    await session.flush()
    for c in changes:
        await outbox.emit(
            session,
            "referral.rank_changed",
            {"user_id": str(c.user_id), "from": c.old, "to": c.new, "reason": c.reason},
        )


async def ensure_ranks_current(session: AsyncSession) -> rules.RankRules:
    """The rank rules in force, after making sure every stored rank was computed under them.

    Cheap when nothing changed (the plan and the settings row are read). After the operator
    changed thresholds or the counting rule, the first caller claims the new basis with a
    conditional update (concurrent callers wait for it, then find nothing to do) and
    re-ranks the members it can affect: managers and shop owners whose count reaches the
    lower threshold.
    """
    rank_rules = await current_rank_rules(session)
    row = await policy.settings_row(session)
    if row is not None and row.rank_basis == rank_rules.basis:
        return rank_rules
    await policy.ensure_settings_row(session)
    claimed = await session.scalar(
        update(ReferralSettings)
        .where(
            ReferralSettings.id == policy.SETTINGS_ID,
            or_(
                ReferralSettings.rank_basis.is_(None),
                ReferralSettings.rank_basis != rank_rules.basis,
            ),
        )
        .values(rank_basis=rank_rules.basis)
        .returning(ReferralSettings.id)
    )
    if claimed is None:
        return rank_rules
    counted = (
        nodes.c.team_count if rank_rules.counting == rules.TEAM else nodes.c.direct_owner_count
    )
    candidates = await session.scalars(
        select(nodes.c.user_id).where(
            or_(
                nodes.c.rank.in_(rules.MANAGER_RANKS),
                (nodes.c.is_owner.is_(True)) & (counted >= rank_rules.sales_manager),
            )
        )
    )
    await rerank(
        session, list(candidates), rank_rules, cause=f"rank rules changed ({rank_rules.describe()})"
    )
    return rank_rules


async def rank_of(session: AsyncSession, user_id: uuid.UUID) -> str:
    """``member`` | ``shop_owner`` | ``sales_manager`` | ``service_manager``."""
    await ensure_ranks_current(session)
    rank = await session.scalar(select(nodes.c.rank).where(nodes.c.user_id == user_id))
    return rank or rules.MEMBER


async def members_with_rank(
    session: AsyncSession,
    ranks: Sequence[str],
    *,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[uuid.UUID]:
    """Members holding one of ``ranks``, in ``user_id`` order after ``after_id`` (keyset
    pages for sweeps such as monthly base pay)."""
    unknown = set(ranks) - set(rules.RANKS)
    if unknown:
        raise Unprocessable(f"Unknown ranks {sorted(unknown)}.", code="unknown_rank")
    if not ranks or limit < 1:
        return []
    await ensure_ranks_current(session)
    stmt = select(nodes.c.user_id).where(nodes.c.rank.in_(list(ranks)))
    if after_id is not None:
        stmt = stmt.where(nodes.c.user_id > after_id)
    return list(await session.scalars(stmt.order_by(nodes.c.user_id).limit(limit)))


async def set_shop_owner(
    session: AsyncSession, user_id: uuid.UUID, *, owner: bool, cause: str
) -> bool:
    """Record that ``user_id`` became (or stopped being) a shop owner: their own rank, their
    referrer's direct count and every ancestor's team count change in this transaction,
    and ranks crossing a threshold are promoted or demoted. ``False`` if nothing changed
    (a renewal, a repeated event)."""
    await tree.ensure_nodes(session, [user_id])
    chain = (await tree.lock_chains(session, [user_id]))[user_id]
    changed = await session.scalar(
        update(nodes)
        .where(nodes.c.user_id == user_id, nodes.c.is_owner.is_(not owner))
        .values(is_owner=owner)
        .returning(nodes.c.user_id)
    )
    if changed is None:
        return False
    delta = 1 if owner else -1
    ancestors = chain[1:]
    if ancestors:
        await tree.add_direct(session, ancestors[0], children=0, owners=delta)
        await tree.add_to_chain(session, ancestors, tree.Subtree(0, delta, 0))
    await rerank(session, chain, await current_rank_rules(session), cause=cause)
    return True
