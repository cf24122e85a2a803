"""Members (``/admin/members``): search by phone, name or invite code, and one member's
profile — roles, membership, rank, wallet, orders, the referral path up to the root and
the direct downlines. Read-only: every figure comes from the owning module's service."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from quanzi.core.db import TransactionalRoute
from quanzi.identity import service as identity
from quanzi.membership import service as membership
from quanzi.orders import service as orders
from quanzi.referral import service as referral
from quanzi.wallet import service as wallet
from quanzi.web.auth import PageVisitor
from quanzi.web.console import render_console
from quanzi.web.forms import parse_id

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 20
DOWNLINES = 20
PATH_DEPTH = 50

Search = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=64)]


@router.get("/admin/members", response_class=HTMLResponse)
async def members_page(visitor: PageVisitor, q: Search = "", before: Cursor = None) -> HTMLResponse:
    """Accounts matching ``q`` (phone, name or invite code), newest first, a page at a time."""
    visitor.require_role("operator")
    found = await identity.search_users(
        visitor.session, q, limit=PAGE_SIZE + 1, before_id=orders.parse_cursor(before)
    )
    shown = found[:PAGE_SIZE]
    next_url = None
    if len(found) > PAGE_SIZE:
        next_url = "/admin/members?" + urlencode({"q": q, "before": str(shown[-1].id)})
    return render_console(
        visitor,
        "console/members.html",
        "members",
        {"q": q, "members": shown, "next_url": next_url},
    )


@router.get("/admin/members/{member_id}", response_class=HTMLResponse)
async def member_page(visitor: PageVisitor, member_id: str, after: Cursor = None) -> HTMLResponse:
    """One member as an operator sees them; ``after`` pages through the direct downlines."""
    visitor.require_role("operator")
    session = visitor.session
    user = await identity.get_user(session, parse_id(member_id, code="user_not_found"))
    latest = await membership.latest_membership(session, user.id)
    current = await membership.current_membership(session, user.id)
    downlines = await referral.direct_invitees(
        session, user.id, after_id=orders.parse_cursor(after), limit=DOWNLINES
    )
    return render_console(
        visitor,
        "console/member.html",
        "members",
        {
            "member": user,
            "latest": latest,
            "active": current is not None,
            "rank": await referral.rank_of(session, user.id),
            "wallet": await wallet.summary(session, user.id),
            "totals": await orders.buyer_totals(session, user.id),
            "referral": await referral.member_referral(session, user.id, depth=PATH_DEPTH),
            "downlines": downlines.items,
            "downlines_next": (
                f"/admin/members/{user.id}?after={downlines.next_cursor}"
                if downlines.next_cursor
                else None
            ),
        },
    )
