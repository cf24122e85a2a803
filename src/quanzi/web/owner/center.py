"""The center's front page (``/me``) and buying or renewing a membership
(``/me/membership``).

Buying goes through ``membership.service.buy`` exactly as ``POST /api/v1/memberships``
does: a ``membership`` order, then the sandbox payment page; paying it activates or extends
the membership, and the payment page brings the member back here. Every render of the page
carries a fresh idempotency key per form, so a double-clicked "buy" opens one order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from quanzi.core import clock, idempotency
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError
from quanzi.core.ids import new_id
from quanzi.identity.models import User
from quanzi.membership import rules as membership_rules
from quanzi.membership import service as membership
from quanzi.membership.plans import PlanView
from quanzi.referral import service as referral
from quanzi.referral.commission import service as commission
from quanzi.wallet import service as wallet
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.forms import parse_id, read_form
from quanzi.web.owner.frame import owner_page, percent
from quanzi.web.render import redirect

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

BUY_SCOPE = "web.membership"


@dataclass(frozen=True)
class Offer:
    """A plan on sale as this visitor sees it: what it gives, and until when a purchase
    now would make them a member (from today, or from their current expiry)."""

    view: PlanView
    until: datetime
    idem_key: str

    @property
    def partner_benefits(self) -> list[tuple[str, str]]:
        return [
            (b.benefit.partner, b.benefit.description)
            for b in self.view.benefits
            if b.benefit.active
        ]


@router.get("/me", response_class=HTMLResponse)
async def center(visitor: PageVisitor) -> HTMLResponse:
    user = visitor.require_user()
    session = visitor.session
    current = await membership.current_membership(session, user.id)
    plan = await membership.get_plan(session, current.plan_id) if current else None
    return owner_page(
        visitor,
        "center.html",
        {
            "membership": current,
            "plan": plan,
            "wallet": await wallet.summary(session, user.id),
            "rank": await referral.rank_of(session, user.id),
        },
        section="center",
    )


def _running(
    view: membership.MembershipView | None, now: datetime
) -> tuple[datetime, datetime] | None:
    """The member's current term, if their latest membership is active now."""
    if view is None:
        return None
    term = (view.membership.started_at, view.membership.expires_at)
    return term if membership_rules.is_active(*term, now) else None


async def _membership_page(
    visitor: Visitor, user: User, *, error: ProblemError | None = None
) -> HTMLResponse:
    session = visitor.session
    now = clock.now()
    latest = await membership.latest_membership(session, user.id)
    running = _running(latest, now)
    offers = [
        Offer(
            view=view,
            until=membership_rules.activation_term(
                now, running, view.plan.duration_days
            ).expires_at,
            idem_key=new_id().hex,
        )
        for view in await membership.list_plans(session, active_only=True)
    ]
    plan = await commission.current_plan(session)
    return owner_page(
        visitor,
        "membership.html",
        {
            "latest": latest,
            "active": running is not None,
            "offers": offers,
            "share_rate": percent(plan.share_rate_bp),
        },
        section="membership",
        error=error,
    )


@router.get("/me/membership", response_class=HTMLResponse)
async def membership_page(visitor: PageVisitor) -> HTMLResponse:
    return await _membership_page(visitor, visitor.require_user())


async def _buy(visitor: Visitor, user: User, form: dict[str, str]) -> str:
    """Open the membership order (once per form); where the member goes to pay."""
    session = visitor.session
    plan_id: uuid.UUID = parse_id(form.get("plan"), code="plan_not_found")

    async def work() -> str:
        view = await membership.buy(session, user_id=user.id, plan_id=plan_id)
        return f"/pay/{view.order.payment_id}"

    return await idempotency.redirect_once(
        session,
        scope=BUY_SCOPE,
        owner_id=user.id,
        key=form.get("idem"),
        payload={"plan": str(plan_id)},
        work=work,
    )


@router.post("/me/membership", response_class=HTMLResponse)
async def buy_membership(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    user = visitor.require_user()
    try:
        location = await _buy(visitor, user, form)
    except ProblemError as exc:
        # Nothing of this attempt is kept (no order, no claimed key): show the plans again.
        await visitor.start_over()
        return await _membership_page(visitor, user, error=exc)
    return redirect(visitor, location)
