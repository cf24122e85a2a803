"""Group campaigns in the console (``/admin/campaigns``): the list with seats and sales,
creating a campaign on a SKU, and a campaign's page with its live and closed groups and
the operator's controls (pause, resume, end; move the end, change allotment and limit) —
through ``quanzi.groupbuy.campaigns`` like the API.

The service refuses bad terms with ``invalid_campaign`` and one English sentence per
broken rule, each starting with the field it is about; the page puts each rule, in the
operator's language, next to that field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import queries as catalog
from quanzi.catalog import rules as catalog_rules
from quanzi.catalog import stock
from quanzi.core import clock
from quanzi.core.config import get_settings
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError, Unprocessable
from quanzi.groupbuy import campaigns, queries, rules, seats
from quanzi.groupbuy.models import Group, GroupCampaign
from quanzi.groupbuy.schemas import MAX_STOCK
from quanzi.identity import service as identity
from quanzi.web import display
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.console import render_console
from quanzi.web.forms import (
    FormState,
    local_input,
    optional_id,
    parse_id,
    parse_local_time,
    parse_whole,
    parse_yuan,
    read_form,
)
from quanzi.web.render import redirect

router = APIRouter(prefix="/admin", route_class=TransactionalRoute, include_in_schema=False)

SECTION = "campaigns"
LISTED = 100
GROUPS_SHOWN = 100
# The same bound as the API's per-user limit.
MAX_PER_USER = 1000
DONE = ("created", "saved", "paused", "resumed", "ended")
STATUS_DONE = {"paused": "paused", "active": "resumed", "ended": "ended"}
LIVE, CLOSED = (seats.PENDING, seats.OPEN), (seats.SUCCEEDED, seats.FAILED)

SkuParam = Annotated[str | None, Query(max_length=64)]
Done = Annotated[str | None, Query(max_length=20)]

# The service words each broken rule starting with the field's API name: which form
# field it is about and the message that explains it.
RULES = {
    "group_price_fen": ("group_price", "console_campaign_rule_group_price"),
    "group_size": ("group_size", "console_campaign_rule_group_size"),
    "duration_minutes": ("duration_minutes", "console_campaign_rule_duration"),
    "ends_at": ("ends_at", "console_campaign_rule_ends_at"),
    "stock_allotted": ("stock_allotted", "console_campaign_rule_allotment"),
    "per_user_limit": ("per_user_limit", "console_campaign_rule_per_user_limit"),
    "leader_discount_fen": ("leader_discount", "console_campaign_rule_leader_discount"),
    "platform_fill_seats": ("platform_fill_seats", "console_campaign_rule_platform_fill"),
}
FIELD_OF = {
    "sku_not_found": "sku",
    "sku_unavailable": "sku",
    "allotment_below_taken": "stock_allotted",
}


def phase(campaign: GroupCampaign, now: datetime) -> str:
    """Where a campaign stands: its status, and for an active one whether it has begun
    and whether it is over."""
    if campaign.status != "active":
        return campaign.status
    if now < campaign.starts_at:
        return "scheduled"
    if now >= campaign.ends_at:
        return "over"
    return "running"


def refuse(state: FormState, problem: ProblemError, *, solo_price_fen: int | None) -> None:
    """Put a refusal next to the fields it is about: each broken rule of an
    ``invalid_campaign`` on its own field, other refusals by their code."""
    broken = problem.extra.get("problems") if problem.code == "invalid_campaign" else None
    if not broken:
        state.refuse(FIELD_OF.get(problem.code, ""), problem)
        return
    for sentence in broken:
        found = RULES.get(str(sentence).split(" ", 1)[0])
        if found is None:
            state.refuse("", problem)
            continue
        name, text = found
        state.refuse(
            name,
            problem,
            text=text,
            solo=display.yuan(solo_price_fen) if solo_price_fen is not None else "—",
            low=rules.MIN_GROUP_SIZE,
            high=rules.MAX_GROUP_SIZE,
            longest=rules.MAX_DURATION_MINUTES,
        )


# --- the list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignRow:
    campaign: GroupCampaign
    phase: str
    solo_price_fen: int | None
    figures: queries.CampaignFigures


@router.get("/campaigns", response_class=HTMLResponse)
async def campaign_list(visitor: PageVisitor, done: Done = None) -> HTMLResponse:
    visitor.require_role("operator")
    session = visitor.session
    found = await campaigns.list_campaigns(session, running_only=False, limit=LISTED)
    facts = await stock.load_sku_facts(session, [c.sku_id for c in found])
    figures = await queries.campaign_figures(session, [c.id for c in found])
    now = clock.now()
    rows = [
        CampaignRow(
            campaign=c,
            phase=phase(c, now),
            solo_price_fen=facts[c.sku_id].price_fen if c.sku_id in facts else None,
            figures=figures.get(c.id, queries.CampaignFigures()),
        )
        for c in found
    ]
    return render_console(
        visitor, "console/campaign_list.html", SECTION, {"rows": rows, "limit": LISTED}
    )


# --- a new campaign ------------------------------------------------------------------------


async def _sku_options(session: AsyncSession, chosen: uuid.UUID | None) -> list[tuple[str, str]]:
    """SKUs on sale of the newest products as ``(id, "title · SKU · price")``, plus the
    chosen SKU when it is older than those."""
    page = await catalog.list_products(
        session, public=False, status="active", limit=catalog_rules.MAX_PAGE_SIZE
    )
    options = [
        (str(sku.id), f"{view.product.title} · {sku.name} · {display.yuan(sku.price_fen)}")
        for view in page.items
        for sku in view.on_sale
    ]
    if chosen is not None and str(chosen) not in {value for value, _ in options}:
        facts = (await stock.load_sku_facts(session, [chosen])).get(chosen)
        if facts is not None:
            label = f"{facts.title} · {facts.sku_name} · {display.yuan(facts.price_fen)}"
            options.insert(0, (str(chosen), label))
    return options


def blank_form(sku: str) -> FormState:
    return FormState(
        {
            "sku": sku,
            "group_size": "2",
            "duration_minutes": str(24 * 60),
            "per_user_limit": "1",
            "leader_discount": "0",
            "platform_fill_seats": "0",
        }
    )


async def _new_page(visitor: Visitor, state: FormState, *, status: int = 200) -> HTMLResponse:
    chosen = optional_id(state.value("sku"))
    return render_console(
        visitor,
        "console/campaign_new.html",
        SECTION,
        {
            "form": state,
            "sku_options": await _sku_options(visitor.session, chosen),
            "timezone": get_settings().shop_timezone,
            "default_days": campaigns.DEFAULT_CAMPAIGN_DAYS,
        },
        status=status,
    )


@router.get("/campaigns/new", response_class=HTMLResponse)
async def new_campaign(visitor: PageVisitor, sku: SkuParam = None) -> HTMLResponse:
    visitor.require_role("operator")
    picked = optional_id(sku)
    return await _new_page(visitor, blank_form(str(picked) if picked else ""))


def _terms(state: FormState) -> dict[str, Any]:
    """The campaign's terms as typed, as keywords of ``campaigns.create_campaign``."""
    timezone = get_settings().timezone
    when = partial(parse_local_time, timezone=timezone)
    return {
        "group_price_fen": state.take("group_price", parse_yuan, 0),
        "group_size": state.take(
            "group_size",
            partial(parse_whole, minimum=rules.MIN_GROUP_SIZE, maximum=rules.MAX_GROUP_SIZE),
            0,
        ),
        "duration_minutes": state.take(
            "duration_minutes",
            partial(parse_whole, minimum=1, maximum=rules.MAX_DURATION_MINUTES),
            0,
        ),
        "starts_at": state.optional("starts_at", when),
        "ends_at": state.optional("ends_at", when),
        "stock_allotted": state.optional(
            "stock_allotted", partial(parse_whole, minimum=0, maximum=MAX_STOCK)
        ),
        "per_user_limit": state.take(
            "per_user_limit", partial(parse_whole, minimum=1, maximum=MAX_PER_USER), 1
        ),
        "leader_discount_fen": state.optional("leader_discount", partial(parse_yuan, minimum_fen=0))
        or 0,
        "platform_fill_seats": state.optional(
            "platform_fill_seats", partial(parse_whole, minimum=0, maximum=rules.MAX_GROUP_SIZE)
        )
        or 0,
    }


async def _solo_price(session: AsyncSession, sku_id: uuid.UUID | None) -> int | None:
    if sku_id is None:
        return None
    facts = (await stock.load_sku_facts(session, [sku_id])).get(sku_id)
    return None if facts is None else facts.price_fen


@router.post("/campaigns", response_class=HTMLResponse)
async def create_campaign(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    state = FormState(form)
    sku_id = state.optional("sku", partial(parse_id, code="sku_not_found"))
    if sku_id is None and "sku" not in state.problems:
        state.refuse("sku", Unprocessable("Pick a SKU.", code="sku_required"))
    terms = _terms(state)
    try:
        if state.ok and sku_id is not None:
            campaign = await campaigns.create_campaign(visitor.session, sku_id=sku_id, **terms)
            return redirect(visitor, f"/admin/campaigns/{campaign.id}?done=created")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem, solo_price_fen=await _solo_price(visitor.session, sku_id))
    return await _new_page(visitor, state, status=state.status)


# --- one campaign --------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    """A group as the operator watches it."""

    group: Group
    leader_name: str
    seconds_left: int

    @property
    def unpaid(self) -> int:
        return self.group.seats_taken - self.group.paid_count


async def _groups(
    session: AsyncSession, campaign_id: uuid.UUID, statuses: tuple[str, ...]
) -> list[Group]:
    found: list[Group] = []
    for status in statuses:
        found += await queries.list_groups(
            session, campaign_id=campaign_id, status=status, limit=GROUPS_SHOWN
        )
    return sorted(found, key=lambda group: group.id, reverse=True)[:GROUPS_SHOWN]


async def _group_rows(session: AsyncSession, groups: list[Group]) -> list[GroupRow]:
    names = await identity.display_names(session, [group.leader_id for group in groups])
    now = clock.now()
    return [
        GroupRow(
            group=group,
            leader_name=names.get(group.leader_id, "?"),
            seconds_left=rules.seconds_left(group.expires_at, now)
            if group.status == seats.OPEN
            else 0,
        )
        for group in groups
    ]


def settings_form(campaign: GroupCampaign) -> FormState:
    return FormState(
        {
            "ends_at": local_input(campaign.ends_at, get_settings().timezone),
            "stock_allotted": str(campaign.stock_allotted),
            "per_user_limit": str(campaign.per_user_limit),
        }
    )


async def _campaign_page(
    visitor: Visitor,
    campaign_id: uuid.UUID,
    *,
    form: FormState | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    session = visitor.session
    view = await queries.campaign_view(session, campaign_id)
    campaign = view.campaign
    figures = await queries.campaign_figures(session, [campaign.id])
    return render_console(
        visitor,
        "console/campaign_page.html",
        SECTION,
        {
            "campaign": campaign,
            "phase": phase(campaign, clock.now()),
            "solo_price_fen": view.solo_price_fen,
            "figures": figures.get(campaign.id, queries.CampaignFigures()),
            "live": await _group_rows(session, await _groups(session, campaign.id, LIVE)),
            "closed": await _group_rows(session, await _groups(session, campaign.id, CLOSED)),
            "form": form or settings_form(campaign),
            "leader_price_fen": campaign.group_price_fen - campaign.leader_discount_fen,
            "done": done if done in DONE else None,
        },
        status=status,
    )


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def campaign_page(visitor: PageVisitor, campaign_id: str, done: Done = None) -> HTMLResponse:
    visitor.require_role("operator")
    return await _campaign_page(
        visitor, parse_id(campaign_id, code="campaign_not_found"), done=done
    )


@router.post("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def save_campaign(visitor: PageVisitor, campaign_id: str) -> Response:
    """Move the end, change the allotment (never below the seats held) or the limit."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(campaign_id, code="campaign_not_found")
    state = FormState(form)
    ends_at = state.take(
        "ends_at", partial(parse_local_time, timezone=get_settings().timezone), None
    )
    allotted = state.take(
        "stock_allotted", partial(parse_whole, minimum=0, maximum=MAX_STOCK), None
    )
    limit = state.take(
        "per_user_limit", partial(parse_whole, minimum=1, maximum=MAX_PER_USER), None
    )
    try:
        if state.ok:
            await campaigns.update_campaign(
                visitor.session,
                found,
                ends_at=ends_at,
                stock_allotted=allotted,
                per_user_limit=limit,
            )
            return redirect(visitor, f"/admin/campaigns/{found}?done=saved")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem, solo_price_fen=None)
    return await _campaign_page(visitor, found, form=state, status=state.status)


@router.post("/campaigns/{campaign_id}/status")
async def set_status(visitor: PageVisitor, campaign_id: str) -> Response:
    """Pause (no new groups or joins), resume, or end for good."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(campaign_id, code="campaign_not_found")
    status = form.get("status", "")
    await campaigns.update_campaign(visitor.session, found, status=status)
    return redirect(visitor, f"/admin/campaigns/{found}?done={STATUS_DONE[status]}")
