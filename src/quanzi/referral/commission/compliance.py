"""The compliance guard on commission plans (禁止传销条例): the rules a plan must keep to
be stored, each named, with the reason, and the warnings an operator should read.
Pure: the tests call :func:`check_plan` directly."""

from __future__ import annotations

from dataclasses import dataclass

from quanzi.core.money import BP_DENOMINATOR
from quanzi.referral.commission.rules import (
    EARNING,
    MANAGER_RANKS,
    RANK_COUNTING,
    SALES_MANAGER,
    SERVICE_MANAGER,
    Plan,
)

# The sharer is level 1; each upline paid adds a level. 禁止传销条例 (2005) treats pay drawn
# from many levels of a recruitment chain as the mark of pyramid selling: three is the most
# a plan may pay (the default plan pays two).
MAX_DEPTH = 3
# The most that all levels together may take of a line's paid amount (50 %): beyond this a
# plan pays the chain more than the goods earn, which is recruitment dressed up as sales.
MAX_TOTAL_RATE_BP = 5_000
# The commission return window customers rely on (七天无理由退货) — releasing commission
# earlier means most refunds become clawbacks.
RETURN_WINDOW_DAYS = 7

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
