"""Periodic sweeps: expire unpaid orders, auto-complete delivered ones, relay the outbox,
deliver webhooks. Each sweep claims a bounded batch and handles every item in its own
transaction, so a crash mid-sweep loses nothing and redoes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from quanzi.analytics import service as analytics
from quanzi.core.config import get_settings
from quanzi.groupbuy import closing as groups
from quanzi.membership import service as membership
from quanzi.orders import service as orders
from quanzi.payments import service as payments
from quanzi.production import service as production
from quanzi.referral import service as referral
from quanzi.referral.commission import service as commissions
from quanzi.wallet import service as wallet
from quanzi.webhooks import delivery as webhooks

log = logging.getLogger("quanzi.worker")

Sweep = Callable[[int], Awaitable[int]]


@dataclass(frozen=True)
class NamedSweep:
    name: str
    run: Sweep


def sweeps() -> list[NamedSweep]:
    """Every periodic job, in the order one round runs them."""
    return [
        NamedSweep("orders.expire_unpaid", orders.expire_unpaid),
        NamedSweep("orders.auto_complete", orders.auto_complete),
        NamedSweep("groupbuy.close_expired", groups.close_expired),
        NamedSweep("referral.lapse_expired_bindings", referral.lapse_expired_bindings),
        NamedSweep("referral.roll_up_team_sales", referral.roll_up_team_sales),
        NamedSweep("membership.expire_due", membership.expire_due),
        NamedSweep("membership.issue_waiting_codes", membership.issue_waiting),
        NamedSweep("payments.retry_refunds", payments.retry_refunds),
        NamedSweep("production.cut_due", production.cut_due),
        NamedSweep("commission.release_due", commissions.release_due),
        NamedSweep("commission.pay_base_pay", commissions.pay_base_pay),
        NamedSweep("wallet.retry_payouts", wallet.retry_payouts),
        # Operator KPIs from the outbox (its own cursor; webhooks' marker is theirs).
        NamedSweep("analytics.roll_up", analytics.roll_up_sweep),
        # Fan out first so events committed before this round are delivered in it.
        NamedSweep("webhooks.fan_out", webhooks.fan_out),
        NamedSweep("webhooks.deliver_due", webhooks.deliver_due),
    ]


async def run_once(limit: int | None = None) -> dict[str, int]:
    """One round of every sweep; returns how many items each handled."""
    batch = limit or get_settings().worker_batch_size
    done: dict[str, int] = {}
    for sweep in sweeps():
        try:
            done[sweep.name] = await sweep.run(batch)
        except Exception:
            log.exception("sweep %s failed; it will run again next round", sweep.name)
            done[sweep.name] = 0
    return done


async def run_forever(stop: asyncio.Event | None = None) -> None:
    """Run rounds until ``stop`` is set; a full batch means more work, so go again at once."""
    settings = get_settings()
    stop = stop or asyncio.Event()
    while not stop.is_set():
        done = await run_once()
        if any(count >= settings.worker_batch_size for count in done.values()):
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.worker_interval_seconds)
