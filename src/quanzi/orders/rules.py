"""Pure order rules: the state machine, prices and totals, refund allocation and the ledger
splits of a payment and of a refund. No database, no clock: tests call these directly."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quanzi.core.errors import Conflict, Unprocessable
from quanzi.core.money import spread
from quanzi.identity.rules import normalize_phone
from quanzi.ledger import rules as accounts
from quanzi.ledger.rules import Leg

# --- state machine ---------------------------------------------------------------------

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
GROUPING = "grouping"
CONFIRMED = "confirmed"
SHIPPED = "shipped"
COMPLETED = "completed"
CANCELLED = "cancelled"
REFUNDED = "refunded"
STATUSES = (PENDING_PAYMENT, PAID, GROUPING, CONFIRMED, SHIPPED, COMPLETED, CANCELLED, REFUNDED)

REGULAR = "regular"
GROUP = "group"
# A paid membership (virtual goods: no stock, no address, no shipping); the membership
# module completes it as soon as the payment has activated the membership.
MEMBERSHIP = "membership"
KINDS = (REGULAR, GROUP, MEMBERSHIP)
VIRTUAL_KINDS = frozenset({MEMBERSHIP})

# Every legal move, per order kind. A full refund is possible from every paid state, and
# from ``cancelled`` when money arrived after the order had already been cancelled.
TRANSITIONS: Mapping[str, Mapping[str, frozenset[str]]] = {
    REGULAR: {
        PENDING_PAYMENT: frozenset({PAID, CANCELLED}),
        PAID: frozenset({SHIPPED, REFUNDED}),
        SHIPPED: frozenset({COMPLETED, REFUNDED}),
        COMPLETED: frozenset({REFUNDED}),
        CANCELLED: frozenset({REFUNDED}),
    },
    GROUP: {
        PENDING_PAYMENT: frozenset({GROUPING, CANCELLED}),
        GROUPING: frozenset({CONFIRMED, REFUNDED}),
        CONFIRMED: frozenset({SHIPPED, REFUNDED}),
        SHIPPED: frozenset({COMPLETED, REFUNDED}),
        COMPLETED: frozenset({REFUNDED}),
        CANCELLED: frozenset({REFUNDED}),
    },
    MEMBERSHIP: {
        PENDING_PAYMENT: frozenset({PAID, CANCELLED}),
        PAID: frozenset({COMPLETED, REFUNDED}),
        COMPLETED: frozenset({REFUNDED}),
        CANCELLED: frozenset({REFUNDED}),
    },
}

# Where a payment takes an order of each kind.
PAID_STATUS: Mapping[str, str] = {REGULAR: PAID, GROUP: GROUPING, MEMBERSHIP: PAID}
# States in which the buyer's money is with the shop: an operator (or the group module)
# may refund them, partly (the status stays) or fully (the order becomes ``refunded``).
PAID_STATUSES = frozenset({PAID, GROUPING, CONFIRMED, SHIPPED, COMPLETED})
# Paid but not yet shipped states a buyer may cancel (in full refund). A grouping order is
# not: its seat is the group's, and a failed group refunds it automatically.
BUYER_CANCELLABLE_PAID: Mapping[str, str] = {REGULAR: PAID, GROUP: CONFIRMED}


class IllegalTransition(Conflict):
    code = "illegal_transition"
    title = "Illegal status change"

    def __init__(self, kind: str, from_status: str, to_status: str) -> None:
        super().__init__(f"A {kind} order cannot go from {from_status} to {to_status}.")
        self.extra.update({"from": from_status, "to": to_status})


def can_transition(kind: str, from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(kind, {}).get(from_status, frozenset())


def check_transition(kind: str, from_status: str, to_status: str) -> None:
    """Refuse with ``illegal_transition`` (409) unless the table allows the move."""
    if not can_transition(kind, from_status, to_status):
        raise IllegalTransition(kind, from_status, to_status)


# --- request checks --------------------------------------------------------------------

ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "line1", "line2")
REQUIRED_ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "line1")


def clean_address(address: Mapping[str, Any]) -> dict[str, str | None]:
    """Trimmed address with the phone as 11 digits; refuses blanks and bad phones (422)."""
    unknown = sorted(set(address) - set(ADDRESS_FIELDS))
    if unknown:
        raise Unprocessable(
            f"Unknown address fields: {', '.join(unknown)}.", code="invalid_address"
        )
    cleaned: dict[str, str | None] = {}
    for field in ADDRESS_FIELDS:
        raw = address.get(field)
        value = raw.strip() if isinstance(raw, str) else None
        if field in REQUIRED_ADDRESS_FIELDS and not value:
            raise Unprocessable(
                f"The address needs a {field}.", code="invalid_address", field=field
            )
        cleaned[field] = value or None
    phone = normalize_phone(cleaned["phone"] or "")
    if phone is None:
        raise Unprocessable(
            "The address phone must be a mainland China mobile number.", code="invalid_phone"
        )
    cleaned["phone"] = phone
    return cleaned


def merge_lines(
    lines: Iterable[tuple[uuid.UUID, int]], *, max_lines: int, max_quantity: int
) -> dict[uuid.UUID, int]:
    """Quantities per SKU, in first-seen order. Two lines for one SKU are merged into one
    (a cart may add the same item twice); the merged quantity must still be in range."""
    raw = list(lines)
    if not raw:
        raise Unprocessable("An order needs at least one line.", code="no_lines")
    if len(raw) > max_lines:
        raise Unprocessable(f"An order may have at most {max_lines} lines.", code="too_many_lines")
    merged: dict[uuid.UUID, int] = {}
    for sku_id, quantity in raw:
        _check_quantity(sku_id, quantity, max_quantity)
        merged[sku_id] = merged.get(sku_id, 0) + quantity
    for sku_id, quantity in merged.items():
        _check_quantity(sku_id, quantity, max_quantity)
    return merged


def _check_quantity(sku_id: uuid.UUID, quantity: int, max_quantity: int) -> None:
    if not 1 <= quantity <= max_quantity:
        raise Unprocessable(
            f"Quantity must be between 1 and {max_quantity}.",
            code="invalid_quantity",
            sku_id=str(sku_id),
        )


# --- prices and totals -----------------------------------------------------------------


def unit_price(
    price_fen: int, member_price_fen: int | None, *, is_member: bool, override_fen: int | None
) -> int:
    """The price fixed on the line: an explicit override (group price), else the member
    price for an active member when the SKU has one, else the solo price."""
    if override_fen is not None:
        return override_fen
    if is_member and member_price_fen is not None:
        return member_price_fen
    return price_fen


def shipping_fee(goods_fen: int, *, flat_fee_fen: int, free_threshold_fen: int) -> int:
    return 0 if goods_fen >= free_threshold_fen else flat_fee_fen


def spread_within(total_fen: int, caps: Sequence[int]) -> list[int]:
    """:func:`quanzi.core.money.spread` over ``caps`` (proportional, the last part taking
    the remainder) where no part may exceed its cap: a remainder that would overflow the
    last part moves to the nearest earlier parts with room."""
    if total_fen < 0 or any(cap < 0 for cap in caps):
        raise ValueError("amounts must be non-negative")
    if total_fen > sum(caps):
        raise ValueError("total exceeds the caps")
    if total_fen == 0:
        return [0] * len(caps)
    parts = spread(total_fen, caps)
    excess = 0
    for index in range(len(parts) - 1, -1, -1):
        parts[index] += excess
        excess = max(0, parts[index] - caps[index])
        parts[index] -= excess
    return parts


@dataclass(frozen=True)
class PricedLine:
    sku_id: uuid.UUID
    unit_price_fen: int
    quantity: int
    amount_fen: int
    discount_fen: int
    paid_fen: int


@dataclass(frozen=True)
class PricedOrder:
    lines: list[PricedLine]
    goods_fen: int
    discount_fen: int
    shipping_fee_fen: int
    total_fen: int


def price_order(
    lines: Sequence[tuple[uuid.UUID, int, int]],
    *,
    discount_fen: int,
    shipping_fee_fen: int,
) -> PricedOrder:
    """Total = Σ unit × quantity − discount + shipping; the discount is spread over the
    lines in proportion to their amounts so every line knows what was paid for it.
    ``lines`` are ``(sku_id, unit_price_fen, quantity)``."""
    amounts = [unit * quantity for _, unit, quantity in lines]
    goods = sum(amounts)
    if not 0 <= discount_fen <= goods:
        raise Unprocessable(
            "The discount must be between zero and the value of the goods.",
            code="invalid_discount",
        )
    discounts = spread_within(discount_fen, amounts)
    priced = [
        PricedLine(sku_id, unit, quantity, amount, discount, amount - discount)
        for (sku_id, unit, quantity), amount, discount in zip(
            lines, amounts, discounts, strict=True
        )
    ]
    total = goods - discount_fen + shipping_fee_fen
    if total <= 0:
        raise Unprocessable("This order would cost nothing.", code="nothing_to_pay")
    return PricedOrder(priced, goods, discount_fen, shipping_fee_fen, total)


# --- ledger splits ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineMoney:
    """What the ledger needs of an order line: whose goods (``None`` for virtual goods the
    platform sells itself), paid and supply amounts, refunded so far, and the account the
    supply cost is owed on."""

    supplier_id: uuid.UUID | None
    paid_fen: int
    supply_fen: int
    refunded_fen: int = 0
    supply_account: str = ""

    @property
    def supply_ledger_account(self) -> str:
        if self.supply_account:
            return self.supply_account
        if self.supplier_id is None:
            raise ValueError("a line without a supplier owes no supply cost")
        return accounts.supplier_payable(self.supplier_id)


def supply_account(kind: str, supplier_id: uuid.UUID) -> str:
    """Where an order line's supply cost is owed. A group order's goods are made to order
    (C2M), so its cost is only accrued at payment and becomes payable when the production
    batch is produced; other goods are owed to the supplier at once."""
    if kind == "group":
        return accounts.supplier_accrued(supplier_id)
    return accounts.supplier_payable(supplier_id)


def revenue_account(kind: str) -> str:
    """Where the goods part of an order's money is earned: a membership fee is membership
    revenue (never sales revenue, so never a commission base); everything else is sales."""
    return accounts.MEMBERSHIP_REVENUE if kind == MEMBERSHIP else accounts.SALES_REVENUE


def payment_legs(
    total_fen: int,
    shipping_fen: int,
    lines: Sequence[LineMoney],
    *,
    revenue: str = accounts.SALES_REVENUE,
) -> list[Leg]:
    """The split of an order's payment: the provider holds the total; shipping is shipping
    revenue; each supplier is owed (or, for made-to-order goods, accrues) its supply price ×
    quantity; the rest is ``revenue`` (sales revenue by default; see :func:`revenue_account`)
    (negative — a debit — when goods were sold below their supply price)."""
    goods_paid = sum(line.paid_fen for line in lines)
    if goods_paid + shipping_fen != total_fen:
        raise ValueError("lines and shipping do not add up to the total")
    supply = sum(line.supply_fen for line in lines)
    legs = [Leg(accounts.PROVIDER_CLEARING, total_fen)]
    legs.append(Leg(accounts.SHIPPING_REVENUE, -shipping_fen))
    legs.extend(
        Leg(line.supply_ledger_account, -line.supply_fen) for line in lines if line.supply_fen
    )
    legs.append(Leg(revenue, -(goods_paid - supply)))
    return accounts.merge_legs(legs)


def supply_reversed(line: LineMoney, refunded_fen: int, *, final: bool) -> int:
    """How much of a line's supplier payable is reversed once ``refunded_fen`` of it has
    been refunded: in proportion, rounded down, and all of it when the order is fully
    refunded, so a full refund always nets to zero."""
    if final:
        return line.supply_fen
    if line.paid_fen == 0:
        return 0
    return line.supply_fen * refunded_fen // line.paid_fen


@dataclass(frozen=True)
class RefundSplit:
    line_parts: list[int]
    shipping_fen: int
    legs: list[Leg]


def split_refund(
    amount_fen: int,
    lines: Sequence[LineMoney],
    *,
    shipping_left_fen: int,
    final: bool,
    revenue: str = accounts.SALES_REVENUE,
) -> RefundSplit:
    """Allocate a refund: goods first, over the lines in proportion to what is left on
    each; shipping only for what exceeds the goods left. The ledger legs reverse the
    payment split (``revenue`` as in :func:`payment_legs`) in the same proportions and
    credit ``refunds_payable`` with the amount."""
    left = [line.paid_fen - line.refunded_fen for line in lines]
    goods_left = sum(left)
    if amount_fen <= 0 or amount_fen > goods_left + shipping_left_fen:
        raise ValueError("refund out of range")
    goods = min(amount_fen, goods_left)
    parts = spread_within(goods, left)
    shipping = amount_fen - goods
    legs = [Leg(accounts.REFUNDS_PAYABLE, -amount_fen), Leg(accounts.SHIPPING_REVENUE, shipping)]
    for line, part in zip(lines, parts, strict=True):
        reversed_supply = supply_reversed(
            line, line.refunded_fen + part, final=final
        ) - supply_reversed(line, line.refunded_fen, final=False)
        if reversed_supply:
            legs.append(Leg(line.supply_ledger_account, reversed_supply))
        legs.append(Leg(revenue, part - reversed_supply))
    return RefundSplit(parts, shipping, accounts.merge_legs(legs))
