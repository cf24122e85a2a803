"""Pure production rules: batch states, the shop-day boundary, what a supplier is owed for a
line, and reading shipment rows. No database, no clock: tests call these directly."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from quanzi.core.errors import Conflict, Unprocessable
from quanzi.orders import rules as order_rules

# --- batch states ----------------------------------------------------------------------

COLLECTING = "collecting"
CREATED = "created"
IN_PRODUCTION = "in_production"
PRODUCED = "produced"
STATUSES = (COLLECTING, CREATED, IN_PRODUCTION, PRODUCED)
# A batch still collecting is the platform's business; the supplier sees it once cut.
SUPPLIER_STATUSES = (CREATED, IN_PRODUCTION, PRODUCED)

# The supplier's moves (collecting → created is the cut, made by the rule, not by a person).
TRANSITIONS = {CREATED: IN_PRODUCTION, IN_PRODUCTION: PRODUCED}

DAILY = "daily"
THRESHOLD = "threshold"
MODES = (DAILY, THRESHOLD)
MAX_THRESHOLD = 1_000_000


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = "Illegal status change"

    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(f"A batch cannot go from {from_status} to {to_status}.")
        self.extra.update({"from": from_status, "to": to_status})


def check_transition(from_status: str, to_status: str) -> None:
    """Refuse with ``illegal_transition`` (409) unless the supplier may make the move."""
    if TRANSITIONS.get(from_status) != to_status:
        raise IllegalTransition(from_status, to_status)


@dataclass(frozen=True)
class Rule:
    mode: str
    threshold_quantity: int | None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown production rule mode {self.mode!r}")
        if self.mode == THRESHOLD and (
            self.threshold_quantity is None or not 0 < self.threshold_quantity <= MAX_THRESHOLD
        ):
            raise ValueError("a threshold rule needs a positive threshold quantity")

    def reached(self, quantity: int) -> bool:
        """Whether a batch holding ``quantity`` must be cut at once."""
        return (
            self.mode == THRESHOLD
            and self.threshold_quantity is not None
            and quantity >= self.threshold_quantity
        )


DEFAULT_RULE = Rule(DAILY, None)


def shop_day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of the last midnight in the shop's time zone at ``now``: demand
    collected before it belongs to an earlier shop day and is cut."""
    local_day = now.astimezone(tz).date()
    return datetime.combine(local_day, time(0), tzinfo=tz).astimezone(UTC)


# --- what the supplier is owed ---------------------------------------------------------


def net_supply(
    supply_fen: int, paid_fen: int, refunded_fen: int, *, order_fully_refunded: bool
) -> int:
    """The supply cost of a line still owed to its supplier after refunds: the orders
    module reverses supply in proportion to each refund (all of it once the order is
    fully refunded), so what is left is ``supply − reversed``."""
    line = order_rules.LineMoney(
        supplier_id=uuid.UUID(int=0),
        paid_fen=paid_fen,
        supply_fen=supply_fen,
        refunded_fen=refunded_fen,
    )
    return supply_fen - order_rules.supply_reversed(line, refunded_fen, final=order_fully_refunded)


# --- shipment rows ---------------------------------------------------------------------

MAX_CARRIER = 60
MAX_TRACKING_NO = 60
MAX_SHIPMENT_ROWS = 5000


@dataclass(frozen=True)
class ShipmentRow:
    """One requested shipment; ``row`` is its line in the CSV file (the header is line 1)
    or its position in a JSON list (from 1)."""

    row: int
    order_id: uuid.UUID
    carrier: str
    tracking_no: str


@dataclass(frozen=True)
class RowError:
    row: int
    code: str
    reason: str
    order_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "order_id": self.order_id,
            "code": self.code,
            "reason": self.reason,
        }


def refuse_rows(errors: Iterable[RowError]) -> Unprocessable:
    """The 422 answer listing every bad row; nothing was written."""
    ordered = sorted(errors, key=lambda error: error.row)
    return Unprocessable(
        f"{len(ordered)} shipment row(s) cannot be used; nothing was shipped.",
        code="invalid_shipments",
        errors=[error.as_dict() for error in ordered],
    )


def _check_fields(
    row: int, raw_order_id: str, carrier: str, tracking_no: str
) -> ShipmentRow | RowError:
    raw_order_id, carrier, tracking_no = raw_order_id.strip(), carrier.strip(), tracking_no.strip()
    shown = raw_order_id[:64] or None
    try:
        order_id = uuid.UUID(raw_order_id)
    except ValueError:
        return RowError(row, "invalid_order_id", "order_id is not an order id.", shown)
    if not carrier:
        return RowError(row, "missing_carrier", "The carrier is missing.", shown)
    if not tracking_no:
        return RowError(row, "missing_tracking_no", "The tracking number is missing.", shown)
    if len(carrier) > MAX_CARRIER:
        return RowError(row, "carrier_too_long", f"At most {MAX_CARRIER} characters.", shown)
    if len(tracking_no) > MAX_TRACKING_NO:
        return RowError(
            row, "tracking_no_too_long", f"At most {MAX_TRACKING_NO} characters.", shown
        )
    return ShipmentRow(row, order_id, carrier, tracking_no)


def check_rows(
    rows: Iterable[tuple[int, str, str, str]],
) -> tuple[list[ShipmentRow], list[RowError]]:
    """Validate ``(row, order_id, carrier, tracking_no)`` fields: a real id, a carrier and a
    tracking number of sane length, each order once."""
    good: list[ShipmentRow] = []
    errors: list[RowError] = []
    first_row: dict[uuid.UUID, int] = {}
    for row, raw_order_id, carrier, tracking_no in rows:
        checked = _check_fields(row, raw_order_id, carrier, tracking_no)
        if isinstance(checked, RowError):
            errors.append(checked)
        elif checked.order_id in first_row:
            errors.append(
                RowError(
                    row,
                    "duplicate_order",
                    f"The order is already listed on row {first_row[checked.order_id]}.",
                    str(checked.order_id),
                )
            )
        else:
            first_row[checked.order_id] = row
            good.append(checked)
    return good, errors


# --- deciding each row -------------------------------------------------------------------

SHIP = "ship"
UNCHANGED = "unchanged"


def shipment_action(
    row: ShipmentRow,
    *,
    order_status: str,
    carrier: str | None,
    tracking_no: str | None,
) -> str | RowError:
    """``ship`` a confirmed order; ``unchanged`` when it already left with this tracking
    number; an error row otherwise (refunded, or shipped with another tracking number)."""
    order = str(row.order_id)
    if order_status == order_rules.CONFIRMED:
        return SHIP
    if order_status in (order_rules.SHIPPED, order_rules.COMPLETED):
        same = tracking_no == row.tracking_no and (carrier or "").casefold() == (
            row.carrier.casefold()
        )
        if same:
            return UNCHANGED
        return RowError(
            row.row,
            "already_shipped",
            f"The order was already shipped with {carrier} {tracking_no}.",
            order,
        )
    if order_status == order_rules.REFUNDED:
        return RowError(row.row, "order_refunded", "The order was refunded; do not ship it.", order)
    return RowError(
        row.row, "order_not_shippable", f"The order is {order_status}; it cannot ship.", order
    )


def not_in_batch(row: ShipmentRow) -> RowError:
    return RowError(row.row, "not_in_batch", "The order is not in this batch.", str(row.order_id))


def json_rows(
    items: Sequence[tuple[uuid.UUID, str, str]],
) -> tuple[list[ShipmentRow], list[RowError]]:
    """JSON shipments ``(order_id, carrier, tracking_no)`` (shape already checked),
    numbered from 1, each order once."""
    return check_rows(
        (position, str(order_id), carrier, tracking_no)
        for position, (order_id, carrier, tracking_no) in enumerate(items, start=1)
    )
