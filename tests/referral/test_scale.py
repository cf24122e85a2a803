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

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import wiring
from quanzi.core import clock, db, security
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
        "created_at": clock.now(),
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
                "bound_at": clock.now() if parent else None,
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
