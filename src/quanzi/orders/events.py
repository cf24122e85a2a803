"""Domain events orders publish for upper modules (group buying, referral, membership…).

Handlers subscribed in ``quanzi.wiring`` run in the transaction that made the change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OrderPaid:
    """The buyer's money arrived: a regular order is now ``paid``, a group order
    ``grouping`` (the group module counts the seat and may confirm or refund it)."""

    order_id: uuid.UUID
    buyer_id: uuid.UUID
    kind: str
    status: str
    total_fen: int
    payment_id: uuid.UUID
    share_code: str | None
    # Attribution to a share link is judged at this moment.
    paid_at: datetime


@dataclass(frozen=True)
class OrderShipped:
    order_id: uuid.UUID
    buyer_id: uuid.UUID
    kind: str


@dataclass(frozen=True)
class OrderCompleted:
    """The buyer confirmed receipt, or the auto-complete deadline passed."""

    order_id: uuid.UUID
    buyer_id: uuid.UUID
    kind: str


@dataclass(frozen=True)
class LineRefund:
    line_id: uuid.UUID
    sku_id: uuid.UUID | None  # None on a line of virtual goods (a membership)
    amount_fen: int


@dataclass(frozen=True)
class OrderRefunded:
    """``amount_fen`` was refunded: ``lines`` says how much of it each line got (lines that
    got nothing are left out), ``shipping_fen`` the part that was shipping. ``fully_refunded``
    means the order is now ``refunded``. ``after_cancellation`` marks money that arrived for
    an order already cancelled, handed back whole; no :class:`OrderPaid` preceded it."""

    order_id: uuid.UUID
    buyer_id: uuid.UUID
    kind: str
    refund_id: uuid.UUID
    amount_fen: int
    shipping_fen: int
    lines: tuple[LineRefund, ...]
    fully_refunded: bool
    after_cancellation: bool


@dataclass(frozen=True)
class OrderCancelled:
    """An unpaid order was cancelled (``reason``: ``buyer`` or ``expired``); its stock is
    released and its payment closed."""

    order_id: uuid.UUID
    buyer_id: uuid.UUID
    kind: str
    reason: str
