"""The demo shop's last 90 days, acted out through the services with the clock moved along.

The shop is set up 90 days before now, then the calendar runs: members join and shop,
groups open and close, suppliers produce and ship, commission is frozen, released, clawed
back and withdrawn, managers get their base pay, and the worker's sweeps (expiry,
completion, release, cuts, rollups) run as the real worker would. A short story
(:mod:`quanzi.demo.story`) makes the demo logins worth opening and leaves the live states a
visitor should find.

Run once per database: the history's last transaction stores its summary under an
idempotency key (the way a POST is answered once); a later ``quanzi demo`` finds it and
only replays the summary.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.analytics import service as analytics
from quanzi.core import clock, db, idempotency, security
from quanzi.core.clock import FrozenClock
from quanzi.core.config import get_settings
from quanzi.core.errors import Conflict
from quanzi.demo import cast, story
from quanzi.demo.calendar import Calendar, midnight
from quanzi.demo.catalog import MEMBERS, PASSWORD, SeedReport, Shop, set_up
from quanzi.demo.life import Life
from quanzi.demo.trade import Trade
from quanzi.groupbuy.queries import list_groups
from quanzi.identity import service as identity
from quanzi.production import service as production
from quanzi.referral import rules as referral_rules
from quanzi.referral import service as referral
from quanzi.referral.commission import service as commissions
from quanzi.referral.commission.rules import DEFAULT_PLAN, Plan
from quanzi.wallet import service as wallet

log = logging.getLogger("quanzi.demo")

SEED = 3
# The history's record: an idempotency key of the demo (not a user: no account owns it).
MARKER_OWNER = uuid.uuid5(uuid.NAMESPACE_URL, "https://quanzi.invalid/demo")
MARKER_SCOPE = "demo.history"
MARKER_KEY = f"{cast.DAYS}-days-seed-{SEED}"
MARKER_REQUEST = {"days": cast.DAYS, "seed": SEED, "members": cast.GENERATED}

# The demo's commission plan: the default rates, with rank thresholds a shop of a few
# hundred members reaches (team shop owners), set by the operator on day one.
DEMO_PLAN = Plan(
    version=0,
    share_rate_bp=DEFAULT_PLAN.share_rate_bp,
    override_rates_bp=DEFAULT_PLAN.override_rates_bp,
    freeze_days=DEFAULT_PLAN.freeze_days,
    rank_thresholds={
        "sales_manager": cast.SALES_MANAGER_AT,
        "service_manager": cast.SERVICE_MANAGER_AT,
    },
)

STATUSES = {
    "groups": ("pending", "open", "succeeded", "failed"),
    "batches": ("collecting", "created", "in_production", "produced"),
    "withdrawals": ("requested", "approved", "paid", "rejected", "failed"),
}


class _Absent(Exception):
    """The history's record is not there (the probe's savepoint is rolled back)."""


async def recorded(session: AsyncSession) -> dict[str, Any] | None:
    """The summary of the history seeded into this database before, if any."""
    try:
        async with session.begin_nested():
            found = await idempotency.claim(
                session,
                scope=MARKER_SCOPE,
                owner_id=MARKER_OWNER,
                key=MARKER_KEY,
                payload=MARKER_REQUEST,
            )
            if isinstance(found, idempotency.Replay):
                return dict(found.body)
            raise _Absent
    except _Absent:
        return None


async def _refuse_unfinished(session: AsyncSession) -> None:
    if await identity.find_by_phone(session, cast.SERVICE_MANAGER) is not None:
        raise Conflict(
            "This database holds part of a demo history that did not finish (a previous "
            "`quanzi demo` stopped midway). Delete the database (make clean, or rm "
            "quanzi.db) and run `make demo` again.",
            code="demo_history_unfinished",
        )


async def seed(report: SeedReport, *, end: datetime) -> dict[str, Any]:
    """Set the shop up at the shop midnight 90 days before ``end``'s day and live through
    to ``end``; returns the summary that ``quanzi demo`` prints. Starting on a midnight
    keeps the history the same whatever the time of day: two runs differ only in how much
    of the last day they reach."""
    start = midnight(end) - timedelta(days=cast.DAYS)
    frozen = FrozenClock(start)
    previous = clock.install(frozen)
    try:
        await db.transaction(_refuse_unfinished)

        async def setup(session: AsyncSession) -> Shop:
            shop = await set_up(session, report)
            await commissions.set_plan(session, DEMO_PLAN, actor_id=shop.operator_id)
            return shop

        shop = await db.transaction(setup)
        rng = random.Random(SEED)
        people = cast.plan(rng)
        calendar = Calendar(frozen, end)
        life = Life(
            calendar=calendar,
            rng=rng,
            shop=shop,
            people=people,
            password_hash=security.hash_password(PASSWORD),
            start=start,
        )
        trade = Trade(life)
        await db.transaction(life.begin)
        _days(life, trade, end)
        scenes: story.Scenes = {}
        story.tell(life, trade, end, scenes)
        calendar.sweeps_at(end, full=True)
        await calendar.run()
        log.info(
            "demo history: %d requests refused on the way (%s)",
            sum(calendar.refusals.values()),
            ", ".join(f"{code} {n}" for code, n in calendar.refusals.most_common()),
        )

        async def finish(session: AsyncSession) -> dict[str, Any]:
            summary = {**await _summary(session, life), "scenes": scenes}
            claimed = await idempotency.claim(
                session,
                scope=MARKER_SCOPE,
                owner_id=MARKER_OWNER,
                key=MARKER_KEY,
                payload=MARKER_REQUEST,
            )
            assert isinstance(claimed, idempotency.Claim)
            await idempotency.remember(session, claimed, 201, summary)
            return summary

        return await db.transaction(finish)
    finally:
        clock.install(previous)


def _days(life: Life, trade: Trade, end: datetime) -> None:
    """Every day's planning, at its shop midnight (the first one at the start)."""
    zone = get_settings().timezone
    scripted = {p.key for p in life.people if p.phone == story.SHARER}
    day = 0
    while (day0 := life.day_start(day)) <= end:

        async def plan(session: AsyncSession, day0: datetime = day0) -> None:
            trade.plan_day(day0)
            life.plan_day(day0, day0.astimezone(zone).weekday() >= 5, scripted)

        life.calendar.at(day0, plan)
        day += 1


async def _summary(session: AsyncSession, life: Life) -> dict[str, Any]:
    """What the history left, read back through the services, for ``quanzi demo``."""
    ranks: dict[str, Any] = {}
    for rank in (referral_rules.SALES_MANAGER, referral_rules.SERVICE_MANAGER):
        holders = await referral.members_with_rank(session, [rank], after_id=None, limit=1000)
        users = [await identity.get_user(session, member_id) for member_id in holders]
        ranks[rank] = [{"phone": user.phone, "name": user.display_name} for user in users]
    owners = await referral.members_with_rank(
        session, [referral_rules.SHOP_OWNER], after_id=None, limit=10_000
    )
    ranks[referral_rules.SHOP_OWNER] = len(owners)
    logins = {}
    for phone, _ in MEMBERS:
        user = await identity.find_by_phone(session, phone)
        if user is not None:
            logins[phone] = await referral.rank_of(session, user.id)
    kpis = (await analytics.dashboard(session, days=cast.DAYS)).totals
    groups = {
        status: len(await list_groups(session, campaign_id=None, status=status, limit=10_000))
        for status in STATUSES["groups"]
    }
    batches = {
        status: len((await production.list_batches(session, limit=10_000, status=status)).items)
        for status in STATUSES["batches"]
    }
    withdrawals = {
        status: len((await wallet.list_withdrawals(session, limit=10_000, status=status)).items)
        for status in STATUSES["withdrawals"]
    }
    return {
        "days": cast.DAYS,
        "members": len(life.members),
        "ranks": ranks,
        "logins": logins,
        "orders_paid": kpis.get("orders_paid", 0),
        "gmv_fen": kpis.get("gmv_fen", 0),
        "memberships_sold": kpis.get("memberships_sold", 0),
        "groups": groups,
        "batches": batches,
        "withdrawals": withdrawals,
    }
