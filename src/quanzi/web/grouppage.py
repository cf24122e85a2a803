"""The group page (``/g/{id}``): seats as avatars, a live countdown, the share link with
its QR code, the join button, and what happens to the money once the group is decided."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from quanzi.catalog import queries as catalog
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import NotFound
from quanzi.groupbuy import queries as groups
from quanzi.groupbuy.queries import GroupView
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, Visitor, login_url
from quanzi.web.forms import parse_id
from quanzi.web.qr import qr_svg
from quanzi.web.render import render
from quanzi.web.shop import PLACEHOLDER_IMAGE

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

LIVE_STATUSES = ("pending", "open")
Invite = Annotated[str | None, Query(max_length=16)]
Share = Annotated[str | None, Query(max_length=32)]


@dataclass(frozen=True)
class Seat:
    """One avatar: a member (initials of the display name), a seat the platform paid
    for, or an empty seat."""

    kind: str  # member | platform | empty
    name: str = ""
    leader: bool = False
    paid: bool = True


def seats_of(view: GroupView) -> list[Seat]:
    group = view.group
    shown = [
        Seat("member", name=member.display_name, leader=member.is_leader, paid=member.paid)
        for member in view.members
    ]
    shown += [Seat("platform")] * group.platform_filled
    shown += [Seat("empty")] * max(0, group.group_size - len(shown))
    return shown


def share_link(view: GroupView, visitor: Visitor) -> str:
    """The group's link; a logged-in member's copy carries their invite code, so a friend
    who signs up from it is theirs."""
    if visitor.user is None:
        return view.share_url
    return f"{view.share_url}?invite={quote(visitor.user.invite_code)}"


async def _context(
    visitor: Visitor, group_id: str, invite: str | None, share: str | None
) -> dict[str, Any]:
    session = visitor.session
    view = await groups.group_view(session, parse_id(group_id, code="group_not_found"))
    group = view.group
    is_member = visitor.user is not None and any(
        mine.id == group.id for mine in await groups.groups_of_user(session, visitor.user.id)
    )
    join_path = f"/checkout?group={group.id}" + (f"&share={quote(share)}" if share else "")
    link = share_link(view, visitor)
    try:
        product = await catalog.get_product_view(session, view.campaign.product_id, public=False)
        image = product.product.images[0] if product.product.images else PLACEHOLDER_IMAGE
    except NotFound:
        image = PLACEHOLDER_IMAGE
    return {
        "view": view,
        "group": group,
        "campaign": view.campaign,
        "image": image,
        "seats": seats_of(view),
        "is_member": is_member,
        "can_join": group.status == "open" and view.seats_left > 0 and not is_member,
        "join_url": join_path if visitor.user else login_url(join_path, invite=invite),
        "live": group.status in LIVE_STATUSES,
        "share_link": link,
        "qr": qr_svg(link, title=i18n.translate(visitor.lang, "qr_alt")),
    }


@router.get("/g/{group_id}", response_class=HTMLResponse)
async def group_page(
    visitor: PageVisitor, group_id: str, invite: Invite = None, share: Share = None
) -> HTMLResponse:
    return render(visitor, "group.html", await _context(visitor, group_id, invite, share))


@router.get("/g/{group_id}/live", response_class=HTMLResponse)
async def group_live(
    visitor: PageVisitor, group_id: str, invite: Invite = None, share: Share = None
) -> HTMLResponse:
    """The seats, status and countdown alone: htmx polls this while the group fills."""
    return render(visitor, "_group_live.html", await _context(visitor, group_id, invite, share))
