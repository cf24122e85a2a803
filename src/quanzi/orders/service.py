"""The orders module's public service surface for the API, the worker, ``quanzi.wiring``
and upper modules (group buying, membership, referral). The rules live in the files
named below, by concept; import from here.

- placement: :func:`place_order` (``kind="group"``, ``unit_price_overrides``,
  ``discount_fen``, ``shipping_fee_fen`` for upper modules)
- placement of virtual goods: :func:`place_virtual_order` (a membership)
- lifecycle: :func:`handle_payment_succeeded`, :func:`confirm_group_order`,
  :func:`ship_order`, :func:`confirm_receipt`, :func:`cancel_order`,
  :func:`close_unpaid`, :func:`complete_virtual_order`
- pricing: :func:`set_member_check`, :func:`set_free_shipping_check`
- refunds: :func:`refund_order`
- sweeps: :func:`expire_unpaid`, :func:`auto_complete`
- queries: :func:`order_for`, :func:`list_orders`, :func:`buyer_totals`
"""

from __future__ import annotations

from quanzi.orders.lifecycle import (
    cancel_order,
    close_unpaid,
    complete_virtual_order,
    confirm_group_order,
    confirm_receipt,
    handle_payment_succeeded,
    ship_order,
)
from quanzi.orders.placement import LineRequest, place_order, place_virtual_order
from quanzi.orders.pricing import set_free_shipping_check, set_member_check
from quanzi.orders.queries import (
    BuyerTotals,
    OrderPage,
    Viewer,
    buyer_totals,
    list_orders,
    order_for,
    parse_cursor,
)
from quanzi.orders.refunds import refund_order
from quanzi.orders.store import OrderView, get_order
from quanzi.orders.store import not_found as order_not_found
from quanzi.orders.sweeps import auto_complete, expire_unpaid

__all__ = [
    "BuyerTotals",
    "LineRequest",
    "OrderPage",
    "OrderView",
    "Viewer",
    "auto_complete",
    "buyer_totals",
    "cancel_order",
    "close_unpaid",
    "complete_virtual_order",
    "confirm_group_order",
    "confirm_receipt",
    "expire_unpaid",
    "get_order",
    "handle_payment_succeeded",
    "list_orders",
    "order_for",
    "order_not_found",
    "parse_cursor",
    "place_order",
    "place_virtual_order",
    "refund_order",
    "set_free_shipping_check",
    "set_member_check",
    "ship_order",
]
