"""Referral HTTP API: share links (and the ``/s/{code}`` landing), binding, teams, ranks,
the leaderboard, and the operator's settings and member view.

Cookies set by ``GET /s/{code}`` (first-party, ``SameSite=Lax``):
- ``qz_share``: the code of the last link opened, readable by the storefront's script,
  kept for the attribution window, so the page can put it on the order (``share_code``)
  and, after registration, send it to ``POST /api/v1/me/referrer``;
- ``qz_vid``: an anonymous visitor key (``HttpOnly``, one year); the clicks of a visitor
  who was not logged in are recorded under it, and ``POST /api/v1/me/referrer`` attaches
  them to the member, so those clicks attribute the member's later orders.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from quanzi.core.config import get_settings
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import Unauthorized
from quanzi.identity import service as identity
from quanzi.identity.deps import CurrentPrincipal, Operator, Session
from quanzi.identity.models import User
from quanzi.orders.service import parse_cursor
from quanzi.referral import rules, service
from quanzi.referral.schemas import (
    BindingOut,
    InviteePageOut,
    LeaderboardOut,
    MemberReferralOut,
    ReferralSettingsIn,
    ReferralSettingsOut,
    ReferrerIn,
    ShareIn,
    ShareOut,
    SharePageOut,
    TeamOut,
    binding_out,
    invitees_out,
    leaderboard_out,
    member_referral_out,
    settings_out,
    share_out,
    team_out,
)
from quanzi.referral.teams import current_month

router = APIRouter(prefix="/api/v1", tags=["referral"], route_class=TransactionalRoute)
admin_router = APIRouter(
    prefix="/api/v1/admin", tags=["referral (admin)"], route_class=TransactionalRoute
)
landing_router = APIRouter(tags=["share links"], route_class=TransactionalRoute)

SHARE_COOKIE = "qz_share"
VISITOR_COOKIE = "qz_vid"
VISITOR_COOKIE_DAYS = 365
MAX_VISITOR_COOKIE = 64
DAY_SECONDS = 86_400

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=64)]


async def _referrer_name(session: Session, referrer_id: uuid.UUID | None) -> str | None:
    if referrer_id is None:
        return None
    return (await identity.display_names(session, [referrer_id])).get(referrer_id)


async def _optional_user(request: Request, session: Session) -> User | None:
    """The logged-in visitor of a public page, if a valid bearer token came along."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        user, _ = await identity.authenticate(session, token.strip())
    except Unauthorized:
        return None
    return user


def _visitor_cookie(request: Request) -> str | None:
    value = request.cookies.get(VISITOR_COOKIE)
    if value and len(value) <= MAX_VISITOR_COOKIE:
        return value
    return None


# --- share links -----------------------------------------------------------------------


@router.post(
    "/shares",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ShareOut, "description": "The member's existing link, reused"}},
)
async def create_share(
    body: ShareIn, principal: CurrentPrincipal, session: Session, response: Response
) -> ShareOut:
    """My short link to a product or a group: made on first request (201), the same link
    on later ones (200)."""
    kind, target_id = body.target
    link, created = await service.create_link(
        session, principal.user.id, target_kind=kind, target_id=target_id
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return share_out(link)


@router.get("/me/shares")
async def my_shares(
    principal: CurrentPrincipal, session: Session, cursor: Cursor = None, limit: Limit = 20
) -> SharePageOut:
    """My share links, newest first, with clicks, attributed orders and attributed sales
    (goods amount net of refunds)."""
    page = await service.my_links(
        session, principal.user.id, after_id=parse_cursor(cursor), limit=limit
    )
    return SharePageOut(
        items=[share_out(link) for link in page.items],
        next_cursor=str(page.next_cursor) if page.next_cursor else None,
    )


@landing_router.get(
    "/s/{code}",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: {"description": "To /p/{product_id} or /g/{group_id}"}},
)
async def open_share(
    code: Annotated[str, Path(max_length=32)], request: Request, session: Session
) -> RedirectResponse:
    """Record a click on a share link and go on to the product or group page."""
    visitor = await _optional_user(request, session)
    visitor_key = _visitor_cookie(request)
    new_visitor_key = None if visitor_key else secrets.token_urlsafe(24)
    link = await service.record_click(
        session,
        code,
        visitor_id=visitor.id if visitor else None,
        visitor_key=visitor_key or new_visitor_key,
        user_agent=request.headers.get("user-agent", ""),
    )
    policy = await service.get_policy(session)
    redirect = RedirectResponse(
        rules.landing_path(link.target_kind, link.target_id, link.code),
        status_code=status.HTTP_302_FOUND,
    )
    secure = get_settings().base_url.startswith("https://")
    redirect.set_cookie(
        SHARE_COOKIE,
        link.code,
        max_age=policy.attribution_days * DAY_SECONDS,
        path="/",
        samesite="lax",
        secure=secure,
    )
    if new_visitor_key:
        redirect.set_cookie(
            VISITOR_COOKIE,
            new_visitor_key,
            max_age=VISITOR_COOKIE_DAYS * DAY_SECONDS,
            path="/",
            samesite="lax",
            secure=secure,
            httponly=True,
        )
    return redirect


# --- binding ---------------------------------------------------------------------------


@router.get("/me/referrer")
async def my_referrer(principal: CurrentPrincipal, session: Session) -> BindingOut:
    """Who I am bound to now (``referrer`` null if nobody)."""
    binding = await service.current_binding(session, principal.user.id)
    return binding_out(binding, await _referrer_name(session, binding.referrer_id))


@router.post("/me/referrer")
async def set_my_referrer(
    body: ReferrerIn, principal: CurrentPrincipal, session: Session, request: Request
) -> BindingOut:
    """Arrive through a share code (the ``qz_share`` cookie) or an invite code. Whether it
    binds me follows the operator's binding mode; ``changed`` says whether it did. Binding
    under myself or under my own team: 409 ``binding_cycle``. Clicks this browser made
    before I logged in are attached to me."""
    visitor_key = _visitor_cookie(request)
    if visitor_key:
        await service.claim_visits(session, principal.user.id, visitor_key)
    binding = await service.bind_by_code(session, principal.user.id, body.code)
    return binding_out(binding, await _referrer_name(session, binding.referrer_id))


# --- teams -----------------------------------------------------------------------------


@router.get("/me/team")
async def my_team(principal: CurrentPrincipal, session: Session) -> TeamOut:
    """My team's counts, my rank and what the next rank still needs."""
    return team_out(await service.team_view(session, principal.user.id))


@router.get("/me/team/members")
async def my_team_members(
    principal: CurrentPrincipal, session: Session, cursor: Cursor = None, limit: Limit = 20
) -> InviteePageOut:
    """My direct invitees, newest first: display names and ranks (never phone numbers)."""
    page = await service.direct_invitees(
        session, principal.user.id, after_id=parse_cursor(cursor), limit=limit
    )
    return invitees_out(page)


@router.get("/leaderboard")
async def star_shop_owners(
    principal: CurrentPrincipal,
    session: Session,
    month: Annotated[str | None, Query(max_length=7, examples=["2026-11"])] = None,
    limit: Limit = 20,
) -> LeaderboardOut:
    """Star shop owners: current shop owners by the sales attributed to their share links in
    a calendar month (shop time zone; default this month), net of refunds."""
    stars = await service.leaderboard(session, month=month, limit=limit)
    return leaderboard_out(month or current_month(), stars)


# --- operator --------------------------------------------------------------------------


@admin_router.get("/referral-settings")
async def referral_settings(operator: Operator, session: Session) -> ReferralSettingsOut:
    return settings_out(await service.get_policy(session))


@admin_router.put("/referral-settings")
async def put_referral_settings(
    body: ReferralSettingsIn, operator: Operator, session: Session
) -> ReferralSettingsOut:
    """Binding mode (``first_touch`` permanent, ``days`` valid ``binding_days``, ``latest``
    link wins) and the attribution window of share clicks. Applies to bindings made from
    now on."""
    policy = await service.set_policy(
        session,
        binding_mode=body.binding_mode,
        binding_days=body.binding_days,
        attribution_days=body.attribution_days,
        actor_id=operator.user.id,
    )
    return settings_out(policy)


@admin_router.get("/members/{member_id}/referral")
async def member_referral(
    member_id: uuid.UUID,
    operator: Operator,
    session: Session,
    depth: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MemberReferralOut:
    """A member's counts and referral path up to the root (at most ``depth`` levels),
    with their latest rank and binding changes."""
    return member_referral_out(await service.member_referral(session, member_id, depth=depth))
