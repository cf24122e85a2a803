from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from quanzi.orders.schemas import AddressOut
from quanzi.production import orderdata, rules
from quanzi.production.queries import BatchView
from quanzi.production.shipping import ShipmentReport

BatchStatus = Literal["collecting", "created", "in_production", "produced"]
SupplierBatchStatus = Literal["created", "in_production", "produced"]


class RuleIn(BaseModel):
    """``daily``: batches are cut at midnight, shop time. ``threshold``: a batch is cut as
    soon as it holds ``threshold_quantity`` units (what is left is still cut at midnight)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["daily", "threshold"]
    threshold_quantity: int | None = Field(default=None, ge=1, le=rules.MAX_THRESHOLD)

    @model_validator(mode="after")
    def _threshold_fits_mode(self) -> Self:
        if self.mode == rules.THRESHOLD and self.threshold_quantity is None:
            raise ValueError("the threshold mode needs threshold_quantity")
        if self.mode == rules.DAILY and self.threshold_quantity is not None:
            raise ValueError("the daily mode takes no threshold_quantity")
        return self


class RuleOut(BaseModel):
    mode: str
    threshold_quantity: int | None
    updated_at: datetime | None


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    supplier_id: uuid.UUID
    sku_id: uuid.UUID
    title: str
    sku_name: str
    status: str
    quantity: int
    order_count: int
    payable_fen: int = Field(description="Supply cost of the batch's lines as ordered")
    payable_booked_fen: int | None = Field(
        description="Owed to the supplier for this batch, net of refunds (set when produced)"
    )
    created_at: datetime = Field(description="When collection started")
    cut_at: datetime | None
    production_started_at: datetime | None
    produced_at: datetime | None


class BatchPageOut(BaseModel):
    items: list[BatchOut]
    next_cursor: str | None


class BatchOrderOut(BaseModel):
    order_id: uuid.UUID
    quantity: int
    supply_fen: int
    booked_fen: int | None
    status: str = Field(description="The order's status: confirmed (to ship), shipped, …")
    refunded_fen: int
    address: AddressOut
    carrier: str | None
    tracking_no: str | None
    shipped_at: datetime | None


class BatchDetailOut(BatchOut):
    shipped_count: int
    orders: list[BatchOrderOut]


def batch_order_out(order: orderdata.BatchOrder) -> BatchOrderOut:
    return BatchOrderOut(
        order_id=order.order_id,
        quantity=order.quantity,
        supply_fen=order.supply_fen,
        booked_fen=order.booked_fen,
        status=order.status,
        refunded_fen=order.refunded_fen,
        address=AddressOut.model_validate(order.address),
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        shipped_at=order.shipped_at,
    )


def batch_detail_out(view: BatchView) -> BatchDetailOut:
    return BatchDetailOut(
        **BatchOut.model_validate(view.batch).model_dump(),
        shipped_count=view.shipped_count,
        orders=[batch_order_out(order) for order in view.orders],
    )


Carrier = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.MAX_CARRIER)
]
TrackingNo = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.MAX_TRACKING_NO)
]


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: uuid.UUID
    carrier: Carrier
    tracking_no: TrackingNo


class ShipmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shipments: list[ShipmentIn] = Field(min_length=1, max_length=rules.MAX_SHIPMENT_ROWS)


class ShipmentResultOut(BaseModel):
    row: int = Field(description="CSV line (the header is line 1) or position in the list")
    order_id: uuid.UUID
    result: Literal["shipped", "already_shipped"]
    carrier: str
    tracking_no: str


class ShipmentsOut(BaseModel):
    batch_id: uuid.UUID
    shipped: int
    unchanged: int
    results: list[ShipmentResultOut]


def shipments_out(report: ShipmentReport) -> ShipmentsOut:
    return ShipmentsOut(
        batch_id=report.batch_id,
        shipped=report.shipped,
        unchanged=report.unchanged,
        results=[
            ShipmentResultOut(
                row=result.row,
                order_id=result.order_id,
                result=result.result,
                carrier=result.carrier,
                tracking_no=result.tracking_no,
            )
            for result in report.results
        ],
    )
