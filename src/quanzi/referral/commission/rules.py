"""Pure commission rules: the plan, the split of an order line's commission over the
sharer and their uplines, the reversal of a refunded part, the ledger legs of each step
and the months of base pay. (The plan's compliance check is in ``compliance``.)

No database and no clock: the tests call these directly with tables of cases.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from quanzi.core.money import apply_rate, proportional_part
from quanzi.ledger import rules as accounts
from quanzi.ledger.rules import Leg

# --- the plan ----------------------------------------------------------------------------

SALES_MANAGER = "sales_manager"
SERVICE_MANAGER = "service_manager"
MANAGER_RANKS = (SALES_MANAGER, SERVICE_MANAGER)
RANK_COUNTING = ("team", "direct")
EARNING = ("members", "everyone")


@dataclass(frozen=True)
class Plan:
    """One version of the commission plan. Version 1 is :data:`DEFAULT_PLAN`."""

    version: int
    share_rate_bp: int
    override_rates_bp: tuple[int, ...]
    freeze_days: int = 7
    rank_thresholds: dict[str, int] = field(
        default_factory=lambda: {SALES_MANAGER: 90, SERVICE_MANAGER: 900}
    )
    rank_counting: str = "team"
    base_pay_fen: dict[str, int] = field(
        default_factory=lambda: {SALES_MANAGER: 50_000, SERVICE_MANAGER: 300_000}
    )
    category_rates_bp: dict[str, int] = field(default_factory=dict)
    sku_rates_bp: dict[str, int] = field(default_factory=dict)
    rank_override_bp: dict[str, int] = field(
        default_factory=lambda: {SALES_MANAGER: 0, SERVICE_MANAGER: 0}
    )
    earning: str = "members"
    team_volume_rule: dict[str, Any] | None = None
    # Never anything but 0 in a stored plan: the validator refuses both (入门费).
    membership_fee_rate_bp: int = 0
    recruit_reward_fen: int = 0
    created_at: datetime | None = None

    @property
    def depth(self) -> int:
        """How many levels are paid: the sharer plus one per override rate."""
        return 1 + len(self.override_rates_bp)

    def share_rate_for(self, sku_id: uuid.UUID, category: str) -> int:
        """The sharer's rate on a line: the SKU's own rate, else its category's, else the
        plan's share rate (分享赚)."""
        by_sku = self.sku_rates_bp.get(str(sku_id))
        if by_sku is not None:
            return by_sku
        return self.category_rates_bp.get(category, self.share_rate_bp)

    def level_rate(self, level: int, sku_id: uuid.UUID, category: str, rank: str | None) -> int:
        """Rate of ``level`` (1 = sharer) on a line; an upline who is a manager adds the
        rank override on top of the level's override."""
        if level == 1:
            return self.share_rate_for(sku_id, category)
        rate = self.override_rates_bp[level - 2]
        if rank is not None:
            rate += self.rank_override_bp.get(rank, 0)
        return rate

    def worst_case_rate_bp(self) -> int:
        """The highest total rate any line can pay: the best sharer rate, every override
        and a manager's rank override on every upline level."""
        share = max(
            [self.share_rate_bp, *self.category_rates_bp.values(), *self.sku_rates_bp.values()]
        )
        best_rank_override = max([0, *self.rank_override_bp.values()])
        return share + sum(self.override_rates_bp) + best_rank_override * (self.depth - 1)

    def terms(self) -> dict[str, Any]:
        """The plan as stored and as the API shows it (without version and date)."""
        return {
            "share_rate_bp": self.share_rate_bp,
            "override_rates_bp": list(self.override_rates_bp),
            "freeze_days": self.freeze_days,
            "rank_thresholds": dict(self.rank_thresholds),
            "rank_counting": self.rank_counting,
            "base_pay_fen": dict(self.base_pay_fen),
            "category_rates_bp": dict(self.category_rates_bp),
            "sku_rates_bp": dict(self.sku_rates_bp),
            "rank_override_bp": dict(self.rank_override_bp),
            "earning": self.earning,
            "team_volume_rule": None
            if self.team_volume_rule is None
            else dict(self.team_volume_rule),
            "membership_fee_rate_bp": self.membership_fee_rate_bp,
            "recruit_reward_fen": self.recruit_reward_fen,
        }


def plan_from_terms(
    terms: Mapping[str, Any], *, version: int, created_at: datetime | None = None
) -> Plan:
    """The inverse of :meth:`Plan.terms` (for stored versions and API input)."""
    defaults = Plan(version=0, share_rate_bp=0, override_rates_bp=())
    volume = terms.get("team_volume_rule")
    return Plan(
        version=version,
        share_rate_bp=int(terms["share_rate_bp"]),
        override_rates_bp=tuple(int(rate) for rate in terms["override_rates_bp"]),
        freeze_days=int(terms.get("freeze_days", defaults.freeze_days)),
        rank_thresholds=dict(terms.get("rank_thresholds", defaults.rank_thresholds)),
        rank_counting=str(terms.get("rank_counting", defaults.rank_counting)),
        base_pay_fen=dict(terms.get("base_pay_fen", defaults.base_pay_fen)),
        category_rates_bp=dict(terms.get("category_rates_bp", {})),
        sku_rates_bp={str(k): v for k, v in terms.get("sku_rates_bp", {}).items()},
        rank_override_bp=dict(terms.get("rank_override_bp", defaults.rank_override_bp)),
        earning=str(terms.get("earning", defaults.earning)),
        team_volume_rule=None if volume is None else dict(volume),
        membership_fee_rate_bp=int(terms.get("membership_fee_rate_bp", 0)),
        recruit_reward_fen=int(terms.get("recruit_reward_fen", 0)),
        created_at=created_at,
    )


DEFAULT_PLAN = Plan(version=1, share_rate_bp=1_000, override_rates_bp=(300,))


# --- the split -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SaleLine:
    """What commission is computed on: the line's paid amount (after discounts, no
    shipping)."""

    line_id: uuid.UUID
    sku_id: uuid.UUID
    category: str
    paid_fen: int


@dataclass(frozen=True)
class Share:
    line_id: uuid.UUID
    beneficiary_id: uuid.UUID
    level: int
    rate_bp: int
    base_fen: int
    amount_fen: int


def split_commission(
    plan: Plan,
    lines: Sequence[SaleLine],
    chain: Sequence[uuid.UUID],
    *,
    earners: Set[uuid.UUID],
    buyer_id: uuid.UUID,
    ranks: Mapping[uuid.UUID, str] | None = None,
) -> list[Share]:
    """Commission of every line for every level of ``chain`` (sharer first, then uplines
    nearest first; at most ``plan.depth`` are used).

    Each payout is ``floor(base × rate / 10000)`` per line and level: the platform keeps the
    fractions. A level whose member does not earn (not in ``earners``, or the buyer: a
    purchase never pays its own buyer) is skipped and its share paid to nobody. Zero
    amounts are left out.
    """
    ranks = ranks or {}
    shares: list[Share] = []
    for level, member in enumerate(chain[: plan.depth], start=1):
        if member not in earners or member == buyer_id:
            continue
        for line in lines:
            rate = plan.level_rate(level, line.sku_id, line.category, ranks.get(member))
            amount = apply_rate(line.paid_fen, rate)
            if amount > 0:
                shares.append(Share(line.line_id, member, level, rate, line.paid_fen, amount))
    return shares


def reversal_fen(
    *, amount_fen: int, reversed_fen: int, base_fen: int, refunded_before_fen: int, refund_fen: int
) -> int:
    """What a refund of ``refund_fen`` on a line takes back from one commission on it:
    ``floor(amount × refund / base)``, except that the refund completing the line takes
    back whatever is left, so a fully refunded line nets exactly zero."""
    if refunded_before_fen + refund_fen >= base_fen:
        return amount_fen - reversed_fen
    return proportional_part(amount_fen, refund_fen, base_fen)


# --- ledger legs ---------------------------------------------------------------------------


def _per_member(amounts: Sequence[tuple[uuid.UUID, int]]) -> dict[uuid.UUID, int]:
    totals: dict[uuid.UUID, int] = {}
    for member, amount in amounts:
        totals[member] = totals.get(member, 0) + amount
    return {member: total for member, total in totals.items() if total != 0}


def accrual_legs(shares: Sequence[Share]) -> list[Leg]:
    """Commission of an order, pending: the expense against each beneficiary's pending
    balance."""
    owed = _per_member([(s.beneficiary_id, s.amount_fen) for s in shares])
    return [
        Leg(accounts.COMMISSION_EXPENSE, sum(owed.values())),
        *(Leg(accounts.member_pending(m), -amount) for m, amount in sorted(owed.items())),
    ]


def reversal_legs(amounts: Sequence[tuple[uuid.UUID, int]], *, released: bool) -> list[Leg]:
    """Commission taken back after a refund: from pending (a reversal) or, once released,
    from available (a clawback, which may leave the balance below zero as a debt)."""
    taken = _per_member(amounts)
    account = accounts.member_available if released else accounts.member_pending
    return [
        *(Leg(account(m), amount) for m, amount in sorted(taken.items())),
        Leg(accounts.COMMISSION_EXPENSE, -sum(taken.values())),
    ]


def release_legs(amounts: Sequence[tuple[uuid.UUID, int]]) -> list[Leg]:
    """The freeze ended: what is left of each member's commission moves from pending to
    available."""
    legs: list[Leg] = []
    for member, amount in sorted(_per_member(amounts).items()):
        legs += [Leg(accounts.member_pending(member), amount)]
        legs += [Leg(accounts.member_available(member), -amount)]
    return legs


# --- base pay ------------------------------------------------------------------------------


def pay_month(at: datetime, timezone: ZoneInfo) -> str:
    """The month (``YYYY-MM``) ``at`` falls in, in the shop's time zone: base pay for it
    is due from the 1st at 00:00 local time."""
    local = at.astimezone(timezone)
    return f"{local.year:04d}-{local.month:02d}"


def previous_month(at: datetime, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants bounding the shop-time month before the one ``at`` falls in."""
    local = at.astimezone(timezone)
    this_month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    # Rebuild from the wall-clock fields so a DST offset change is respected.
    start = datetime(last_month.year, last_month.month, 1, tzinfo=timezone)
    end = datetime(this_month.year, this_month.month, 1, tzinfo=timezone)
    return start.astimezone(UTC), end.astimezone(UTC)


def earns_base_pay(plan: Plan, team_sales_fen: int) -> bool:
    """Under a team-volume rule, base pay needs that much team sales last month."""
    if plan.team_volume_rule is None:
        return True
    return team_sales_fen >= int(plan.team_volume_rule["min_monthly_team_sales_fen"])


def base_pay_legs(member_id: uuid.UUID, amount_fen: int) -> list[Leg]:
    return [
        Leg(accounts.BASE_PAY_EXPENSE, amount_fen),
        Leg(accounts.member_available(member_id), -amount_fen),
    ]
