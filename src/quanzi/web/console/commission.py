"""The commission plan editor (``/admin/commission-plan``): the plan in force and its
history, and a form for the next version — through ``quanzi.referral.commission.plans``
like the API, so the same compliance validator (禁止传销条例) decides.

Rates are typed in percent (two decimals at most, stored as basis points) and money in
yuan. A refused plan comes back with everything typed kept and each broken rule, named
and explained in the operator's language, next to the form; a stored plan's warnings
(team-volume pay, a short freeze) are shown the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from quanzi.catalog import rules as catalog_rules
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError, Unprocessable
from quanzi.core.money import MAX_AMOUNT_FEN
from quanzi.identity import service as identity
from quanzi.referral.commission import compliance, plans
from quanzi.referral.commission.compliance import Finding
from quanzi.referral.commission.rules import EARNING, MANAGER_RANKS, RANK_COUNTING, Plan
from quanzi.referral.commission.schemas import (
    MAX_BASE_PAY_FEN,
    MAX_RATE_ENTRIES,
    CommissionPlanIn,
)
from quanzi.web import display, i18n
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.console import render_console
from quanzi.web.forms import (
    FormState,
    optional_id,
    parse_percent,
    parse_whole,
    parse_yuan,
    percent_input,
    read_form,
    yuan_input,
)
from quanzi.web.render import redirect

router = APIRouter(prefix="/admin", route_class=TransactionalRoute, include_in_schema=False)

SECTION = "commission"
HISTORY = 50
# Upline levels offered by the form (levels 2..5): more than the law allows, so that a
# plan paying too deep is refused with the rule that forbids it rather than untypable.
OVERRIDE_LEVELS = range(2, 6)
# The API's bounds (``CommissionPlanIn``, which checks the terms again before saving).
MAX_RANK_COUNT = 10_000_000
MAX_FREEZE_DAYS = 365
# Room for the most category and SKU rate lines the API accepts.
RATE_LINES_BYTES = 256 * 1024

Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
FromVersion = Annotated[int | None, Query(alias="from", ge=1, le=2**31 - 1)]
Saved = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


@dataclass(frozen=True)
class Note:
    """A compliance finding as the operator reads it: the rule's name and what it says."""

    rule: str
    text: str


def _values(plan: Plan) -> dict[str, Any]:
    """What a plan's messages may mention: depth, rates in percent, freeze days."""
    return {
        "depth": plan.depth,
        "most": compliance.MAX_DEPTH,
        "total": percent_input(plan.worst_case_rate_bp()),
        "cap": percent_input(compliance.MAX_TOTAL_RATE_BP),
        "fee": percent_input(plan.membership_fee_rate_bp),
        "reward": display.yuan(plan.recruit_reward_fen),
        "days": plan.freeze_days,
        "window": compliance.RETURN_WINDOW_DAYS,
    }


def notes(lang: str, kind: str, findings: list[dict[str, str]], plan: Plan) -> list[Note]:
    """Findings (``{"rule", "message"}``) worded in ``lang``; a rule this page has no
    words for keeps the validator's own message."""
    values = _values(plan)
    worded = []
    for finding in findings:
        key = f"console_commission_{kind}_{finding['rule']}"
        text = i18n.translate(lang, key, **values) if key in i18n.MESSAGES else finding["message"]
        worded.append(Note(rule=finding["rule"], text=text))
    return worded


def _as_dicts(findings: tuple[Finding, ...]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "message": f.message} for f in findings]


# --- the plan as a form ----------------------------------------------------------------------


def _rate_lines(rates: dict[str, int]) -> str:
    return "\n".join(f"{name} = {percent_input(rate)}" for name, rate in rates.items())


def plan_values(plan: Plan) -> dict[str, str]:
    """A plan as the editor's fields show it."""
    values = {
        "share_rate": percent_input(plan.share_rate_bp),
        "freeze_days": str(plan.freeze_days),
        "rank_counting": plan.rank_counting,
        "earning": plan.earning,
        "category_rates": _rate_lines(plan.category_rates_bp),
        "sku_rates": _rate_lines(plan.sku_rates_bp),
        "membership_fee_rate": percent_input(plan.membership_fee_rate_bp),
        "recruit_reward": yuan_input(plan.recruit_reward_fen),
        "team_volume": "1" if plan.team_volume_rule is not None else "",
        "team_volume_min": yuan_input(
            None
            if plan.team_volume_rule is None
            else int(plan.team_volume_rule["min_monthly_team_sales_fen"])
        ),
    }
    for level, rate in zip(OVERRIDE_LEVELS, plan.override_rates_bp, strict=False):
        values[f"override_{level}"] = percent_input(rate)
    for rank in MANAGER_RANKS:
        values[f"{rank}_threshold"] = str(plan.rank_thresholds.get(rank, 0))
        values[f"{rank}_base_pay"] = yuan_input(plan.base_pay_fen.get(rank, 0))
        values[f"{rank}_override"] = percent_input(plan.rank_override_bp.get(rank, 0))
    return values


def _overrides(state: FormState) -> list[int]:
    """Upline rates, level 2 first; a level left blank ends the list, so a level typed
    after a blank one is refused (levels are paid one after the other)."""
    rates: list[int] = []
    blank_seen = False
    for level in OVERRIDE_LEVELS:
        name = f"override_{level}"
        rate = state.optional(name, parse_percent)
        if rate is None:
            blank_seen = blank_seen or name not in state.problems
            continue
        if blank_seen:
            state.refuse(
                name,
                Unprocessable("A level after an unpaid one.", code="level_gap"),
                text="console_commission_level_gap",
                level=level,
            )
        rates.append(rate)
    return rates


def _rate_table(state: FormState, name: str, *, ids: bool) -> dict[str, int]:
    """``name = rate %`` lines (a category, or a SKU id when ``ids``); a bad line is
    refused with its number."""
    rates: dict[str, int] = {}
    for number, line in enumerate(state.value(name).splitlines(), start=1):
        if not line.strip():
            continue
        key, sign, rate = line.replace("＝", "=").rpartition("=")
        try:
            if not sign:
                raise Unprocessable("Write name = rate.", code="invalid_rate_line")
            if ids:
                sku_id = optional_id(key.strip())
                if sku_id is None:
                    raise Unprocessable("Not a SKU id.", code="invalid_rate_line")
                key = str(sku_id)
            else:
                key = catalog_rules.clean_line(
                    key, field="category", max_length=catalog_rules.MAX_CATEGORY
                )
            rates[key] = parse_percent(rate)
        except ProblemError as problem:
            state.refuse(name, problem, text="console_commission_bad_line", line=number)
    if len(rates) > MAX_RATE_ENTRIES:
        state.refuse(
            name,
            Unprocessable("Too many rates.", code="invalid_rate_line"),
            text="console_commission_too_many_lines",
            most=MAX_RATE_ENTRIES,
        )
    return rates


def terms_from(state: FormState) -> dict[str, Any]:
    """The plan's terms as typed, shaped like the API's ``PUT /admin/commission-plan``."""
    whole = partial(parse_whole, minimum=0, maximum=MAX_RANK_COUNT)
    base_pay = partial(parse_yuan, minimum_fen=0, maximum_fen=MAX_BASE_PAY_FEN)
    terms: dict[str, Any] = {
        "share_rate_bp": state.take("share_rate", parse_percent, 0),
        "override_rates_bp": _overrides(state),
        "freeze_days": state.take(
            "freeze_days", partial(parse_whole, minimum=0, maximum=MAX_FREEZE_DAYS), 0
        ),
        "rank_thresholds": {
            rank: state.take(f"{rank}_threshold", whole, 0) for rank in MANAGER_RANKS
        },
        "rank_counting": state.value("rank_counting"),
        "base_pay_fen": {
            rank: state.take(f"{rank}_base_pay", base_pay, 0) for rank in MANAGER_RANKS
        },
        "category_rates_bp": _rate_table(state, "category_rates", ids=False),
        "sku_rates_bp": _rate_table(state, "sku_rates", ids=True),
        "rank_override_bp": {
            rank: state.optional(f"{rank}_override", parse_percent) or 0 for rank in MANAGER_RANKS
        },
        "earning": state.value("earning"),
        "team_volume_rule": None,
        "membership_fee_rate_bp": state.optional("membership_fee_rate", parse_percent) or 0,
        "recruit_reward_fen": state.optional("recruit_reward", base_pay) or 0,
    }
    if state.value("team_volume"):
        terms["team_volume_rule"] = {
            "min_monthly_team_sales_fen": state.take(
                "team_volume_min",
                partial(parse_yuan, minimum_fen=0, maximum_fen=MAX_AMOUNT_FEN),
                0,
            )
        }
    for name, allowed in (("rank_counting", RANK_COUNTING), ("earning", EARNING)):
        if terms[name] not in allowed:
            state.refuse(name, Unprocessable("Pick one of the choices.", code="invalid_choice"))
    return terms


# --- pages -----------------------------------------------------------------------------------


async def _editor(
    visitor: Visitor,
    state: FormState,
    *,
    refusals: list[Note] | None = None,
    draft_warnings: list[Note] | None = None,
    saved: int | None = None,
    status: int = 200,
) -> HTMLResponse:
    session = visitor.session
    current = await plans.current_plan(session)
    history = await plans.plan_history(session, limit=HISTORY)
    names = await identity.display_names(
        session, [entry.created_by for entry in history if entry.created_by is not None]
    )
    warnings = compliance.check_plan(current).warnings
    return render_console(
        visitor,
        "console/commission_page.html",
        SECTION,
        {
            "current": current,
            "current_warnings": notes(visitor.lang, "warning", _as_dicts(warnings), current),
            "history": history,
            "names": names,
            "form": state,
            "refusals": refusals or [],
            "draft_warnings": draft_warnings or [],
            "saved": saved,
            "levels": OVERRIDE_LEVELS,
            "ranks": MANAGER_RANKS,
            "max_depth": compliance.MAX_DEPTH,
            "percent": percent_input,
        },
        status=status,
    )


@router.get("/commission-plan", response_class=HTMLResponse)
async def commission_plan(
    visitor: PageVisitor, saved: Saved = None, start: FromVersion = None
) -> HTMLResponse:
    """The plan in force in the editor (or an earlier version, ``?from=``, to start from)."""
    visitor.require_role("operator")
    session = visitor.session
    plan = await (
        plans.current_plan(session) if start is None else plans.plan_version(session, start)
    )
    return await _editor(visitor, FormState(plan_values(plan)), saved=saved)


@router.post("/commission-plan", response_class=HTMLResponse)
async def save_commission_plan(visitor: PageVisitor) -> Response:
    """Store the next version if the compliance validator passes it."""
    form = await read_form(visitor.request, max_bytes=RATE_LINES_BYTES, max_value=RATE_LINES_BYTES)
    check_csrf(visitor, form)
    user = visitor.require_role("operator")
    state = FormState(form)
    terms = terms_from(state)
    if not state.ok:
        return await _editor(visitor, state, status=state.status)
    try:
        draft = CommissionPlanIn.model_validate(terms).draft()
    except ValidationError:
        state.refuse("", Unprocessable("The plan is not valid.", code="validation_error"))
        return await _editor(visitor, state, status=state.status)
    try:
        plan, _ = await plans.set_plan(visitor.session, draft, actor_id=user.id)
    except plans.PlanNotCompliant as refusal:
        await visitor.start_over()
        state.refuse("", refusal)
        lang = visitor.lang
        return await _editor(
            visitor,
            state,
            refusals=notes(lang, "refusal", refusal.extra["violations"], draft),
            draft_warnings=notes(lang, "warning", refusal.extra["warnings"], draft),
            status=refusal.status,
        )
    return redirect(visitor, f"/admin/commission-plan?saved={plan.version}")


@router.get("/commission-plan/versions/{version}", response_class=HTMLResponse)
async def plan_version(visitor: PageVisitor, version: Version) -> HTMLResponse:
    """An earlier (or the current) version, read-only: orders keep the version they were
    paid under."""
    visitor.require_role("operator")
    session = visitor.session
    plan = await plans.plan_version(session, version)
    current = await plans.current_plan(session)
    warnings = compliance.check_plan(plan).warnings
    return render_console(
        visitor,
        "console/commission_version.html",
        SECTION,
        {
            "plan": plan,
            "is_current": plan.version == current.version,
            "warnings": notes(visitor.lang, "warning", _as_dicts(warnings), plan),
            "ranks": MANAGER_RANKS,
            "percent": percent_input,
        },
    )
