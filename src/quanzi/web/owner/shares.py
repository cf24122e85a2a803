"""My share links (``/me/shares``): make a link to a product (here, or with the product
page's "share to earn" button), list mine with clicks, attributed orders and sales, and
one link's page with its full ``/s/{code}`` address to copy and its QR code.

Links are made by ``referral.service.create_link`` as ``POST /api/v1/shares`` does: one
link per member and product, so sending the form twice gives the same link.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import queries as catalog
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import NotFound, ProblemError
from quanzi.groupbuy import campaigns
from quanzi.groupbuy import seats as groups
from quanzi.identity.models import User
from quanzi.membership import service as membership
from quanzi.orders.service import parse_cursor
from quanzi.referral import rules as referral_rules
from quanzi.referral import service as referral
from quanzi.referral.models import ShareLink
from quanzi.referral.shares import link_by_code, link_not_found
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.forms import parse_id, read_form
from quanzi.web.owner.frame import PAGE_SIZE, Cursor, owner_page
from quanzi.web.qr import qr_svg
from quanzi.web.render import redirect

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# Products offered in the form's list, newest first (any other product is shared from its
# own page).
PRODUCTS_OFFERED = 50


@dataclass(frozen=True)
class LinkRow:
    """A share link with what it points at and its full address."""

    link: ShareLink
    url: str
    title: str
    target_path: str


async def _row(session: AsyncSession, link: ShareLink) -> LinkRow:
    """The link's target by name; a target since removed keeps its link, unnamed."""
    title = ""
    try:
        if link.target_kind == referral_rules.PRODUCT:
            title = (await catalog.get_product(session, link.target_id)).title
        else:
            group = await groups.get_group(session, link.target_id)
            title = (await campaigns.get_campaign(session, group.campaign_id)).title
    except NotFound:
        title = ""
    prefix = "/p" if link.target_kind == referral_rules.PRODUCT else "/g"
    return LinkRow(
        link=link,
        url=referral.share_url(link.code),
        title=title,
        target_path=f"{prefix}/{link.target_id}",
    )


async def _shares_page(
    visitor: Visitor,
    user: User,
    *,
    cursor: str | None = None,
    chosen: str = "",
    error: ProblemError | None = None,
) -> HTMLResponse:
    session = visitor.session
    page = await referral.my_links(session, user.id, after_id=parse_cursor(cursor), limit=PAGE_SIZE)
    products = await catalog.list_products(session, public=True, limit=PRODUCTS_OFFERED)
    return owner_page(
        visitor,
        "shares.html",
        {
            "links": [await _row(session, link) for link in page.items],
            "products": [(str(view.product.id), view.product.title) for view in products.items],
            "chosen": chosen,
            "is_owner": await membership.is_active_member(session, user.id),
            "next_url": f"/me/shares?cursor={page.next_cursor}" if page.next_cursor else None,
        },
        section="shares",
        error=error,
    )


@router.get("/me/shares", response_class=HTMLResponse)
async def shares_page(visitor: PageVisitor, cursor: Cursor = None) -> HTMLResponse:
    return await _shares_page(visitor, visitor.require_user(), cursor=cursor)


@router.post("/me/shares", response_class=HTMLResponse)
async def create_share(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    user = visitor.require_user()
    chosen = form.get("product", "").strip()
    try:
        product_id: uuid.UUID = parse_id(chosen, code="product_not_found")
        link, _ = await referral.create_link(
            visitor.session, user.id, target_kind=referral_rules.PRODUCT, target_id=product_id
        )
    except ProblemError as exc:
        await visitor.start_over()
        return await _shares_page(visitor, user, chosen=chosen, error=exc)
    return redirect(visitor, f"/me/shares/{link.code}")


@router.get("/me/shares/{code}", response_class=HTMLResponse)
async def share_page(visitor: PageVisitor, code: str) -> HTMLResponse:
    user = visitor.require_user()
    session = visitor.session
    link = await link_by_code(session, code[:32])
    # Somebody else's link is not found, as if it did not exist.
    if link is None or link.sharer_id != user.id:
        raise link_not_found()
    row = await _row(session, link)
    return owner_page(
        visitor,
        "share.html",
        {
            "row": row,
            "qr": qr_svg(row.url, title=i18n.translate(visitor.lang, "owner_share_qr_alt")),
            "is_owner": await membership.is_active_member(session, user.id),
        },
        section="shares",
    )
