from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentSucceeded:
    """Money for ``payable`` reached us. Published once per payment, in the transaction
    that recorded it; the payable's owner (orders) reacts in ``quanzi.wiring``."""

    payment_id: uuid.UUID
    payable_type: str
    payable_id: uuid.UUID
    amount_fen: int
    provider: str


@dataclass(frozen=True)
class RefundSettled:
    """The provider finished a refund (``succeeded`` or ``failed``)."""

    refund_id: uuid.UUID
    payment_id: uuid.UUID
    amount_fen: int
    status: str
