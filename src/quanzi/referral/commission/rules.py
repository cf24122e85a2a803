"""Pure commission rules: the plan, its compliance check, the split of an order line's
commission over the sharer and their uplines, and the reversal of a refunded part.

No database and no clock: the tests call these directly with tables of cases.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from quanzi.core.money import BP_DENOMINATOR, apply_rate, proportional_part
from quanzi.ledger import rules as accounts
from quanzi.ledger.rules import Leg

# --- the plan ----------------------------------------------------------------------------

SALES_MANAGER = "sales_manager"
SERVICE_MANAGER = "service_manager"
MANAGER_RANKS = (SALES_MANAGER, SERVICE_MANAGER)
RANK_COUNTING = ("team", "direct")
EARNING = ("members", "everyone")

# The sharer is level 1; each upline paid adds a level. 禁止传销条例 (2005) treats pay drawn
# from many levels of a recruitment chain as the mark of pyramid selling: three is the most
# a plan may pay, two is the default.
MAX_DEPTH = 3
DEFAULT_DEPTH = 2
# The most that all levels together may take of a line's paid amount (50 %): beyond this a
# plan pays the chain more than the goods earn, which is recruitment dressed up as sales.
MAX_TOTAL_RATE_BP = 5_000
# The commission return window customers rely on (七天无理由退货) — releasing commission
# earlier means most refunds become clawbacks.
RETURN_WINDOW_DAYS = 7


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


# --- compliance ----------------------------------------------------------------------------

LAW = "禁止传销条例 (China's Regulations on Prohibition of Pyramid Selling)"


@dataclass(frozen=True)
class Finding:
    """One reason a plan is refused (an error) or should be reconsidered (a warning)."""

    rule: str
    message: str


@dataclass(frozen=True)
class PlanCheck:
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def _rates(plan: Plan) -> list[tuple[str, int]]:
    named = [("share_rate_bp", plan.share_rate_bp)]
    named += [(f"override_rates_bp[{i}]", r) for i, r in enumerate(plan.override_rates_bp)]
    named += [(f"category_rates_bp[{k}]", r) for k, r in plan.category_rates_bp.items()]
    named += [(f"sku_rates_bp[{k}]", r) for k, r in plan.sku_rates_bp.items()]
    named += [(f"rank_override_bp[{k}]", r) for k, r in plan.rank_override_bp.items()]
    return named


def check_plan(plan: Plan) -> PlanCheck:
    """Every reason to refuse ``plan`` (errors) and to think twice (warnings)."""
    errors: list[Finding] = []
    warnings: list[Finding] = []
    if plan.depth > MAX_DEPTH:
        errors.append(
            Finding(
                "max_depth",
                f"Rule max_depth: this plan pays {plan.depth} levels (the sharer and "
                f"{plan.depth - 1} uplines) but at most {MAX_DEPTH} levels may be paid, the "
                f"sharer counting as level 1. Pay drawn from many levels of a recruitment "
                f"chain is the hallmark of pyramid selling (传销) under {LAW}.",
            )
        )
    if plan.membership_fee_rate_bp != 0 or plan.recruit_reward_fen != 0:
        errors.append(
            Finding(
                "no_entry_fee_reward",
                "Rule no_entry_fee_reward: this plan pays for recruiting (membership_fee_rate_bp="
                f"{plan.membership_fee_rate_bp}, recruit_reward_fen={plan.recruit_reward_fen}). "
                "Paying people out of the membership fees of those they bring in is the "
                f"entry-fee (入门费) scheme {LAW} prohibits; commission may only be paid on "
                "goods sold, never on membership fees or on recruiting itself.",
            )
        )
    bad_rates = [name for name, rate in _rates(plan) if not 0 <= rate <= BP_DENOMINATOR]
    if bad_rates:
        errors.append(
            Finding(
                "rate_range",
                f"Rule rate_range: every rate must be between 0 and {BP_DENOMINATOR} basis "
                f"points; {', '.join(bad_rates)} is not.",
            )
        )
    elif plan.worst_case_rate_bp() > MAX_TOTAL_RATE_BP:
        errors.append(
            Finding(
                "max_total_rate",
                f"Rule max_total_rate: all levels together could take "
                f"{plan.worst_case_rate_bp()} basis points of a line (the highest sharer "
                f"rate, every override and a rank override on every upline level); the cap is "
                f"{MAX_TOTAL_RATE_BP}. A chain paid more than the goods can bear lives on "
                f"recruitment, not on sales ({LAW}).",
            )
        )
    errors.extend(_shape_errors(plan))
    if plan.team_volume_rule is not None:
        warnings.append(
            Finding(
                "team_volume",
                "Warning team_volume: this plan pays on team sales volume (团队计酬). "
                f"{LAW} lists pay computed from a downline's sales as a sign of pyramid "
                "selling; keep it tied to goods actually sold and delivered.",
            )
        )
    if any(rate > 0 for rate in plan.rank_override_bp.values()):
        warnings.append(
            Finding(
                "rank_override",
                "Warning rank_override: managers earn an override on their team's sales, a "
                f"team-volume rule (团队计酬) that {LAW} looks at closely; it stays inside "
                f"the {MAX_DEPTH}-level limit, but keep the rates modest.",
            )
        )
    if plan.freeze_days < RETURN_WINDOW_DAYS:
        warnings.append(
            Finding(
                "short_freeze",
                f"Warning short_freeze: commission becomes withdrawable {plan.freeze_days} days "
                f"after completion, inside the {RETURN_WINDOW_DAYS}-day return window; refunds "
                "will often claw back money members already hold.",
            )
        )
    return PlanCheck(tuple(errors), tuple(warnings))


def _shape_errors(plan: Plan) -> list[Finding]:
    errors: list[Finding] = []
    sales = plan.rank_thresholds.get(SALES_MANAGER, 0)
    service = plan.rank_thresholds.get(SERVICE_MANAGER, 0)
    if set(plan.rank_thresholds) != set(MANAGER_RANKS) or not 1 <= sales < service:
        errors.append(
            Finding(
                "rank_thresholds",
                "Rule rank_thresholds: give both sales_manager and service_manager, with "
                "1 ≤ sales_manager < service_manager shop owners.",
            )
        )
    if set(plan.base_pay_fen) != set(MANAGER_RANKS) or any(
        amount < 0 for amount in plan.base_pay_fen.values()
    ):
        errors.append(
            Finding(
                "base_pay",
                "Rule base_pay: give a base pay of 0 fen or more for sales_manager and "
                "service_manager.",
            )
        )
    if not set(plan.rank_override_bp) <= set(MANAGER_RANKS):
        errors.append(
            Finding(
                "rank_override",
                "Rule rank_override: only sales_manager and service_manager earn a rank override.",
            )
        )
    if plan.rank_counting not in RANK_COUNTING:
        errors.append(
            Finding("rank_counting", "Rule rank_counting: count either 'team' or 'direct'.")
        )
    if plan.earning not in EARNING:
        errors.append(
            Finding("earning", "Rule earning: either 'members' or 'everyone' earns commission.")
        )
    return errors


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
