from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.core import idempotency
from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import CurrentPrincipal, Operator, Principal, Session, SupplierOrOperator
from quanzi.orders import service
from quanzi.orders.schemas import (
    CancelIn,
    OrderKind,
    OrderOut,
    OrderPageOut,
    OrderStatus,
    PlaceOrderIn,
    RefundIn,
    RefundOut,
    ShipIn,
    order_out,
    refund_out,
)

router = APIRouter(prefix="/api/v1/orders", tags=["orders"], route_class=TransactionalRoute)
admin_router = APIRouter(
    prefix="/api/v1/admin/orders", tags=["orders (admin)"], route_class=TransactionalRoute
)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=64)]


async def viewer(session: AsyncSession, principal: Principal) -> service.Viewer:
    supplier_id = (
        await catalog.supplier_for_user(session, principal.user.id)
        if principal.has_role("supplier")
        else None
    )
    return service.Viewer(
        user_id=principal.user.id, is_operator=principal.is_operator, supplier_id=supplier_id
    )


def _page(page: service.OrderPage) -> OrderPageOut:
    return OrderPageOut(
        items=[order_out(view) for view in page.items], next_cursor=page.next_cursor
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrderOut)
async def place_order(
    body: PlaceOrderIn,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Place an order; needs an ``Idempotency-Key`` (a replay returns the first answer)."""

    async def work() -> dict[str, Any]:
        view = await service.place_order(
            session,
            buyer_id=principal.user.id,
            lines=[service.LineRequest(line.sku_id, line.quantity) for line in body.lines],
            address=body.address.model_dump(),
            share_code=body.share_code,
        )
        return order_out(view).model_dump(mode="json")

    return await idempotency.respond_once(
        session,
        scope="orders.place",
        owner_id=principal.user.id,
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED,
        work=work,
        required=True,
    )


@router.get("")
async def my_orders(
    principal: CurrentPrincipal,
    session: Session,
    status_filter: Annotated[OrderStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> OrderPageOut:
    """The caller's own orders, newest first."""
    page = await service.list_orders(
        session,
        limit=limit,
        cursor=service.parse_cursor(cursor),
        buyer_id=principal.user.id,
        status=status_filter,
    )
    return _page(page)


@router.get("/{order_id}")
async def get_order(order_id: uuid.UUID, principal: CurrentPrincipal, session: Session) -> OrderOut:
    return order_out(await service.order_for(session, order_id, await viewer(session, principal)))


@router.post("/{order_id}/cancel")
async def cancel_order(
    order_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: Session,
    body: CancelIn | None = None,
) -> OrderOut:
    """Cancel an unpaid order, or a paid one not yet shipped (refunded in full)."""
    await service.cancel_order(
        session, order_id, buyer_id=principal.user.id, note=(body.reason if body else None) or ""
    )
    return order_out(await service.order_for(session, order_id, service.Viewer(principal.user.id)))


@router.post("/{order_id}/confirm-receipt")
async def confirm_receipt(
    order_id: uuid.UUID, principal: CurrentPrincipal, session: Session
) -> OrderOut:
    await service.confirm_receipt(session, order_id, buyer_id=principal.user.id)
    return order_out(await service.order_for(session, order_id, service.Viewer(principal.user.id)))


@admin_router.get("")
async def admin_orders(
    principal: SupplierOrOperator,
    session: Session,
    status_filter: Annotated[OrderStatus | None, Query(alias="status")] = None,
    kind: OrderKind | None = None,
    buyer_id: uuid.UUID | None = None,
    supplier_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> OrderPageOut:
    """Orders for operators (every filter) and supplier staff (their supplier's only)."""
    who = await viewer(session, principal)
    if not who.is_operator:
        if who.supplier_id is None:
            return OrderPageOut(items=[], next_cursor=None)
        supplier_id = who.supplier_id
    page = await service.list_orders(
        session,
        limit=limit,
        cursor=service.parse_cursor(cursor),
        buyer_id=buyer_id,
        supplier_id=supplier_id,
        status=status_filter,
        kind=kind,
    )
    return _page(page)


@admin_router.post("/{order_id}/ship")
async def ship_order(
    order_id: uuid.UUID, body: ShipIn, principal: SupplierOrOperator, session: Session
) -> OrderOut:
    """Mark shipped: an operator, or staff of the supplier that supplies every line."""
    who = await viewer(session, principal)
    if not who.is_operator and who.supplier_id is None:
        raise service.order_not_found()
    await service.ship_order(
        session,
        order_id,
        carrier=body.carrier,
        tracking_no=body.tracking_no,
        actor_id=principal.user.id,
        supplier_id=None if who.is_operator else who.supplier_id,
    )
    return order_out(await service.order_for(session, order_id, who))


@admin_router.post("/{order_id}/refund", response_model=RefundOut)
async def refund_order(
    order_id: uuid.UUID,
    body: RefundIn,
    principal: Operator,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Refund part (``amount_fen``) or all of a paid order. An ``Idempotency-Key`` is
    optional; when sent, a replay returns the first answer instead of refunding twice."""

    async def work() -> dict[str, Any]:
        refund = await service.refund_order(
            session,
            order_id,
            amount_fen=body.amount_fen,
            reason=body.reason,
            actor_id=principal.user.id,
        )
        view = await service.order_for(
            session, order_id, service.Viewer(principal.user.id, is_operator=True)
        )
        return refund_out(refund, view).model_dump(mode="json")

    return await idempotency.respond_once(
        session,
        scope="orders.refund",
        owner_id=principal.user.id,
        key=idempotency_key,
        payload={"order_id": str(order_id), **body.model_dump(mode="json")},
        status_code=status.HTTP_200_OK,
        work=work,
    )
