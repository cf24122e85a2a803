"""Shopping pages: home, search, categories and the product page with its group deals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import queries as catalog
from quanzi.catalog import rules as catalog_rules
from quanzi.catalog.models import Sku
from quanzi.catalog.queries import ProductView
from quanzi.core import clock
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import NotFound
from quanzi.core.money import apply_rate
from quanzi.groupbuy import campaigns
from quanzi.groupbuy import queries as groups
from quanzi.groupbuy import rules as group_rules
from quanzi.groupbuy.models import GroupCampaign
from quanzi.identity import service as identity
from quanzi.orders import pricing
from quanzi.referral.commission import service as commission
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor
from quanzi.web.forms import parse_id
from quanzi.web.render import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 10
HOT_DEALS = 6
# Running campaigns looked at to badge product tiles and list hot deals.
CAMPAIGN_SCAN = 100
PLACEHOLDER_IMAGE = "/static/web/placeholder.svg"

Cursor = Annotated[str | None, Query(max_length=200)]
SearchText = Annotated[str | None, Query(max_length=catalog_rules.MAX_QUERY)]


@dataclass(frozen=True)
class ProductCard:
    id: uuid.UUID
    title: str
    image: str
    price_fen: int
    member_price_fen: int | None
    group_price_fen: int | None


@dataclass(frozen=True)
class Deal:
    campaign_id: uuid.UUID
    product_id: uuid.UUID
    sku_id: uuid.UUID
    title: str
    image: str
    group_size: int
    group_price_fen: int
    solo_price_fen: int
    seats_taken: int


@dataclass(frozen=True)
class OpenGroup:
    id: uuid.UUID
    leader_name: str
    seats_missing: int
    seconds_left: int


def first_image(view: ProductView) -> str:
    return view.product.images[0] if view.product.images else PLACEHOLDER_IMAGE


async def running_campaigns(session: AsyncSession) -> list[GroupCampaign]:
    return await campaigns.list_campaigns(session, running_only=True, limit=CAMPAIGN_SCAN)


def cheapest_by_product(running: list[GroupCampaign]) -> dict[uuid.UUID, int]:
    best: dict[uuid.UUID, int] = {}
    for campaign in running:
        price = best.get(campaign.product_id)
        if price is None or campaign.group_price_fen < price:
            best[campaign.product_id] = campaign.group_price_fen
    return best


def card(view: ProductView, group_prices: dict[uuid.UUID, int]) -> ProductCard | None:
    """A product tile, or ``None`` for a product with nothing on sale."""
    skus = view.on_sale
    if not skus:
        return None
    price = min(sku.price_fen for sku in skus)
    members = [sku.member_price_fen for sku in skus if sku.member_price_fen is not None]
    # The tile shows "from" prices: a member price is worth showing only below the lowest.
    member_price = min(members) if members and min(members) < price else None
    return ProductCard(
        id=view.product.id,
        title=view.product.title,
        image=first_image(view),
        price_fen=price,
        member_price_fen=member_price,
        group_price_fen=group_prices.get(view.product.id),
    )


def cards(views: list[ProductView], running: list[GroupCampaign]) -> list[ProductCard]:
    prices = cheapest_by_product(running)
    return [c for view in views if (c := card(view, prices)) is not None]


async def hot_deals(
    session: AsyncSession, running: list[GroupCampaign], *, limit: int
) -> list[Deal]:
    """Running group campaigns whose product and SKU are on sale, busiest first (爆款)."""
    deals: list[Deal] = []
    for campaign in sorted(running, key=lambda c: (-c.seats_taken, c.id)):
        try:
            view = await catalog.get_product_view(session, campaign.product_id, public=True)
        except NotFound:
            continue
        sku = next((s for s in view.on_sale if s.id == campaign.sku_id), None)
        if sku is None:
            continue
        deals.append(
            Deal(
                campaign_id=campaign.id,
                product_id=view.product.id,
                sku_id=sku.id,
                title=f"{view.product.title} · {sku.name}",
                image=first_image(view),
                group_size=campaign.group_size,
                group_price_fen=campaign.group_price_fen,
                solo_price_fen=sku.price_fen,
                seats_taken=campaign.seats_taken,
            )
        )
        if len(deals) == limit:
            break
    return deals


@router.get("/", response_class=HTMLResponse)
async def home(visitor: PageVisitor) -> HTMLResponse:
    session = visitor.session
    running = await running_campaigns(session)
    newest = await catalog.list_products(session, public=True, limit=PAGE_SIZE)
    return render(
        visitor,
        "home.html",
        {
            "categories": await catalog.list_categories(session),
            "deals": await hot_deals(session, running, limit=HOT_DEALS),
            "products": cards(newest.items, running),
            "next_url": f"/search?cursor={newest.next_cursor}" if newest.next_cursor else None,
        },
    )


async def _product_list(
    visitor: PageVisitor,
    *,
    heading: str,
    base_url: str,
    query: str | None = None,
    category: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    session = visitor.session
    page = await catalog.list_products(
        session, public=True, query=query, category=category, cursor=cursor, limit=PAGE_SIZE
    )
    joiner = "&" if "?" in base_url else "?"
    context = {
        "heading": heading,
        "search_query": query or "",
        "products": cards(page.items, await running_campaigns(session)),
        "next_url": f"{base_url}{joiner}cursor={page.next_cursor}" if page.next_cursor else None,
    }
    # htmx "load more" asks for the next tiles only; a plain link gets the whole page.
    fragment = visitor.request.headers.get("hx-request") == "true"
    return render(visitor, "_product_page.html" if fragment else "products.html", context)


@router.get("/search", response_class=HTMLResponse)
async def search(visitor: PageVisitor, q: SearchText = None, cursor: Cursor = None) -> HTMLResponse:
    text = (q or "").strip()
    heading = (
        i18n.translate(visitor.lang, "search_results", q=text)
        if text
        else i18n.translate(visitor.lang, "all_products")
    )
    base = f"/search?q={quote(text)}" if text else "/search"
    return await _product_list(
        visitor, heading=heading, base_url=base, query=text or None, cursor=cursor
    )


@router.get("/c/{category}", response_class=HTMLResponse)
async def category_page(visitor: PageVisitor, category: str, cursor: Cursor = None) -> HTMLResponse:
    name = category.strip()
    if not name or len(name) > catalog_rules.MAX_CATEGORY:
        raise NotFound("No such category.", code="not_found")
    return await _product_list(
        visitor,
        heading=name,
        base_url=f"/c/{quote(name)}",
        category=name,
        cursor=cursor,
    )


def choose_sku(skus: list[Sku], wanted: uuid.UUID | None) -> Sku | None:
    """The SKU asked for, else the first one in stock, else the first one."""
    for sku in skus:
        if sku.id == wanted:
            return sku
    return next((sku for sku in skus if sku.stock > 0), skus[0] if skus else None)


async def open_groups_of(
    session: AsyncSession, campaign: GroupCampaign, now: datetime
) -> list[OpenGroup]:
    """Open groups of ``campaign`` a stranger can join (拼单), with their leaders' names."""
    found = await groups.open_groups(session, campaign.id, limit=5)
    names = await identity.display_names(session, [group.leader_id for group in found])
    return [
        OpenGroup(
            id=group.id,
            leader_name=names.get(group.leader_id, "?"),
            seats_missing=group.group_size - group.seats_taken,
            seconds_left=group_rules.seconds_left(group.expires_at, now),
        )
        for group in found
    ]


@router.get("/p/{product_id}", response_class=HTMLResponse)
async def product_page(
    visitor: PageVisitor,
    product_id: str,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    share: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    session = visitor.session
    view = await catalog.get_product_view(
        session, parse_id(product_id, code="product_not_found"), public=True
    )
    skus = view.on_sale
    wanted = None
    if sku:
        try:
            wanted = uuid.UUID(sku)
        except ValueError:
            wanted = None
    chosen = choose_sku(skus, wanted)
    now = clock.now()
    campaign: GroupCampaign | None = None
    if chosen is not None:
        offers = [c for c in await running_campaigns(session) if c.sku_id == chosen.id]
        campaign = min(offers, key=lambda c: c.group_price_fen, default=None)
    is_member = visitor.user is not None and await pricing.is_active_member(
        session, visitor.user.id
    )
    # A shop owner sees what sharing this SKU earns per item bought at its solo price.
    share_earn_fen = None
    if is_member and chosen is not None:
        rate_bp = (await commission.current_plan(session)).share_rate_for(
            chosen.id, view.product.category
        )
        share_earn_fen = apply_rate(chosen.price_fen, rate_bp)
    nearby = await open_groups_of(session, campaign, now) if campaign else []
    mine: set[uuid.UUID] = set()
    if nearby and visitor.user is not None:
        mine = {group.id for group in await groups.groups_of_user(session, visitor.user.id)}
    return render(
        visitor,
        "product.html",
        {
            "product": view.product,
            "supplier_name": view.supplier_name,
            "image": first_image(view),
            "skus": skus,
            "sku": chosen,
            "campaign": campaign,
            "open_groups": nearby,
            "my_groups": mine,
            "is_member": is_member,
            "share_earn_fen": share_earn_fen,
            "share": share or "",
        },
    )
