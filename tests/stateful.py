"""Running a Hypothesis state machine against the real database.

The machines are synchronous; they drive the async services on an event loop of their
own, in a worker thread, with an engine of their own (connections belong to the loop
that made them). Each machine class gets that loop and the test's clock as class
attributes ``loop`` and ``clock``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import wiring
from quanzi.core import db
from quanzi.core.clock import FrozenClock


async def run_machine(
    machine: type[RuleBasedStateMachine],
    *,
    database: str,
    clock: FrozenClock,
    examples: int,
    setup: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> None:
    """Run ``machine`` for ``examples`` random programs (steps: ``QUANZI_STATEFUL_STEPS``,
    default 40), after ``setup`` has run once in its own transaction."""
    steps = int(os.environ.get("QUANZI_STATEFUL_STEPS", "40"))
    await db.dispose()
    wiring.install()

    def drive() -> None:
        loop = asyncio.new_event_loop()
        try:
            db.configure(database)
            if setup is not None:
                loop.run_until_complete(db.transaction(setup))
            machine.loop = loop  # type: ignore[attr-defined]
            machine.clock = clock  # type: ignore[attr-defined]
            run_state_machine_as_test(
                machine,
                settings=settings(
                    max_examples=examples,
                    stateful_step_count=steps,
                    deadline=None,
                    # Which rules can run depends on what the database refused, so an
                    # example saved by an older version of the code cannot be replayed.
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow],
                ),
            )
        finally:
            loop.run_until_complete(db.dispose())
            loop.close()

    await asyncio.to_thread(drive)
    db.configure(database)
