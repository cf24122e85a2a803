"""Hypothesis drives random referral trees against the real database: registrations with
invite codes, bindings and rebindings under every binding mode, refused loops, shop owners
coming and going, sales queued and rolled up, clock moves with the expiry sweep. After
every step the incremental counts equal a recount from the parent pointers, the tree has no
cycle, the stored structure matches a plain model, and every stored rank is what the rules
give for the stored counts."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock as clock_module
from quanzi.core import db, security
from quanzi.core.clock import FrozenClock
from quanzi.core.errors import Conflict
from quanzi.identity import service as identity
from quanzi.referral import binding, policy, ranks, rules, teams
from quanzi.referral.models import ReferralNode, TeamSalesEntry
from tests.helpers import new_phone
from tests.referral.support import stored_and_recounted
from tests.stateful import run_machine

T = TypeVar("T")

EXAMPLES = int(os.environ.get("QUANZI_STATEFUL_EXAMPLES", "12"))
PEOPLE = 7


class ReferralTrees(RuleBasedStateMachine):
    loop: ClassVar[asyncio.AbstractEventLoop]
    clock: ClassVar[FrozenClock]

    def __init__(self) -> None:
        super().__init__()
        self.people: list[uuid.UUID] = []
        self.parent: dict[uuid.UUID, uuid.UUID | None] = {}
        self.expires: dict[uuid.UUID, datetime | None] = {}
        self.mode = rules.FIRST_TOUCH
        self.days: int | None = None
        self.run(self._first_touch)
        for _ in range(PEOPLE):
            self._register(None)

    def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return self.loop.run_until_complete(db.transaction(work))

    async def _first_touch(self, session: AsyncSession) -> None:
        await policy.set_policy(
            session,
            binding_mode=rules.FIRST_TOUCH,
            binding_days=None,
            attribution_days=7,
            actor_id=None,
        )

    # --- model -------------------------------------------------------------------------

    def _ancestors(self, user: uuid.UUID) -> list[uuid.UUID]:
        chain = []
        current = self.parent[user]
        while current is not None:
            chain.append(current)
            current = self.parent[current]
        return chain

    def _bound_now(self, user: uuid.UUID) -> tuple[uuid.UUID | None, datetime | None]:
        return self.parent[user], self.expires[user]

    def _register(self, referrer: uuid.UUID | None) -> None:
        async def work(session: AsyncSession) -> uuid.UUID:
            code = None
            if referrer is not None:
                code = (await identity.get_user(session, referrer)).invite_code
            user = await identity.create_user(
                session,
                phone=new_phone(),
                password="s3cret-pass",
                display_name="P",
                invite_code=code,
            )
            return user.id

        user_id = self.run(work)
        self.people.append(user_id)
        self.parent[user_id] = referrer
        self.expires[user_id] = (
            rules.binding_expiry(self.mode, self.days, self.clock.now()) if referrer else None
        )

    # --- steps -------------------------------------------------------------------------

    @rule(referrer=st.one_of(st.none(), st.integers(0, 200)))
    def register(self, referrer: int | None) -> None:
        if len(self.people) < 20:
            self._register(None if referrer is None else self.people[referrer % len(self.people)])

    @rule(x=st.integers(0, 200), y=st.integers(0, 200))
    def bind(self, x: int, y: int) -> None:
        child = self.people[x % len(self.people)]
        referrer = self.people[y % len(self.people)]
        now = self.clock.now()
        current, expires = self._bound_now(child)
        if child == referrer:
            decision: str = "refused"
        else:
            decision = rules.binding_decision(
                self.mode,
                current_referrer=current,
                current_expires_at=expires,
                new_referrer=referrer,
                now=now,
            )
            if decision == "bind" and child in [referrer, *self._ancestors(referrer)]:
                decision = "refused"

        async def work(session: AsyncSession) -> bool:
            result = await binding.bind(session, child, referrer, via=rules.VIA_INVITE)
            return result.changed

        if decision == "refused":
            with pytest.raises(Conflict) as refused:
                self.run(work)
            assert refused.value.code == "binding_cycle"
            return
        changed = self.run(work)
        assert changed == (decision == "bind")
        if changed:
            self.parent[child] = referrer
            self.expires[child] = rules.binding_expiry(self.mode, self.days, now)

    @rule(mode=st.sampled_from(rules.BINDING_MODES), days=st.integers(1, 5))
    def switch_mode(self, mode: str, days: int) -> None:
        async def work(session: AsyncSession) -> None:
            await policy.set_policy(
                session,
                binding_mode=mode,
                binding_days=days if mode == rules.DAYS else None,
                attribution_days=7,
                actor_id=None,
            )

        self.run(work)
        self.mode, self.days = mode, (days if mode == rules.DAYS else None)

    @rule(x=st.integers(0, 200), owner=st.booleans())
    def shop_owner(self, x: int, owner: bool) -> None:
        user = self.people[x % len(self.people)]

        async def work(session: AsyncSession) -> None:
            await ranks.set_shop_owner(session, user, owner=owner, cause="test")

        self.run(work)

    @rule(x=st.integers(0, 200), amount=st.integers(-3000, 10000))
    def sale(self, x: int, amount: int) -> None:
        user = self.people[x % len(self.people)]

        async def work(session: AsyncSession) -> None:
            session.add(
                TeamSalesEntry(
                    buyer_id=user,
                    order_id=uuid.uuid4(),
                    amount_fen=amount,
                    created_at=clock_module.now(),
                )
            )

        self.run(work)

    @rule(limit=st.integers(1, 5))
    def roll_up(self, limit: int) -> None:
        async def work(session: AsyncSession) -> int:
            return await teams.roll_up_batch(session, limit)

        self.run(work)

    @rule(days=st.integers(1, 4))
    def time_passes(self, days: int) -> None:
        self.clock.advance(timedelta(days=days))
        self.loop.run_until_complete(binding.lapse_expired_bindings(100))
        now = self.clock.now()
        for user, expires in self.expires.items():
            if expires is not None and expires <= now and self.parent[user] is not None:
                self.parent[user] = None
                self.expires[user] = None

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def counts_equal_a_recount(self) -> None:
        async def work(session: AsyncSession) -> None:
            stored, recounted = await stored_and_recounted(session)
            assert stored == recounted

        self.run(work)

    @invariant()
    def structure_matches_the_model_and_ranks_the_rules(self) -> None:
        async def work(session: AsyncSession) -> list[ReferralNode]:
            rows = await session.scalars(
                select(ReferralNode).where(ReferralNode.user_id.in_(self.people))
            )
            return list(rows)

        async def rank_rules(session: AsyncSession) -> rules.RankRules:
            return await ranks.current_rank_rules(session)

        current_rules = self.run(rank_rules)
        for node in self.run(work):
            assert node.parent_id == self.parent[node.user_id]
            assert node.rank == rules.rank_for(
                current_rules,
                is_owner=node.is_owner,
                direct_owner_count=node.direct_owner_count,
                team_count=node.team_count,
            )


async def test_random_trees_keep_their_counts_exact(
    database: str, clock: FrozenClock, monkeypatch: Any
) -> None:
    from tests.referral.support import set_rank_rules

    await set_rank_rules(sales=1, service=3)
    monkeypatch.setattr(security, "hash_password", lambda _: security.DUMMY_PASSWORD_HASH)

    await run_machine(ReferralTrees, database=database, clock=clock, examples=EXAMPLES)
