from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from quanzi.core.money import BP_DENOMINATOR, MAX_AMOUNT_FEN
from quanzi.referral.commission.compliance import Finding, PlanCheck
from quanzi.referral.commission.models import Commission
from quanzi.referral.commission.rules import DEFAULT_PLAN, Plan, plan_from_terms

RateBp = Annotated[int, Field(ge=0, le=BP_DENOMINATOR)]
Category = Annotated[str, Field(min_length=1, max_length=60)]
# Generous ceilings so absurd input is refused before any work; the plan validator then
# applies the compliance rules with messages that name them.
MAX_LEVELS_ACCEPTED = 20
MAX_RATE_ENTRIES = 2_000
MAX_BASE_PAY_FEN = 100_000_000


class RankNumbers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sales_manager: int = Field(ge=0, le=10_000_000)
    service_manager: int = Field(ge=0, le=10_000_000)


class BasePayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sales_manager: int = Field(ge=0, le=MAX_BASE_PAY_FEN)
    service_manager: int = Field(ge=0, le=MAX_BASE_PAY_FEN)


class RankRates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sales_manager: int = Field(default=0, ge=0, le=BP_DENOMINATOR)
    service_manager: int = Field(default=0, ge=0, le=BP_DENOMINATOR)


class TeamVolumeRule(BaseModel):
    """Base pay only for managers whose team sold at least this much last month (orders
    that paid them commission at any level, net of refunds). Pay tied to a team's sales
    volume (团队计酬) is accepted with a warning."""

    model_config = ConfigDict(extra="forbid")

    min_monthly_team_sales_fen: int = Field(ge=0, le=MAX_AMOUNT_FEN)


def _default(name: str) -> Any:
    return DEFAULT_PLAN.terms()[name]


class CommissionPlanIn(BaseModel):
    """A new commission plan version. Payout depth = 1 + len(override_rates_bp)."""

    model_config = ConfigDict(extra="forbid")

    share_rate_bp: RateBp
    override_rates_bp: list[RateBp] = Field(max_length=MAX_LEVELS_ACCEPTED)
    freeze_days: int = Field(default=DEFAULT_PLAN.freeze_days, ge=0, le=365)
    rank_thresholds: RankNumbers = Field(
        default_factory=lambda: RankNumbers(**_default("rank_thresholds"))
    )
    rank_counting: Literal["team", "direct"] = "team"
    base_pay_fen: BasePayIn = Field(default_factory=lambda: BasePayIn(**_default("base_pay_fen")))
    category_rates_bp: dict[Category, RateBp] = Field(
        default_factory=dict, max_length=MAX_RATE_ENTRIES
    )
    sku_rates_bp: dict[uuid.UUID, RateBp] = Field(default_factory=dict, max_length=MAX_RATE_ENTRIES)
    rank_override_bp: RankRates = Field(default_factory=RankRates)
    earning: Literal["members", "everyone"] = "members"
    team_volume_rule: TeamVolumeRule | None = None
    # Pay on membership fees or for recruiting: refused whenever above zero (入门费). They
    # are accepted as fields so the refusal can say why, instead of "unknown field".
    membership_fee_rate_bp: RateBp = 0
    recruit_reward_fen: int = Field(default=0, ge=0, le=MAX_BASE_PAY_FEN)

    def draft(self) -> Plan:
        return plan_from_terms(self.model_dump(mode="json"), version=0)


class FindingOut(BaseModel):
    rule: str
    message: str


def findings(items: tuple[Finding, ...]) -> list[FindingOut]:
    return [FindingOut(rule=f.rule, message=f.message) for f in items]


class CommissionPlanOut(BaseModel):
    version: int
    share_rate_bp: int
    override_rates_bp: list[int]
    depth: int
    freeze_days: int
    rank_thresholds: dict[str, int]
    rank_counting: str
    base_pay_fen: dict[str, int]
    category_rates_bp: dict[str, int]
    sku_rates_bp: dict[str, int]
    rank_override_bp: dict[str, int]
    earning: str
    team_volume_rule: dict[str, Any] | None
    membership_fee_rate_bp: int
    recruit_reward_fen: int
    created_at: datetime | None
    warnings: list[FindingOut]


def plan_out(plan: Plan, check: PlanCheck) -> CommissionPlanOut:
    return CommissionPlanOut(
        version=plan.version,
        depth=plan.depth,
        created_at=plan.created_at,
        warnings=findings(check.warnings),
        **plan.terms(),
    )


CommissionStatus = Literal["pending", "available"]


class CommissionOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    order_line_id: uuid.UUID
    level: int
    rate_bp: int
    base_fen: int
    amount_fen: int
    reversed_fen: int
    net_fen: int
    status: CommissionStatus
    plan_version: int
    created_at: datetime


def commission_out(row: Commission) -> CommissionOut:
    return CommissionOut(
        id=row.id,
        order_id=row.order_id,
        order_line_id=row.order_line_id,
        level=row.level,
        rate_bp=row.rate_bp,
        base_fen=row.base_fen,
        amount_fen=row.amount_fen,
        reversed_fen=row.reversed_fen,
        net_fen=row.amount_fen - row.reversed_fen,
        status=cast(CommissionStatus, row.status),
        plan_version=row.plan_version,
        created_at=row.created_at,
    )


class CommissionPageOut(BaseModel):
    items: list[CommissionOut]
    next_cursor: str | None
