"""The demo history's calendar: things to do at given instants, done in time order with the
shop's clock set to each instant, and the worker's sweeps run as the real worker would.

Everything between two sweep rounds runs in one transaction; each thing to do runs in a
savepoint of it, like one request: a refusal (``group_full``, ``insufficient_balance``, …)
rolls back only that request, as the API would, and is counted. The sweeps run their own
transactions exactly as ``quanzi worker`` does.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import worker
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.core.config import get_settings
from quanzi.core.errors import ProblemError

Act = Callable[[AsyncSession], Awaitable[None]]

# Sweeps run between the nightly full rounds: the ones whose delay a shopper would notice.
LIGHT_SWEEPS = frozenset({"orders.expire_unpaid", "groupbuy.close_expired"})
SWEEP_BATCH = 500


@dataclass(order=True)
class _Entry:
    at: datetime
    seq: int
    act: Act | None = field(compare=False)
    """``None``: a round of sweeps."""
    full: bool = field(compare=False, default=True)


class Calendar:
    """Acts and sweep rounds in time order, up to ``end``."""

    def __init__(self, clock: FrozenClock, end: datetime) -> None:
        self.clock = clock
        self.end = end
        self.refusals: Counter[str] = Counter()
        self._queue: list[_Entry] = []
        self._seq = itertools.count()

    def at(self, when: datetime, act: Act) -> None:
        """Do ``act`` at ``when`` (never earlier than now; dropped if after the end)."""
        when = max(when, self.clock.now())
        if when <= self.end:
            heapq.heappush(self._queue, _Entry(when, next(self._seq), act))

    def sweeps_at(self, when: datetime, *, full: bool) -> None:
        """Run the worker's sweeps at ``when`` (``full=False``: only :data:`LIGHT_SWEEPS`)."""
        if self.clock.now() <= when <= self.end:
            heapq.heappush(self._queue, _Entry(when, next(self._seq), None, full))

    async def run(self) -> None:
        """Do everything due up to the end."""
        while self._queue:
            head = self._queue[0]
            if head.act is None:
                heapq.heappop(self._queue)
                self.clock.set(head.at)
                await self._sweep(full=head.full)
            else:
                await self._transaction()

    async def _transaction(self) -> None:
        async with db.session_scope() as session:
            while self._queue and self._queue[0].act is not None:
                entry = heapq.heappop(self._queue)
                assert entry.act is not None
                self.clock.set(entry.at)
                try:
                    async with session.begin_nested():
                        await entry.act(session)
                except ProblemError as refusal:
                    self.refusals[refusal.code] += 1

    async def _sweep(self, *, full: bool) -> None:
        for sweep in worker.sweeps():
            if not full and sweep.name not in LIGHT_SWEEPS:
                continue
            # A full batch means more work is waiting, as in ``worker.run_forever``.
            while await sweep.run(SWEEP_BATCH) >= SWEEP_BATCH:
                pass


def midnight(at: datetime) -> datetime:
    """The shop midnight (in UTC) that starts ``at``'s day."""
    local = at.astimezone(get_settings().timezone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def attempt(session: AsyncSession, step: Callable[[], Awaitable[object]]) -> bool:
    """Run ``step`` as one request inside the current one: a refusal undoes only it."""
    try:
        async with session.begin_nested():
            await step()
    except ProblemError:
        return False
    return True
