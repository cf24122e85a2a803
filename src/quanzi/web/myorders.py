"""My orders: the list with my groups, one order with its shipment, and the buyer's
actions on it (pay, cancel, confirm receipt)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from quanzi.core.db import TransactionalRoute
from quanzi.groupbuy import campaigns
from quanzi.groupbuy import queries as groups
from quanzi.orders import rules as order_rules
from quanzi.orders import service as orders
from quanzi.orders.models import Order
from quanzi.web.auth import PageVisitor, check_csrf
from quanzi.web.forms import parse_id, read_form
from quanzi.web.render import redirect, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 20
MY_GROUPS = 10


@dataclass(frozen=True)
class GroupLink:
    id: uuid.UUID
    title: str
    status: str
    paid_count: int
    group_size: int


def can_cancel(order: Order) -> bool:
    return order.status == order_rules.PENDING_PAYMENT or (
        order.status == order_rules.BUYER_CANCELLABLE_PAID.get(order.kind)
    )


@router.get("/orders", response_class=HTMLResponse)
async def my_orders(
    visitor: PageVisitor, cursor: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    user = visitor.require_user()
    session = visitor.session
    page = await orders.list_orders(
        session, limit=PAGE_SIZE, cursor=orders.parse_cursor(cursor), buyer_id=user.id
    )
    links = []
    if cursor is None:
        for group in await groups.groups_of_user(session, user.id, limit=MY_GROUPS):
            campaign = await campaigns.get_campaign(session, group.campaign_id)
            links.append(
                GroupLink(
                    id=group.id,
                    title=campaign.title,
                    status=group.status,
                    paid_count=group.paid_count,
                    group_size=group.group_size,
                )
            )
    return render(
        visitor,
        "orders.html",
        {
            "orders": page.items,
            "groups": links,
            "next_url": f"/orders?cursor={page.next_cursor}" if page.next_cursor else None,
        },
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_page(visitor: PageVisitor, order_id: str) -> HTMLResponse:
    user = visitor.require_user()
    view = await orders.order_for(
        visitor.session,
        parse_id(order_id, code="order_not_found"),
        orders.Viewer(user_id=user.id),
    )
    return render(
        visitor,
        "order.html",
        {
            "order": view.order,
            "lines": view.lines,
            "can_cancel": can_cancel(view.order),
            "can_confirm": view.order.status == order_rules.SHIPPED,
        },
    )


@router.post("/orders/{order_id}/cancel")
async def cancel(visitor: PageVisitor, order_id: str) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    user = visitor.require_user()
    order = await orders.cancel_order(
        visitor.session, parse_id(order_id, code="order_not_found"), buyer_id=user.id
    )
    return redirect(visitor, f"/orders/{order.id}")


@router.post("/orders/{order_id}/confirm-receipt")
async def confirm_receipt(visitor: PageVisitor, order_id: str) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    user = visitor.require_user()
    order = await orders.confirm_receipt(
        visitor.session, parse_id(order_id, code="order_not_found"), buyer_id=user.id
    )
    return redirect(visitor, f"/orders/{order.id}")
