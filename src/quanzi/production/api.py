"""Production HTTP API: the operator's cut rule and batch views, the supplier's portal
(batches, production steps, direct shipment)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from quanzi.catalog import service as catalog
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import Forbidden
from quanzi.identity.deps import Operator, Principal, Session, require_role
from quanzi.orders import service as orders
from quanzi.production import rules, service, uploads
from quanzi.production.schemas import (
    BatchDetailOut,
    BatchOut,
    BatchPageOut,
    BatchStatus,
    RuleIn,
    RuleOut,
    ShipmentsIn,
    ShipmentsOut,
    SupplierBatchStatus,
    batch_detail_out,
    shipments_out,
)

admin_router = APIRouter(
    prefix="/api/v1/admin/production", tags=["production admin"], route_class=TransactionalRoute
)
supplier_router = APIRouter(
    prefix="/api/v1/supplier/batches", tags=["supplier portal"], route_class=TransactionalRoute
)

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the last page")]


@dataclass(frozen=True)
class SupplierStaff:
    user_id: uuid.UUID
    supplier_id: uuid.UUID


async def current_supplier(
    principal: Annotated[Principal, Depends(require_role(catalog.SUPPLIER_ROLE))],
    session: Session,
) -> SupplierStaff:
    supplier_id = await catalog.supplier_for_user(session, principal.user.id)
    if supplier_id is None:
        raise Forbidden("This account is not linked to a supplier.", code="not_supplier_staff")
    return SupplierStaff(principal.user.id, supplier_id)


Staff = Annotated[SupplierStaff, Depends(current_supplier)]


def _page(page: service.BatchPage) -> BatchPageOut:
    return BatchPageOut(
        items=[BatchOut.model_validate(batch) for batch in page.items],
        next_cursor=page.next_cursor,
    )


# --- operator --------------------------------------------------------------------------


@admin_router.get("/rule")
async def get_rule(_: Operator, session: Session) -> RuleOut:
    """How demand is cut into batches (``daily`` until set)."""
    row = await service.rule_row(session)
    if row is None:
        return RuleOut(mode=rules.DAILY, threshold_quantity=None, updated_at=None)
    return RuleOut(
        mode=row.mode, threshold_quantity=row.threshold_quantity, updated_at=row.updated_at
    )


@admin_router.put("/rule")
async def put_rule(body: RuleIn, _: Operator, session: Session) -> RuleOut:
    """Set the cut rule; collecting batches already at a new threshold are cut now."""
    row = await service.set_rule(
        session, mode=body.mode, threshold_quantity=body.threshold_quantity
    )
    return RuleOut(
        mode=row.mode, threshold_quantity=row.threshold_quantity, updated_at=row.updated_at
    )


@admin_router.get("/batches")
async def admin_batches(
    _: Operator,
    session: Session,
    status: BatchStatus | None = None,
    supplier_id: uuid.UUID | None = None,
    sku_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> BatchPageOut:
    """Every supplier's batches, newest first (collecting ones included)."""
    page = await service.list_batches(
        session,
        limit=limit,
        cursor=orders.parse_cursor(cursor),
        supplier_id=supplier_id,
        sku_id=sku_id,
        status=status,
    )
    return _page(page)


@admin_router.get("/batches/{batch_id}")
async def admin_batch(batch_id: uuid.UUID, _: Operator, session: Session) -> BatchDetailOut:
    return batch_detail_out(await service.batch_for_operator(session, batch_id))


@admin_router.post("/batches/{batch_id}/cut")
async def cut_batch(batch_id: uuid.UUID, _: Operator, session: Session) -> BatchOut:
    """Cut a collecting batch now, before its rule would."""
    return BatchOut.model_validate(await service.cut_now(session, batch_id))


# --- supplier portal -------------------------------------------------------------------


@supplier_router.get("")
async def supplier_batches(
    staff: Staff,
    session: Session,
    status: SupplierBatchStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> BatchPageOut:
    """The caller's supplier's batches (cut ones: created, in production, produced)."""
    page = await service.list_batches(
        session,
        limit=limit,
        cursor=orders.parse_cursor(cursor),
        supplier_id=staff.supplier_id,
        status=status,
        supplier_view=True,
    )
    return _page(page)


@supplier_router.get("/{batch_id}")
async def supplier_batch(batch_id: uuid.UUID, staff: Staff, session: Session) -> BatchDetailOut:
    """A batch with its orders: quantity, ship-to address, shipment status."""
    return batch_detail_out(await service.batch_for_supplier(session, batch_id, staff.supplier_id))


@supplier_router.get("/{batch_id}/shipments.csv", response_class=Response)
async def shipping_list(batch_id: uuid.UUID, staff: Staff, session: Session) -> Response:
    """The batch's orders as a CSV shipping list; filled in, it can be uploaded back."""
    text = await service.shipping_list(session, batch_id, supplier_id=staff.supplier_id)
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}.csv"'},
    )


@supplier_router.post("/{batch_id}/start")
async def start_batch(batch_id: uuid.UUID, staff: Staff, session: Session) -> BatchOut:
    """``created`` → ``in_production``."""
    batch = await service.start_production(session, batch_id, supplier_id=staff.supplier_id)
    return BatchOut.model_validate(batch)


@supplier_router.post("/{batch_id}/produced")
async def batch_produced(batch_id: uuid.UUID, staff: Staff, session: Session) -> BatchOut:
    """``in_production`` → ``produced``; the supplier payable is recorded."""
    batch = await service.mark_produced(session, batch_id, supplier_id=staff.supplier_id)
    return BatchOut.model_validate(batch)


@supplier_router.post("/{batch_id}/shipments")
async def ship_json(
    batch_id: uuid.UUID, body: ShipmentsIn, staff: Staff, session: Session
) -> ShipmentsOut:
    """Ship orders of a produced batch: carrier and tracking number per order. All rows are
    checked first; any bad row refuses the request (``invalid_shipments``, 422, with every
    bad row) and nothing ships."""
    rows, errors = rules.json_rows(
        [(item.order_id, item.carrier, item.tracking_no) for item in body.shipments]
    )
    report = await service.ship_batch(
        session,
        batch_id,
        supplier_id=staff.supplier_id,
        actor_id=staff.user_id,
        rows=rows,
        row_errors=errors,
    )
    return shipments_out(report)


_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@supplier_router.post("/{batch_id}/shipments.csv", openapi_extra=_CSV_BODY)
async def ship_csv(
    batch_id: uuid.UUID, request: Request, staff: Staff, session: Session
) -> ShipmentsOut:
    """The same from a CSV file (``order_id,carrier,tracking_no``; UTF-8, BOM allowed), as
    the request body or a multipart ``file``. Error rows carry their line number."""
    await service.supplier_batch(session, batch_id, staff.supplier_id)
    data = uploads.upload_bytes(request.headers.get("content-type", ""), await request.body())
    rows, errors = uploads.read_csv(data)
    report = await service.ship_batch(
        session,
        batch_id,
        supplier_id=staff.supplier_id,
        actor_id=staff.user_id,
        rows=rows,
        row_errors=errors,
    )
    return shipments_out(report)
