"""What members and operators see of teams: my team and the way to the next rank, my direct
invitees, the star shop owners' leaderboard, a member's referral path; and the sweep that
rolls paid and refunded goods amounts up into team sales.

Team sales (``team_sales_fen``): the goods amount (after discounts, without shipping) of
orders paid by the member's downline, net of refunds, membership fees excluded. Orders
queue their amount (``referral_team_sales_queue``) in the payment's transaction;
:func:`roll_up_team_sales` adds a batch to each buyer and each of their ancestors, one
update per node per batch, so a busy shop does not queue every payment behind a lock on a
big team's root.

Leaderboard: current shop owners ranked by the sales attributed to their share links in one
calendar month (shop time zone), net of refunds — star shop owners are those whose
sharing sells, which is what the storefront wants to promote.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.core.config import get_settings
from quanzi.core.db import is_postgres
from quanzi.core.errors import NotFound, Unprocessable
from quanzi.identity import service as identity
from quanzi.referral import binding, ranks, rules, tree
from quanzi.referral.models import (
    RankChange,
    ReferralBindingChange,
    ReferralNode,
    SharerMonth,
    TeamSalesEntry,
)

MAX_PATH_DEPTH = 200


@dataclass(frozen=True)
class TeamView:
    node: ReferralNode | None
    rank: str
    rank_rules: rules.RankRules
    counted: int
    next: rules.NextRank
    referrer: binding.Binding
    referrer_name: str | None


@dataclass(frozen=True)
class Invitee:
    user_id: uuid.UUID
    display_name: str
    rank: str
    bound_at: datetime | None
    bound_via: str | None
    team_size: int


@dataclass(frozen=True)
class InviteePage:
    items: list[Invitee]
    next_cursor: uuid.UUID | None


@dataclass(frozen=True)
class Star:
    position: int
    user_id: uuid.UUID
    display_name: str
    rank: str
    order_count: int
    sales_fen: int


@dataclass(frozen=True)
class PathStep:
    level: int
    user_id: uuid.UUID
    display_name: str
    rank: str
    binding_expires_at: datetime | None
    binding_lapsed: bool


@dataclass(frozen=True)
class MemberReferral:
    user_id: uuid.UUID
    display_name: str
    node: ReferralNode | None
    path: list[PathStep]
    truncated: bool
    rank_changes: list[RankChange]
    binding_changes: list[ReferralBindingChange]


async def team_view(session: AsyncSession, user_id: uuid.UUID) -> TeamView:
    """The member's counts, rank and what the next rank still needs."""
    rank_rules = await ranks.ensure_ranks_current(session)
    node = await tree.get_node(session, user_id)
    rank = node.rank if node is not None else rules.MEMBER
    counted = (
        rules.counted(
            rank_rules, direct_owner_count=node.direct_owner_count, team_count=node.team_count
        )
        if node is not None
        else 0
    )
    referrer = await binding.current_binding(session, user_id)
    names = await identity.display_names(
        session, [referrer.referrer_id] if referrer.referrer_id else []
    )
    return TeamView(
        node=node,
        rank=rank,
        rank_rules=rank_rules,
        counted=counted,
        next=rules.next_rank(rank_rules, rank, counted),
        referrer=referrer,
        referrer_name=names.get(referrer.referrer_id) if referrer.referrer_id else None,
    )


async def direct_invitees(
    session: AsyncSession, user_id: uuid.UUID, *, after_id: uuid.UUID | None, limit: int
) -> InviteePage:
    """The member's direct invitees (bindings in force), newest member first."""
    n = tree.nodes
    now = clock.now()
    stmt = select(n.c.user_id, n.c.rank, n.c.bound_at, n.c.bound_via, n.c.team_size).where(
        n.c.parent_id == user_id, or_(n.c.expires_at.is_(None), n.c.expires_at > now)
    )
    if after_id is not None:
        stmt = stmt.where(n.c.user_id < after_id)
    rows = (await session.execute(stmt.order_by(n.c.user_id.desc()).limit(limit + 1))).all()
    shown = rows[:limit]
    names = await identity.display_names(session, [row.user_id for row in shown])
    items = [
        Invitee(
            user_id=row.user_id,
            display_name=names.get(row.user_id, "?"),
            rank=row.rank,
            bound_at=row.bound_at,
            bound_via=row.bound_via,
            team_size=row.team_size,
        )
        for row in shown
    ]
    more = len(rows) > limit
    return InviteePage(items, items[-1].user_id if more and items else None)


def current_month() -> str:
    return rules.month_key(clock.now(), get_settings().timezone)


async def leaderboard(session: AsyncSession, *, month: str | None, limit: int) -> list[Star]:
    """Shop owners with the most attributed sales in ``month`` (default: this month)."""
    chosen = current_month() if month is None else rules.parse_month(month)
    if chosen is None:
        raise Unprocessable("month must look like 2026-11.", code="invalid_month")
    await ranks.ensure_ranks_current(session)
    n = tree.nodes
    rows = (
        await session.execute(
            select(SharerMonth.sharer_id, SharerMonth.order_count, SharerMonth.sales_fen, n.c.rank)
            .join(n, n.c.user_id == SharerMonth.sharer_id)
            .where(SharerMonth.month == chosen, SharerMonth.sales_fen > 0, n.c.is_owner.is_(True))
            .order_by(SharerMonth.sales_fen.desc(), SharerMonth.sharer_id)
            .limit(limit)
        )
    ).all()
    names = await identity.display_names(session, [row.sharer_id for row in rows])
    return [
        Star(
            position=i,
            user_id=row.sharer_id,
            display_name=names.get(row.sharer_id, "?"),
            rank=row.rank,
            order_count=row.order_count,
            sales_fen=row.sales_fen,
        )
        for i, row in enumerate(rows, start=1)
    ]


async def member_referral(
    session: AsyncSession, user_id: uuid.UUID, *, depth: int
) -> MemberReferral:
    """For operators: a member's counts, their referral path up to the root (at most
    ``depth`` levels; lapsed bindings not yet swept are shown as such), and their latest
    rank and binding changes."""
    if not 1 <= depth <= MAX_PATH_DEPTH:
        raise Unprocessable(f"depth must be 1 to {MAX_PATH_DEPTH}.", code="invalid_depth")
    names = await identity.display_names(session, [user_id])
    if user_id not in names:
        raise NotFound("No such member.", code="user_not_found")
    await ranks.ensure_ranks_current(session)
    node = await tree.get_node(session, user_id)
    hops = await tree.path(session, user_id, depth + 1)
    truncated = len(hops) > depth
    hops = hops[:depth]
    ids = [hop.user_id for hop in hops]
    names.update(await identity.display_names(session, ids))
    rank_rows = await session.execute(
        select(tree.nodes.c.user_id, tree.nodes.c.rank).where(tree.nodes.c.user_id.in_(ids))
    )
    rank_by_id = {uid: rank for uid, rank in rank_rows}
    now = clock.now()
    path = [
        PathStep(
            level=hop.level,
            user_id=hop.user_id,
            display_name=names.get(hop.user_id, "?"),
            rank=rank_by_id.get(hop.user_id, rules.MEMBER),
            binding_expires_at=hop.edge_expires_at,
            binding_lapsed=not rules.binding_active(hop.edge_expires_at, now),
        )
        for hop in hops
    ]
    rank_changes = await session.scalars(
        select(RankChange)
        .where(RankChange.user_id == user_id)
        .order_by(RankChange.created_at.desc(), RankChange.id.desc())
        .limit(20)
    )
    binding_changes = await session.scalars(
        select(ReferralBindingChange)
        .where(ReferralBindingChange.user_id == user_id)
        .order_by(ReferralBindingChange.created_at.desc(), ReferralBindingChange.id.desc())
        .limit(20)
    )
    return MemberReferral(
        user_id=user_id,
        display_name=names[user_id],
        node=node,
        path=path,
        truncated=truncated,
        rank_changes=list(rank_changes),
        binding_changes=list(binding_changes),
    )


async def roll_up_batch(session: AsyncSession, limit: int) -> int:
    """Apply up to ``limit`` queued sales amounts: each buyer's own sales and each
    ancestor's team sales get one update for the whole batch."""
    claim = select(TeamSalesEntry).order_by(TeamSalesEntry.id).limit(limit)
    if is_postgres(session):
        claim = claim.with_for_update(skip_locked=True)
    entries = list(await session.scalars(claim))
    if not entries:
        return 0
    own: dict[uuid.UUID, int] = defaultdict(int)
    for entry in entries:
        own[entry.buyer_id] += entry.amount_fen
    buyers = sorted(own)
    await tree.ensure_nodes(session, buyers)
    chains = await tree.lock_chains(session, buyers)
    team: dict[uuid.UUID, int] = defaultdict(int)
    for buyer in buyers:
        for ancestor in chains[buyer][1:]:
            team[ancestor] += own[buyer]
    await tree.add_sales(session, own=own, team=team)
    await session.execute(
        delete(TeamSalesEntry).where(TeamSalesEntry.id.in_([e.id for e in entries]))
    )
    return len(entries)


async def roll_up_team_sales(limit: int) -> int:
    """Worker sweep: one batch of :func:`roll_up_batch` in one transaction."""

    async def work(session: AsyncSession) -> int:
        return await roll_up_batch(session, limit)

    return await db.transaction(work)
