"""My team and the way to the next rank (``/me/team``), and the star shop owners of a
month (``/me/leaderboard``), read through the referral service as ``GET /api/v1/me/team``,
``/me/team/members`` and ``/leaderboard`` do."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from quanzi.core.config import get_settings
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import Unprocessable
from quanzi.orders.service import parse_cursor
from quanzi.referral import rules as referral_rules
from quanzi.referral import service as referral
from quanzi.referral.teams import current_month
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor
from quanzi.web.owner.frame import PAGE_SIZE, Cursor, owner_page
from quanzi.web.qr import qr_svg

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

LEADERBOARD_SIZE = 50
Month = Annotated[str | None, Query(max_length=7)]
# The ladder shown on the team page, lowest first.
LADDER = (referral_rules.SHOP_OWNER, referral_rules.SALES_MANAGER, referral_rules.SERVICE_MANAGER)


def invite_url(code: str) -> str:
    """The sign-up page with my invite code: whoever registers from it joins my team."""
    return f"{get_settings().base_url.rstrip('/')}/register?invite={quote(code)}"


def month_step(month: str, step: int) -> str:
    """``YYYY-MM`` moved by ``step`` months (``2026-01``, -1 → ``2025-12``)."""
    year, number = int(month[:4]), int(month[5:7])
    index = year * 12 + number - 1 + step
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@router.get("/me/team", response_class=HTMLResponse)
async def team_page(visitor: PageVisitor, cursor: Cursor = None) -> HTMLResponse:
    user = visitor.require_user()
    session = visitor.session
    view = await referral.team_view(session, user.id)
    invitees = await referral.direct_invitees(
        session, user.id, after_id=parse_cursor(cursor), limit=PAGE_SIZE
    )
    link = invite_url(user.invite_code)
    node = view.node
    thresholds = {
        referral_rules.SALES_MANAGER: view.rank_rules.sales_manager,
        referral_rules.SERVICE_MANAGER: view.rank_rules.service_manager,
    }
    return owner_page(
        visitor,
        "team.html",
        {
            "view": view,
            "counts": {
                "direct_count": node.direct_count if node else 0,
                "direct_owner_count": node.direct_owner_count if node else 0,
                "team_size": node.team_size if node else 0,
                "team_count": node.team_count if node else 0,
            },
            "team_sales_fen": node.team_sales_fen if node else 0,
            "ladder": [(rank, thresholds.get(rank)) for rank in LADDER],
            "invitees": invitees.items,
            "invite_link": link,
            "qr": qr_svg(link, title=i18n.translate(visitor.lang, "owner_invite_qr_alt")),
            "next_url": f"/me/team?cursor={invitees.next_cursor}" if invitees.next_cursor else None,
        },
        section="team",
    )


@router.get("/me/leaderboard", response_class=HTMLResponse)
async def leaderboard_page(visitor: PageVisitor, month: Month = None) -> HTMLResponse:
    user = visitor.require_user()
    this_month = current_month()
    chosen = this_month if not month else referral_rules.parse_month(month)
    if chosen is None or chosen > this_month:
        raise Unprocessable(
            "month must look like 2026-11, not in the future.", code="invalid_month"
        )
    stars = await referral.leaderboard(visitor.session, month=chosen, limit=LEADERBOARD_SIZE)
    mine = next((star for star in stars if star.user_id == user.id), None)
    return owner_page(
        visitor,
        "leaderboard.html",
        {
            "month": chosen,
            "stars": stars,
            "mine": mine,
            "me": user.id,
            "previous_month": month_step(chosen, -1),
            "next_month": month_step(chosen, 1) if chosen < this_month else None,
        },
        section="leaderboard",
    )
