"""The referral tree: parent pointers, chains walked with one recursive query, chain locks
and the incremental team counts.

Storage: ``referral_nodes`` holds one row per user with ``parent_id`` (and, in ``days``
mode, the binding's ``expires_at``). A chain is read with a recursive CTE seeded at the
user; each level is one primary-key lookup and the walk stops at ``max_level``, so
``uplines(user, 3)`` costs three index probes whatever the tree's size or depth, on
SQLite and PostgreSQL alike. Parent pointers (rather than a materialised path or a
closure table) keep a rebinding O(1) in structure: moving a member with a large team
rewrites one row, not the team's paths.

Counts (``direct_count``, ``direct_owner_count``, ``team_size``, ``team_count``,
``team_sales_fen``) are maintained by adding deltas along the ancestors, one UPDATE per
change, never by recounting.

Locking (PostgreSQL): whoever changes a parent pointer or adds to counts first locks every
row of the chains involved, FOR NO KEY UPDATE, in ``user_id`` order and in one statement,
then re-reads the chains and proceeds only if every node read is locked. A locked chain
cannot change under the holder (changing any parent pointer needs that row's lock), so
a cycle check made on it is still true at commit. On SQLite, writers are serialised by
``BEGIN IMMEDIATE`` and the same code needs no locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    CTE,
    BindParameter,
    Integer,
    Select,
    Table,
    Uuid,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.db import RetryTransaction, UTCDateTime, is_postgres
from quanzi.referral import rules
from quanzi.referral.models import ReferralNode

# Chains are acyclic by construction; this bound only keeps a corrupted tree from making a
# walk run away.
MAX_CHAIN = 100_000
LOCK_ATTEMPTS = 3


def cast_table(model: type[ReferralNode]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


nodes = cast_table(ReferralNode)


@dataclass(frozen=True)
class Subtree:
    """What a member brings along when bound or unbound: themselves and their team."""

    size: int
    owners: int
    sales_fen: int

    def __neg__(self) -> Subtree:
        return Subtree(-self.size, -self.owners, -self.sales_fen)


@dataclass(frozen=True)
class Hop:
    """One ancestor on a chain: ``level`` 1 is the referrer; ``edge_expires_at`` is when
    the binding leading to this ancestor lapses (``None``: permanent)."""

    user_id: uuid.UUID
    level: int
    edge_expires_at: datetime | None


def chain_cte(
    starts: Sequence[uuid.UUID] | Sequence[BindParameter[uuid.UUID]],
    *,
    max_level: int | BindParameter[int],
    valid_at: datetime | BindParameter[datetime] | None = None,
) -> CTE:
    """Rows ``(origin, node, lvl, edge_expires_at)``: each start at level 0, then its
    ancestors up to ``max_level``. With ``valid_at``, the walk stops at a lapsed binding."""
    seed = select(
        nodes.c.user_id.label("origin"),
        nodes.c.user_id.label("node"),
        literal_column("0").label("lvl"),
        cast(null(), UTCDateTime()).label("edge_expires_at"),
    ).where(nodes.c.user_id.in_(starts))
    up = seed.cte("up", recursive=True)
    child = nodes.alias("child")
    step = (
        select(up.c.origin, child.c.parent_id, up.c.lvl + 1, child.c.expires_at)
        .select_from(up.join(child, child.c.user_id == up.c.node))
        .where(child.c.parent_id.is_not(None), up.c.lvl < max_level)
    )
    if valid_at is not None:
        step = step.where(or_(child.c.expires_at.is_(None), child.c.expires_at > valid_at))
    return up.union_all(step)


async def uplines(
    session: AsyncSession, user_id: uuid.UUID, depth: int, *, at: datetime
) -> list[uuid.UUID]:
    """``user_id``'s ancestors through bindings active at ``at``, nearest first, at most
    ``depth`` of them: one statement, ``depth`` primary-key probes."""
    if depth < 1:
        return []
    # Core execution of a statement built once: asked on every commissionable payment.
    connection = await session.connection()
    result = await connection.execute(
        _uplines_statement(), {"start": user_id, "depth": depth, "at": at}
    )
    return list(result.scalars())


@lru_cache(maxsize=1)
def _uplines_statement() -> Select[uuid.UUID]:
    up = chain_cte(
        [bindparam("start", type_=Uuid())],
        max_level=bindparam("depth", type_=Integer()),
        valid_at=bindparam("at", type_=UTCDateTime()),
    )
    return select(up.c.node).where(up.c.lvl > 0).order_by(up.c.lvl)


async def path(
    session: AsyncSession, user_id: uuid.UUID, depth: int, *, at: datetime | None = None
) -> list[Hop]:
    """Like :func:`uplines` with each hop's level and binding end; without ``at`` it also
    follows lapsed bindings the expiry sweep has not removed yet."""
    up = chain_cte([user_id], max_level=depth, valid_at=at)
    rows = await session.execute(
        select(up.c.node, up.c.lvl, up.c.edge_expires_at).where(up.c.lvl > 0).order_by(up.c.lvl)
    )
    return [Hop(node, lvl, expires) for node, lvl, expires in rows]


async def chains(
    session: AsyncSession, starts: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each start's whole structural chain, the start first, then up to its root."""
    up = chain_cte(starts, max_level=MAX_CHAIN)
    rows = await session.execute(select(up.c.origin, up.c.node).order_by(up.c.origin, up.c.lvl))
    found: dict[uuid.UUID, list[uuid.UUID]] = {start: [] for start in starts}
    for origin, node in rows:
        found[origin].append(node)
    return found


async def lock_chains(
    session: AsyncSession, starts: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The chains of ``starts`` (see :func:`chains`), every node of them locked.

    Locks are taken in ``user_id`` order in one statement, so two transactions locking
    overlapping chains queue up instead of deadlocking. A chain that changed between the
    lock statement's snapshot and the re-read is locked again; a chain that keeps
    changing makes the transaction start over.
    """
    if not is_postgres(session):
        return await chains(session, starts)
    locked: set[uuid.UUID] = set()
    for _ in range(LOCK_ATTEMPTS):
        up = chain_cte(starts, max_level=MAX_CHAIN)
        rows = await session.scalars(
            select(nodes.c.user_id)
            .where(nodes.c.user_id.in_(select(up.c.node)))
            .order_by(nodes.c.user_id)
            .with_for_update(key_share=True, of=nodes)
        )
        locked.update(rows)
        found = await chains(session, starts)
        if all(set(chain) <= locked for chain in found.values()):
            return found
    raise RetryTransaction()


async def ensure_nodes(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> None:
    """Give each user a (root) node if they have none yet; concurrent callers are fine."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    insert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        insert(nodes)
        .values([_blank_node(user_id) for user_id in ids])
        .on_conflict_do_nothing(index_elements=["user_id"])
    )


def _blank_node(user_id: uuid.UUID) -> dict[str, object]:
    return {
        "user_id": user_id,
        "parent_id": None,
        "bound_at": None,
        "expires_at": None,
        "bound_via": None,
        "share_link_id": None,
        "is_owner": False,
        "direct_count": 0,
        "direct_owner_count": 0,
        "team_size": 0,
        "team_count": 0,
        "own_sales_fen": 0,
        "team_sales_fen": 0,
        "rank": rules.MEMBER,
        "rank_changed_at": None,
    }


async def get_node(session: AsyncSession, user_id: uuid.UUID) -> ReferralNode | None:
    """The node as stored now (never a stale copy from this session's identity map)."""
    return await session.get(ReferralNode, user_id, populate_existing=True)


async def add_direct(
    session: AsyncSession, parent_id: uuid.UUID, *, children: int, owners: int
) -> None:
    """Adjust a parent's direct invitee counts."""
    await session.execute(
        update(nodes)
        .where(nodes.c.user_id == parent_id)
        .values(
            direct_count=nodes.c.direct_count + children,
            direct_owner_count=nodes.c.direct_owner_count + owners,
        )
    )


async def add_to_chain(
    session: AsyncSession, ancestors: Sequence[uuid.UUID], delta: Subtree
) -> None:
    """Add ``delta`` to the team counts of every node in ``ancestors`` (one statement)."""
    if not ancestors or delta == Subtree(0, 0, 0):
        return
    await session.execute(
        update(nodes)
        .where(nodes.c.user_id.in_(ancestors))
        .values(
            team_size=nodes.c.team_size + delta.size,
            team_count=nodes.c.team_count + delta.owners,
            team_sales_fen=nodes.c.team_sales_fen + delta.sales_fen,
        )
    )


async def add_sales(
    session: AsyncSession, *, own: Mapping[uuid.UUID, int], team: Mapping[uuid.UUID, int]
) -> None:
    """Add sales amounts: ``own`` to buyers' own sales, ``team`` to ancestors' team sales
    (rows in ``user_id`` order, the order their locks were taken in)."""
    for column, amounts in (("own_sales_fen", own), ("team_sales_fen", team)):
        params = [{"uid": uid, "delta": delta} for uid, delta in sorted(amounts.items()) if delta]
        if params:
            await session.execute(
                update(nodes)
                .where(nodes.c.user_id == bindparam("uid"))
                .values({column: nodes.c[column] + bindparam("delta")}),
                params,
            )


async def set_parent(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    parent_id: uuid.UUID | None,
    bound_at: datetime | None,
    expires_at: datetime | None,
    via: str | None,
    share_link_id: uuid.UUID | None,
) -> None:
    await session.execute(
        update(nodes)
        .where(nodes.c.user_id == user_id)
        .values(
            parent_id=parent_id,
            bound_at=bound_at,
            expires_at=expires_at,
            bound_via=via,
            share_link_id=share_link_id,
        )
    )


def subtree_of(node: ReferralNode) -> Subtree:
    return Subtree(
        size=1 + node.team_size,
        owners=node.team_count + (1 if node.is_owner else 0),
        sales_fen=node.team_sales_fen + node.own_sales_fen,
    )
