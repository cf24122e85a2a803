"""Direct shipment (厂家直发): the supplier ships each order of a produced batch straight to
its buyer, one by one or from a CSV file, through the orders module's ``ship_order`` (so
the buyer sees carrier and tracking number, and ``order.shipped`` is emitted)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.errors import Conflict
from quanzi.orders import service as orders
from quanzi.production import batches, orderdata, rules

Outcome = Literal["shipped", "already_shipped"]


@dataclass(frozen=True)
class ShipmentResult:
    row: int
    order_id: uuid.UUID
    result: Outcome
    carrier: str
    tracking_no: str


@dataclass(frozen=True)
class ShipmentReport:
    batch_id: uuid.UUID
    shipped: int
    unchanged: int
    results: list[ShipmentResult]


async def ship_batch(
    session: AsyncSession,
    batch_id: uuid.UUID,
    *,
    supplier_id: uuid.UUID,
    actor_id: uuid.UUID,
    rows: Sequence[rules.ShipmentRow],
    row_errors: Sequence[rules.RowError] = (),
) -> ShipmentReport:
    """Ship the orders named in ``rows`` (all or nothing).

    Every row is checked before anything is written: the order must be in this batch and
    confirmed; one already shipped with the same tracking number is left as it is
    (``already_shipped``), with another one it is an error. Any bad row (including
    ``row_errors`` found while reading the file) refuses the whole request with
    ``invalid_shipments`` (422) listing every bad row. The batch must be ``produced``
    (``batch_not_produced``, 409) and the supplier's (404).
    """
    batch = await batches.supplier_batch(session, batch_id, supplier_id)
    if batch.status != rules.PRODUCED:
        raise Conflict(
            "Orders ship once their batch is produced.",
            code="batch_not_produced",
            batch_status=batch.status,
        )
    found = {
        order.order_id: order
        for order in await orderdata.batch_orders(
            session, batch_id, order_ids=[row.order_id for row in rows]
        )
    }
    errors = list(row_errors)
    plan: list[tuple[rules.ShipmentRow, str]] = []
    for row in rows:
        order = found.get(row.order_id)
        if order is None:
            errors.append(rules.not_in_batch(row))
            continue
        action = rules.shipment_action(
            row, order_status=order.status, carrier=order.carrier, tracking_no=order.tracking_no
        )
        if isinstance(action, rules.RowError):
            errors.append(action)
        else:
            plan.append((row, action))
    if errors:
        raise rules.refuse_rows(errors)
    # Orders are locked in id order, so two uploads for one batch cannot deadlock.
    for row, action in sorted(plan, key=lambda item: item[0].order_id):
        if action == rules.SHIP:
            await orders.ship_order(
                session,
                row.order_id,
                carrier=row.carrier,
                tracking_no=row.tracking_no,
                actor_id=actor_id,
                supplier_id=supplier_id,
            )
    results = [
        ShipmentResult(
            row=row.row,
            order_id=row.order_id,
            result="shipped" if action == rules.SHIP else "already_shipped",
            carrier=row.carrier,
            tracking_no=row.tracking_no,
        )
        for row, action in plan
    ]
    shipped = sum(1 for _, action in plan if action == rules.SHIP)
    return ShipmentReport(batch.id, shipped, len(plan) - shipped, results)


_LIST_COLUMNS = (
    "order_id",
    "carrier",
    "tracking_no",
    "quantity",
    "status",
    "name",
    "phone",
    "province",
    "city",
    "district",
    "line1",
    "line2",
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def shipping_list(
    session: AsyncSession, batch_id: uuid.UUID, *, supplier_id: uuid.UUID
) -> str:
    """The batch's orders as CSV (UTF-8 with BOM, for spreadsheets): where each goes and
    any tracking already given. Filled in, it is a valid shipment upload."""
    await batches.supplier_batch(session, batch_id, supplier_id)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_LIST_COLUMNS)
    for order in await orderdata.batch_orders(session, batch_id):
        address = order.address
        writer.writerow(
            _cell(value)
            for value in (
                order.order_id,
                order.carrier,
                order.tracking_no,
                order.quantity,
                order.status,
                address.get("name"),
                address.get("phone"),
                address.get("province"),
                address.get("city"),
                address.get("district"),
                address.get("line1"),
                address.get("line2"),
            )
        )
    return out.getvalue()
