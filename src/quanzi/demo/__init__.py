"""``quanzi demo``: seed a shop that looks alive and say how to look at it.

The shop is set up (:mod:`.catalog`: accounts, suppliers, products, the membership plan,
group campaigns) and then lives through its last 90 days (:mod:`.history`): a few hundred
members join through a referral tree with every rank, shop, open and join groups, get
their orders from the factories, earn, lose and withdraw commission. Everything goes
through the modules' services, the same code paths as the API, with the clock moved
through the days and the worker's sweeps run as the real worker runs them.

Idempotent: the set-up looks everything up before creating it, and the history is
recorded once per database (a second run replays its summary). Deterministic: the
history draws from a seeded ``random.Random``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import wiring
from quanzi.core import clock, db
from quanzi.core.money import format_yuan
from quanzi.demo import history
from quanzi.demo.catalog import (
    CAMPAIGNS,
    MEMBERS,
    OPERATOR,
    PASSWORD,
    PRODUCTS,
    SUPPLIERS,
    SeedReport,
    set_up,
)

__all__ = [
    "CAMPAIGNS",
    "MEMBERS",
    "OPERATOR",
    "PASSWORD",
    "PRODUCTS",
    "SUPPLIERS",
    "SeedReport",
    "describe",
    "seed",
    "seed_and_describe",
]

# What the story makes of the demo logins, beside their rank.
NOTES = {
    "13900000001": "team, commission pending/available/clawed back/withdrawn, a withdrawal waiting",
    "13900000003": "buys through 王小梅's links",
}
RANK_NAMES = {
    "shop_owner": "shop owner",
    "sales_manager": "sales manager",
    "service_manager": "service manager",
}


async def seed() -> tuple[SeedReport, dict[str, Any]]:
    """Seed the configured database (set-up, then the history once) and return what was
    found or made, with the history's summary."""
    report = SeedReport()
    found = await db.transaction(history.recorded)
    if found is not None:

        async def look_up(session: AsyncSession) -> None:
            await set_up(session, report)

        await db.transaction(look_up)
        return report, found
    return report, await history.seed(report, end=clock.now())


def _base_url(host: str, port: int) -> str:
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"  # listening everywhere; this machine reaches it on loopback
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _counts(figures: dict[str, int], labels: dict[str, str]) -> str:
    return ", ".join(f"{figures.get(key, 0)} {label}" for key, label in labels.items())


def _history_lines(summary: dict[str, Any]) -> list[str]:
    ranks = summary["ranks"]
    managers = len(ranks["sales_manager"]) + len(ranks["service_manager"])
    return [
        f"  {summary['days']} days of history: {summary['members']} members, "
        f"{ranks['shop_owner'] + managers} shop owners "
        f"({len(ranks['service_manager'])} service and {len(ranks['sales_manager'])} sales "
        f"managers), {summary['orders_paid']} orders paid, GMV "
        f"{format_yuan(summary['gmv_fen'])}, {summary['memberships_sold']} memberships sold",
        "  Groups: "
        + _counts(
            summary["groups"],
            {
                "pending": "waiting for the leader",
                "open": "open",
                "succeeded": "succeeded",
                "failed": "failed (refunded)",
            },
        )
        + "; batches: "
        + _counts(
            summary["batches"],
            {
                "collecting": "collecting",
                "created": "cut",
                "in_production": "in production",
                "produced": "produced and shipped",
            },
        ),
        "  Withdrawals: "
        + _counts(
            summary["withdrawals"],
            {"requested": "waiting for approval", "paid": "paid", "rejected": "rejected"},
        ),
        *_scene_lines(summary.get("scenes", {})),
    ]


def _scene_lines(scenes: dict[str, dict[str, str]]) -> list[str]:
    """Who leads the groups the last minutes left (a visitor can join or pay them)."""
    wording = {
        "waiting": "waiting for {name}'s payment ({phone})",
        "open": "{name}'s, with a seat left ({phone})",
        "filled": "{name}'s, filled a moment ago ({phone})",
    }
    live = [wording[scene].format(**scenes[scene]) for scene in wording if scene in scenes]
    return ["  Groups right now: " + "; ".join(live)] if live else []


def _login_lines(summary: dict[str, Any]) -> list[str]:
    ranks = summary.get("logins", {})
    lines = [f"  {'operator':<16} {OPERATOR[0]}  {OPERATOR[1]}"]
    for phone, name in MEMBERS:
        rank = RANK_NAMES.get(ranks.get(phone, ""))
        what = ", ".join(filter(None, (rank, NOTES.get(phone))))
        lines.append(f"  {'member':<16} {phone}  {name}" + (f"  ({what})" if what else ""))
    demo_phones = {phone for phone, _ in MEMBERS}
    for rank in ("service_manager", "sales_manager"):
        for person in summary["ranks"][rank]:
            if person["phone"] not in demo_phones:
                lines.append(f"  {RANK_NAMES[rank]:<16} {person['phone']}  {person['name']}")
    lines += [f"  {'supplier':<16} {s.staff_phone}  {s.staff_name}（{s.name}）" for s in SUPPLIERS]
    return lines


def describe(report: SeedReport, summary: dict[str, Any], host: str, port: int) -> str:
    """The text ``quanzi demo`` prints: what the shop holds, where to look, how to log in."""
    base = _base_url(host, port)
    made = ", ".join(
        f"{report.totals.get(kind, 0)} {kind} ({report.created.get(kind, 0)} new)"
        for kind in ("accounts", "suppliers", "products", "membership plans", "group campaigns")
    )
    categories = "、".join(dict.fromkeys(product.category for product in PRODUCTS))
    lines = [
        "Quanzi demo shop (圈子演示店) is ready.",
        f"  {made}",
        f"  Categories: {categories}",
        *_history_lines(summary),
        "",
        f"  Storefront         {base}/",
        f"  Shop-owner center  {base}/me",
        f"  Supplier portal    {base}/supplier",
        f"  Operator console   {base}/admin",
        f"  API docs           {base}/docs",
        f"  Products API       {base}/api/v1/products",
        "",
        f"Logins (password for all: {PASSWORD})",
        *_login_lines(summary),
        "",
        f"Log in: curl -X POST {base}/api/v1/auth/login -H 'content-type: application/json' "
        f"""-d '{{"phone":"{OPERATOR[0]}","password":"{PASSWORD}"}}'""",
    ]
    return "\n".join(lines)


async def seed_and_describe(host: str, port: int) -> str:
    """Seed the demo shop into the configured database (idempotently) and describe it."""
    wiring.install()
    try:
        report, summary = await seed()
    finally:
        # The CLI runs this in its own event loop; leave no pooled connection behind.
        await db.dispose()
    return describe(report, summary, host, port)
