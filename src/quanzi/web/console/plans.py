"""Membership plans in the console (``/admin/plans``): the list, creating and editing a
plan (price, duration, member prices, free shipping, partner benefits), taking it on or
off sale, and filling a partner benefit's pool of codes — through
``quanzi.membership.service`` like the API.

Partner benefits are typed one per line, ``partner | description``: the lines are the
plan's new list (matched to the existing benefits by partner name, whose pools are kept;
a partner left out is retired).
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError, Unprocessable
from quanzi.membership import rules, service
from quanzi.membership.plans import PartnerBenefitDraft, PlanChanges, PlanView
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.console import render_console
from quanzi.web.forms import (
    FormState,
    parse_id,
    parse_whole,
    parse_yuan,
    read_form,
    yuan_input,
)
from quanzi.web.render import redirect

router = APIRouter(prefix="/admin", route_class=TransactionalRoute, include_in_schema=False)

SECTION = "plans"
MAX_BENEFIT_DESCRIPTION = 300
# A pool upload is one code per line: room for the largest upload the service accepts.
CODES_FORM_BYTES = rules.MAX_CODES_PER_UPLOAD * (rules.MAX_CODE_LENGTH + 2) + 4096
DONE = ("created", "saved", "activated", "deactivated", "codes")

Done = Annotated[str | None, Query(max_length=20)]
Count = Annotated[int | None, Query(ge=0, le=rules.MAX_CODES_PER_UPLOAD)]

# Where a service refusal belongs on the plan form.
FIELD_OF = {
    "plan_name_taken": "name",
    "invalid_price": "price",
    "invalid_duration": "duration_days",
    "invalid_free_shipping": "free_shipping",
    "duplicate_partner": "benefits",
    "invalid_code": "codes",
    "too_many_codes": "codes",
    "benefit_not_found": "benefit",
}


def refuse(state: FormState, problem: ProblemError) -> None:
    """Put a refusal next to its field: ``invalid_plan`` names the field it is about
    (the plan's name, a partner's) or, without one, the benefit list."""
    if problem.code == "invalid_plan":
        state.refuse("name" if problem.extra.get("field") == "name" else "benefits", problem)
    else:
        state.refuse(FIELD_OF.get(problem.code, ""), problem)


def benefit_lines(drafts: list[PartnerBenefitDraft]) -> str:
    return "\n".join(
        f"{draft.partner} | {draft.description}" if draft.description else draft.partner
        for draft in drafts
    )


def parse_benefits(state: FormState) -> list[PartnerBenefitDraft]:
    """The ``benefits`` lines (``partner | description``) as drafts; blank lines are
    skipped, an over-long description is refused with its line."""
    drafts = []
    for number, line in enumerate(state.value("benefits").splitlines(), start=1):
        if not line.strip():
            continue
        partner, _, description = line.replace("｜", "|").partition("|")
        if len(description.strip()) > MAX_BENEFIT_DESCRIPTION:
            state.refuse(
                "benefits",
                Unprocessable("A benefit's description is too long.", code="invalid_plan"),
                text="console_plan_benefit_too_long",
                line=number,
                most=MAX_BENEFIT_DESCRIPTION,
            )
        drafts.append(PartnerBenefitDraft(partner=partner, description=description.strip()))
    return drafts


def plan_form(view: PlanView) -> FormState:
    plan = view.plan
    active = [
        PartnerBenefitDraft(b.benefit.partner, b.benefit.description)
        for b in view.benefits
        if b.benefit.active
    ]
    return FormState(
        {
            "name": plan.name,
            "price": yuan_input(plan.price_fen),
            "duration_days": str(plan.duration_days),
            "member_prices": "1" if plan.member_prices else "",
            "free_shipping": yuan_input(plan.free_shipping_threshold_fen),
            "benefits": benefit_lines(active),
        }
    )


def _amounts(state: FormState) -> tuple[int, int, int | None]:
    """Price, duration and free-shipping threshold (blank: none) as typed."""
    return (
        state.take("price", partial(parse_yuan, maximum_fen=rules.MAX_PLAN_PRICE_FEN), 0),
        state.take(
            "duration_days", partial(parse_whole, minimum=1, maximum=rules.MAX_DURATION_DAYS), 0
        ),
        state.optional(
            "free_shipping",
            partial(parse_yuan, minimum_fen=0, maximum_fen=rules.MAX_FREE_SHIPPING_THRESHOLD_FEN),
        ),
    )


# --- the list and a new plan ----------------------------------------------------------------


@router.get("/plans", response_class=HTMLResponse)
async def plan_list(visitor: PageVisitor) -> HTMLResponse:
    visitor.require_role("operator")
    views = await service.list_plans(visitor.session, active_only=False)
    return render_console(visitor, "console/plan_list.html", SECTION, {"views": views})


def _new_page(visitor: Visitor, state: FormState, *, status: int = 200) -> HTMLResponse:
    return render_console(visitor, "console/plan_new.html", SECTION, {"form": state}, status=status)


@router.get("/plans/new", response_class=HTMLResponse)
async def new_plan(visitor: PageVisitor) -> HTMLResponse:
    visitor.require_role("operator")
    return _new_page(visitor, FormState({"duration_days": "365", "member_prices": "1"}))


@router.post("/plans", response_class=HTMLResponse)
async def create_plan(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    state = FormState(form)
    price, days, free_shipping = _amounts(state)
    benefits = parse_benefits(state)
    try:
        if state.ok:
            view = await service.create_plan(
                visitor.session,
                name=state.value("name"),
                price_fen=price,
                duration_days=days,
                active=bool(state.value("active")),
                member_prices=bool(state.value("member_prices")),
                free_shipping_threshold_fen=free_shipping,
                partner_benefits=benefits,
            )
            return redirect(visitor, f"/admin/plans/{view.plan.id}?done=created")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem)
    return _new_page(visitor, state, status=state.status)


# --- one plan --------------------------------------------------------------------------------


async def _plan_page(
    visitor: Visitor,
    plan_id: uuid.UUID,
    *,
    form: FormState | None = None,
    codes_form: FormState | None = None,
    done: str | None = None,
    upload: dict[str, int] | None = None,
    status: int = 200,
) -> HTMLResponse:
    session = visitor.session
    view = await service.plan_view(session, await service.get_plan(session, plan_id))
    return render_console(
        visitor,
        "console/plan_page.html",
        SECTION,
        {
            "view": view,
            "plan": view.plan,
            "form": form or plan_form(view),
            "codes_form": codes_form or FormState(),
            "partner_options": [
                (str(b.benefit.id), b.benefit.partner) for b in view.benefits if b.benefit.active
            ],
            "done": done if done in DONE else None,
            "upload": upload,
        },
        status=status,
    )


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
async def plan_page(
    visitor: PageVisitor,
    plan_id: str,
    done: Done = None,
    added: Count = None,
    duplicates: Count = None,
    issued: Count = None,
) -> HTMLResponse:
    visitor.require_role("operator")
    upload = (
        {"added": added, "duplicates": duplicates or 0, "issued": issued or 0}
        if done == "codes" and added is not None
        else None
    )
    return await _plan_page(
        visitor, parse_id(plan_id, code="plan_not_found"), done=done, upload=upload
    )


@router.post("/plans/{plan_id}", response_class=HTMLResponse)
async def save_plan(visitor: PageVisitor, plan_id: str) -> Response:
    """Price and duration changes apply to purchases from now on."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(plan_id, code="plan_not_found")
    state = FormState(form)
    price, days, free_shipping = _amounts(state)
    benefits = parse_benefits(state)
    changes = PlanChanges(
        name=state.value("name"),
        price_fen=price,
        duration_days=days,
        member_prices=bool(state.value("member_prices")),
        free_shipping_threshold_fen=free_shipping,
        clear_free_shipping=free_shipping is None,
        partner_benefits=benefits,
    )
    try:
        if state.ok:
            await service.update_plan(visitor.session, found, changes)
            return redirect(visitor, f"/admin/plans/{found}?done=saved")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem)
    return await _plan_page(visitor, found, form=state, status=state.status)


@router.post("/plans/{plan_id}/active")
async def set_active(visitor: PageVisitor, plan_id: str) -> Response:
    """Put a plan on sale or take it off (members keep what they bought)."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(plan_id, code="plan_not_found")
    active = form.get("active") == "1"
    await service.update_plan(visitor.session, found, PlanChanges(active=active))
    return redirect(
        visitor, f"/admin/plans/{found}?done={'activated' if active else 'deactivated'}"
    )


@router.post("/plans/{plan_id}/codes", response_class=HTMLResponse)
async def upload_codes(visitor: PageVisitor, plan_id: str) -> Response:
    """Add codes to a partner benefit's pool (codes already there are skipped) and hand
    them at once to members waiting for one."""
    form = await read_form(visitor.request, max_bytes=CODES_FORM_BYTES, max_value=CODES_FORM_BYTES)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(plan_id, code="plan_not_found")
    state = FormState(form)
    codes = [line for line in state.value("codes").splitlines() if line.strip()]
    if not codes:
        state.refuse("codes", Unprocessable("Paste at least one code.", code="no_codes"))
    try:
        if state.ok:
            result = await service.upload_codes(
                visitor.session, found, state.value("benefit"), codes
            )
            counts = (
                f"added={result.added}&duplicates={result.duplicates}&issued={result.issued_now}"
            )
            return redirect(visitor, f"/admin/plans/{found}?done=codes&{counts}")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem)
    return await _plan_page(visitor, found, codes_form=state, status=state.status)
