from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from quanzi.core.money import MAX_AMOUNT_FEN
from quanzi.orders.models import Order, OrderLine, OrderRefund
from quanzi.orders.store import OrderView

# Hard ceilings so absurd input is refused before any work; the configured limits
# (settings.max_order_lines, settings.max_line_quantity) are checked by the service.
MAX_LINES_ACCEPTED = 500
MAX_QUANTITY_ACCEPTED = 1_000_000

OrderStatus = Literal[
    "pending_payment",
    "paid",
    "grouping",
    "confirmed",
    "shipped",
    "completed",
    "cancelled",
    "refunded",
]
OrderKind = Literal["regular", "group", "membership"]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=32)
    province: str = Field(min_length=1, max_length=60)
    city: str = Field(min_length=1, max_length=60)
    district: str = Field(min_length=1, max_length=60)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku_id: uuid.UUID
    quantity: int = Field(ge=1, le=MAX_QUANTITY_ACCEPTED)


class PlaceOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES_ACCEPTED)
    share_code: str | None = Field(default=None, max_length=32)
    address: AddressIn


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=200)


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=60)
    tracking_no: str = Field(min_length=1, max_length=60)


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: int | None = Field(default=None, gt=0, le=MAX_AMOUNT_FEN)
    reason: str = Field(min_length=1, max_length=200)


class PaymentRef(BaseModel):
    id: uuid.UUID
    provider: str


class AddressOut(BaseModel):
    name: str
    phone: str
    province: str
    city: str
    district: str
    line1: str
    line2: str | None = None


class OrderLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    # None on a line of virtual goods (a membership plan), which no supplier provides.
    sku_id: uuid.UUID | None
    product_id: uuid.UUID | None
    supplier_id: uuid.UUID | None
    title: str
    sku_name: str
    unit_price_fen: int
    quantity: int
    amount_fen: int
    discount_fen: int
    paid_fen: int
    refunded_fen: int


class OrderOut(BaseModel):
    id: uuid.UUID
    buyer_id: uuid.UUID
    kind: str
    status: str
    goods_fen: int
    discount_fen: int
    shipping_fee_fen: int
    total_fen: int
    refunded_fen: int
    payment: PaymentRef
    lines: list[OrderLineOut]
    address: AddressOut | None  # None for virtual goods (a membership)
    share_code: str | None
    payment_deadline: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    carrier: str | None
    tracking_no: str | None
    auto_complete_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime


class OrderPageOut(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None


class OrderRefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    amount_fen: int
    reason: str
    payment_refund_id: uuid.UUID | None
    created_at: datetime


class RefundOut(BaseModel):
    refund: OrderRefundOut
    order: OrderOut


def line_out(line: OrderLine) -> OrderLineOut:
    return OrderLineOut.model_validate(line)


def order_out(view: OrderView) -> OrderOut:
    order: Order = view.order
    return OrderOut(
        id=order.id,
        buyer_id=order.buyer_id,
        kind=order.kind,
        status=order.status,
        goods_fen=order.goods_fen,
        discount_fen=order.discount_fen,
        shipping_fee_fen=order.shipping_fee_fen,
        total_fen=order.total_fen,
        refunded_fen=order.refunded_fen,
        payment=PaymentRef(id=order.payment_id, provider=order.payment_provider),
        lines=[line_out(line) for line in view.lines],
        address=None if order.address is None else AddressOut.model_validate(order.address),
        share_code=order.share_code,
        payment_deadline=order.payment_deadline,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        auto_complete_at=order.auto_complete_at,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


def refund_out(refund: OrderRefund, view: OrderView) -> RefundOut:
    return RefundOut(refund=OrderRefundOut.model_validate(refund), order=order_out(view))
