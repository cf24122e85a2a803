"""Checkout and the sandbox payment page.

``/checkout`` shows what is being bought (alone, as a group's leader, or joining a group)
and an address form; its POST places the order through the same services as the API
(``orders.service.place_order``, ``groupbuy.seats.open_group`` / ``join_group``). Every
render carries a fresh idempotency key, so a double-clicked or replayed form places one
order and lands on the same payment page. ``/pay/{id}`` is the sandbox provider's page.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import queries as catalog
from quanzi.catalog import stock
from quanzi.core import idempotency
from quanzi.core.config import get_settings
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import Conflict, NotFound, ProblemError
from quanzi.core.ids import new_id
from quanzi.groupbuy import campaigns, seats
from quanzi.identity.models import User
from quanzi.orders import pricing
from quanzi.orders import rules as order_rules
from quanzi.orders import service as orders
from quanzi.payments import service as payments
from quanzi.referral.api import SHARE_COOKIE
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.forms import (
    ADDRESS_FIELDS,
    address_from,
    optional_id,
    parse_id,
    parse_quantity,
    read_form,
)
from quanzi.web.render import redirect, render
from quanzi.web.shop import PLACEHOLDER_IMAGE

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

SOLO, OPEN, JOIN = "solo", "open", "join"
MAX_QUANTITY = 99
IdParam = Annotated[str | None, Query(max_length=64)]
ShareParam = Annotated[str | None, Query(max_length=32)]


@dataclass(frozen=True)
class Purchase:
    """What a checkout is for: one SKU, alone or through a group."""

    mode: str
    sku_id: uuid.UUID
    quantity: int
    title: str
    sku_name: str
    image: str
    unit_price_fen: int
    campaign_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    group_size: int | None = None

    @property
    def goods_fen(self) -> int:
        return self.unit_price_fen * self.quantity

    def hidden_fields(self) -> dict[str, str]:
        fields = {"mode": self.mode}
        if self.mode == SOLO:
            fields.update(sku=str(self.sku_id), qty=str(self.quantity))
        elif self.mode == OPEN:
            fields["campaign"] = str(self.campaign_id)
        else:
            fields["group"] = str(self.group_id)
        return fields


async def _image(session: AsyncSession, product_id: uuid.UUID) -> str:
    try:
        view = await catalog.get_product_view(session, product_id, public=True)
    except NotFound:
        return PLACEHOLDER_IMAGE
    return view.product.images[0] if view.product.images else PLACEHOLDER_IMAGE


async def _sku_facts(session: AsyncSession, sku_id: uuid.UUID) -> stock.SkuFacts:
    facts = (await stock.load_sku_facts(session, [sku_id])).get(sku_id)
    if facts is None or not facts.sellable:
        raise NotFound("No such SKU.", code="sku_not_found")
    return facts


@dataclass(frozen=True)
class Choice:
    """What the shopper asked to buy, as the product or group page sent it."""

    mode: str
    sku: uuid.UUID | None = None
    quantity: int = 1
    campaign: uuid.UUID | None = None
    group: uuid.UUID | None = None

    @classmethod
    def parse(cls, values: Mapping[str, str | None]) -> Choice:
        group, campaign = values.get("group"), values.get("campaign")
        mode = values.get("mode") or (JOIN if group else OPEN if campaign else SOLO)
        if mode not in (SOLO, OPEN, JOIN):
            raise NotFound("Nothing to check out.", code="not_found")
        return cls(
            mode=mode,
            sku=optional_id(values.get("sku")),
            quantity=parse_quantity(values.get("qty"), maximum=MAX_QUANTITY),
            campaign=optional_id(campaign),
            group=optional_id(group),
        )


async def purchase_for(session: AsyncSession, user: User, choice: Choice) -> Purchase:
    """What the checkout shows; refuses early what cannot be bought now."""
    mode, sku, campaign, group = choice.mode, choice.sku, choice.campaign, choice.group
    if mode == SOLO and sku is not None:
        facts = await _sku_facts(session, sku)
        member = facts.member_price_fen is not None and await pricing.is_active_member(
            session, user.id
        )
        return Purchase(
            mode=SOLO,
            sku_id=sku,
            quantity=choice.quantity,
            title=facts.title,
            sku_name=facts.sku_name,
            image=await _image(session, facts.product_id),
            unit_price_fen=facts.member_price_fen
            if member and facts.member_price_fen
            else facts.price_fen,
        )
    group_id: uuid.UUID | None = None
    if mode == JOIN and group is not None:
        found = await seats.get_group(session, group)
        if found.status != seats.OPEN:
            raise Conflict("This group is no longer open.", code="group_closed")
        group_id, campaign = found.id, found.campaign_id
    if mode in (OPEN, JOIN) and campaign is not None:
        offer = await campaigns.get_campaign(session, campaign)
        campaigns.require_running(offer)
        facts = await _sku_facts(session, offer.sku_id)
        discount = offer.leader_discount_fen if mode == OPEN else 0
        return Purchase(
            mode=mode,
            sku_id=offer.sku_id,
            quantity=1,
            title=facts.title,
            sku_name=facts.sku_name,
            image=await _image(session, facts.product_id),
            unit_price_fen=offer.group_price_fen - discount,
            campaign_id=offer.id,
            group_id=group_id,
            group_size=offer.group_size,
        )
    raise NotFound("Nothing to check out.", code="not_found")


async def _last_address(session: AsyncSession, user: User) -> dict[str, Any]:
    """The address of the buyer's latest order with one, to save typing it again."""
    page = await orders.list_orders(session, limit=5, buyer_id=user.id)
    for view in page.items:
        if view.order.address:
            return dict(view.order.address)
    return {"name": user.display_name, "phone": user.phone}


def _checkout_page(
    visitor: Visitor,
    purchase: Purchase,
    *,
    address: dict[str, Any],
    share: str,
    error: ProblemError | None = None,
) -> HTMLResponse:
    settings = get_settings()
    return render(
        visitor,
        "checkout.html",
        {
            "purchase": purchase,
            "hidden": purchase.hidden_fields(),
            "address": {field: address.get(field) or "" for field in ADDRESS_FIELDS},
            "share": share,
            "idem_key": new_id().hex,
            "shipping_fee_fen": settings.shipping_fee_fen,
            "free_threshold_fen": settings.free_shipping_threshold_fen,
            "error": i18n.problem_text(visitor.lang, error.code, error.detail) if error else None,
            "error_code": error.code if error else None,
        },
        status=error.status if error else 200,
    )


@router.get("/checkout", response_class=HTMLResponse)
async def checkout_page(
    visitor: PageVisitor,
    sku: IdParam = None,
    qty: Annotated[str | None, Query(max_length=6)] = None,
    campaign: IdParam = None,
    group: IdParam = None,
    share: ShareParam = None,
) -> HTMLResponse:
    user = visitor.require_user()
    choice = Choice.parse({"sku": sku, "qty": qty, "campaign": campaign, "group": group})
    purchase = await purchase_for(visitor.session, user, choice)
    address = await _last_address(visitor.session, user)
    # A share link opened earlier in this browser still attributes the order (last click).
    share_code = share or visitor.request.cookies.get(SHARE_COOKIE, "")[:32]
    return _checkout_page(visitor, purchase, address=address, share=share_code)


async def _place(
    session: AsyncSession, user: User, purchase: Purchase, form: dict[str, str]
) -> str:
    """Place the order (or open / join the group); returns where the buyer goes next."""
    address = address_from(form)
    share_code = form.get("share", "").strip()[:32] or None
    if purchase.mode == SOLO:
        view = await orders.place_order(
            session,
            buyer_id=user.id,
            lines=[orders.LineRequest(purchase.sku_id, purchase.quantity)],
            address=address,
            share_code=share_code,
        )
        return f"/pay/{view.order.payment_id}"
    if purchase.mode == OPEN:
        assert purchase.campaign_id is not None
        group, view = await seats.open_group(
            session,
            campaign_id=purchase.campaign_id,
            leader_id=user.id,
            address=address,
            share_code=share_code,
        )
    else:
        assert purchase.group_id is not None
        group, view = await seats.join_group(
            session,
            group_id=purchase.group_id,
            user_id=user.id,
            address=address,
            share_code=share_code,
        )
    return f"/pay/{view.order.payment_id}?g={group.id}"


@router.post("/checkout", response_class=HTMLResponse)
async def checkout(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    user = visitor.require_user()
    session = visitor.session
    share = form.get("share", "")
    choice = Choice.parse({**form, "mode": form.get("mode") or "-"})
    payload = {name: value for name, value in form.items() if name not in ("csrf", "idem")}

    async def work() -> str:
        return await _place(session, user, await purchase_for(session, user, choice), form)

    try:
        location = await idempotency.redirect_once(
            session,
            scope="web.checkout",
            owner_id=user.id,
            key=form.get("idem"),
            payload=payload,
            work=work,
        )
    except ProblemError as exc:
        # Nothing of this attempt is kept; show the form again with what was typed.
        await visitor.start_over()
        purchase = await purchase_for(session, user, choice)
        return _checkout_page(visitor, purchase, address=address_from(form), share=share, error=exc)
    return redirect(visitor, location)


# --- the sandbox payment page ----------------------------------------------------------


async def _destination(session: AsyncSession, payment: Any, group: str | None) -> str:
    """Where a paid buyer goes: their group's page, the shop-owner center for a membership,
    else the order's page."""
    group_id = optional_id(group)
    if group_id is not None:
        try:
            return f"/g/{(await seats.get_group(session, group_id)).id}"
        except NotFound:
            pass
    if payment.payable_type == "order":
        order = await orders.get_order(session, payment.payable_id)
        if order.kind == order_rules.MEMBERSHIP:
            return "/me/membership"
        return f"/orders/{payment.payable_id}"
    return "/orders"


@router.get("/pay/{payment_id}", response_class=HTMLResponse)
async def pay_page(
    visitor: PageVisitor, payment_id: str, g: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    user = visitor.require_user()
    session = visitor.session
    payment = await payments.get_payment(
        session, parse_id(payment_id, code="payment_not_found"), user_id=user.id
    )
    return render(
        visitor,
        "pay.html",
        {
            "payment": payment,
            "group": g if optional_id(g) else "",
            "next_url": await _destination(session, payment, g),
        },
    )


@router.post("/pay/{payment_id}")
async def pay(visitor: PageVisitor, payment_id: str) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    user = visitor.require_user()
    session = visitor.session
    payment = await payments.confirm_sandbox(
        session, parse_id(payment_id, code="payment_not_found"), user.id
    )
    return redirect(visitor, await _destination(session, payment, form.get("g")))
