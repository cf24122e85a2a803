"""The one place where modules react to each other's domain events.

Read top to bottom, this file is the business flow across modules. Handlers run inside
the transaction that raised the event.
"""

from __future__ import annotations

from quanzi.core import events
from quanzi.orders import service as orders
from quanzi.payments.events import PaymentSucceeded


def install() -> None:
    """Subscribe every cross-module reaction (idempotent)."""
    events.clear()
    # Money arrived: the order is paid (or, if it was cancelled meanwhile, refunded).
    events.subscribe(PaymentSucceeded, orders.handle_payment_succeeded)
