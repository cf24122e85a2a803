"""Scale: a deep chain (80 levels) inside a few thousand members, built with plain SQL
inserts. Ancestor lookups are one statement whatever the depth asked for, and binding a
newcomer costs the same number of statements at the top or at the bottom of the chain
(the work per statement grows with the chain, the number of round trips does not)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import wiring
from quanzi.core import clock as clock_module
from quanzi.core import db, security
from quanzi.core.ids import new_id
from quanzi.identity.models import User
from quanzi.referral import binding, rules, tree
from quanzi.referral import service as referral
from quanzi.referral.models import ReferralNode

DEPTH = 80
CROWD = 3000


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """Every SQL statement the process engine sends while the block runs (BEGINs aside)."""
    seen: list[str] = []
    sync_engine = db.engine().sync_engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)

    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)


def _user(i: int) -> dict[str, Any]:
    return {
        "id": new_id(),
        "phone": f"17{i:09d}",
        "password_hash": security.DUMMY_PASSWORD_HASH,
        "display_name": f"N{i}",
        "invite_code": f"S{i:07d}",
        "roles": ["member"],
        "created_at": clock_module.now(),
        "disabled_at": None,
    }


async def build(session: AsyncSession) -> list[uuid.UUID]:
    """A chain of ``DEPTH`` members (chain[0] the root) and a crowd hanging off it at random
    places; the counts are not maintained here (only the structure is under test)."""
    users = [_user(i) for i in range(DEPTH + CROWD)]
    await session.execute(insert(User), users)
    chain = [u["id"] for u in users[:DEPTH]]
    rnd = random.Random(7)
    placed: list[uuid.UUID] = []
    nodes = []
    for i, user in enumerate(users):
        parent = (chain[i - 1] if i else None) if i < DEPTH else rnd.choice(placed)
        placed.append(user["id"])
        nodes.append(
            {
                "user_id": user["id"],
                "parent_id": parent,
                "bound_at": clock_module.now() if parent else None,
                "expires_at": None,
                "bound_via": rules.VIA_INVITE if parent else None,
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
        )
    await session.execute(insert(ReferralNode), nodes)
    return chain


async def test_uplines_is_one_statement_at_any_depth(database: str, clock: object) -> None:
    chain = await db.transaction(build)
    deepest = chain[-1]

    async def ups(session: AsyncSession, depth: int) -> tuple[list[uuid.UUID], int]:
        with counting_statements() as seen:
            found = await referral.uplines(session, deepest, depth)
        return found, len(seen)

    async def probe(session: AsyncSession) -> dict[int, tuple[list[uuid.UUID], int]]:
        return {depth: await ups(session, depth) for depth in (1, 3, 50, 200)}

    results = await db.transaction(probe)
    assert results[3] == (chain[-2:-5:-1], 1)
    assert results[1] == ([chain[-2]], 1)
    assert results[50] == (chain[-2:-52:-1], 1)
    assert results[200] == (chain[-2::-1], 1)  # the whole chain: 79 ancestors


async def test_binding_costs_the_same_statements_at_any_depth(
    database: str, clock: object, monkeypatch: Any
) -> None:
    wiring.install()
    monkeypatch.setattr(security, "hash_password", lambda _: security.DUMMY_PASSWORD_HASH)
    chain = await db.transaction(build)
    newcomers = [_user(DEPTH + CROWD + i) for i in range(2)]

    async def add(session: AsyncSession) -> None:
        await session.execute(insert(User), newcomers)
        await tree.ensure_nodes(session, [u["id"] for u in newcomers])

    await db.transaction(add)

    async def bind_under(referrer: uuid.UUID, newcomer: uuid.UUID) -> int:
        async def work(session: AsyncSession) -> int:
            with counting_statements() as seen:
                await binding.bind(session, newcomer, referrer, via=rules.VIA_INVITE)
            return len(seen)

        return await db.transaction(work)

    near_root = await bind_under(chain[1], newcomers[0]["id"])
    at_bottom = await bind_under(chain[-1], newcomers[1]["id"])
    assert near_root == at_bottom
    assert at_bottom <= 11

    async def ancestors(session: AsyncSession) -> list[uuid.UUID]:
        return await referral.uplines(session, newcomers[1]["id"], DEPTH + 5)

    assert await db.transaction(ancestors) == chain[::-1]


@pytest.mark.postgres_only
async def test_each_level_is_a_primary_key_probe(database: str, clock: object) -> None:
    """The plan PostgreSQL picks walks the chain by index, never scanning the table: the
    cost of an ancestor lookup does not grow with the number of members."""
    chain = await db.transaction(build)

    async def plan(session: AsyncSession) -> str:
        await session.execute(text("ANALYZE referral_nodes"))
        up = tree.chain_cte([chain[-1]], max_level=3, valid_at=clock_module.now())
        query = select(up.c.node).where(up.c.lvl > 0).order_by(up.c.lvl)
        sql = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        rows = await session.execute(text(f"EXPLAIN {sql}"))
        return "\n".join(row[0] for row in rows)

    explained = await db.transaction(plan)
    assert "Index Scan using pk_referral_nodes on referral_nodes child" in explained
    assert "Seq Scan" not in explained
