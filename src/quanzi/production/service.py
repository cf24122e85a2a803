"""The production module's public service surface for the API, the worker and
``quanzi.wiring``. The rules live in the files named below, by concept; import from here.

- demand: :func:`add_group_demand` (on ``GroupSucceeded``), :func:`apply_refund`
  (on ``OrderRefunded``)
- batches: :func:`current_rule`, :func:`set_rule`, :func:`cut_due` (worker sweep),
  :func:`cut_now`, :func:`supplier_batch`, :func:`start_production`,
  :func:`mark_produced`
- shipping: :func:`ship_batch`, :func:`shipping_list`
- queries: :func:`list_batches`, :func:`batch_for_supplier`, :func:`batch_for_operator`,
  :func:`shipping_progress`
"""

from __future__ import annotations

from quanzi.production.batches import (
    current_rule,
    cut_due,
    cut_now,
    mark_produced,
    rule_row,
    set_rule,
    start_production,
    supplier_batch,
)
from quanzi.production.demand import add_group_demand, apply_refund
from quanzi.production.orderdata import ShippingProgress, shipping_progress
from quanzi.production.queries import (
    BatchPage,
    BatchView,
    batch_for_operator,
    batch_for_supplier,
    list_batches,
)
from quanzi.production.shipping import ShipmentReport, ShipmentResult, ship_batch, shipping_list

__all__ = [
    "BatchPage",
    "BatchView",
    "ShipmentReport",
    "ShipmentResult",
    "ShippingProgress",
    "add_group_demand",
    "apply_refund",
    "batch_for_operator",
    "batch_for_supplier",
    "current_rule",
    "cut_due",
    "cut_now",
    "list_batches",
    "mark_produced",
    "rule_row",
    "set_rule",
    "ship_batch",
    "shipping_list",
    "shipping_progress",
    "start_production",
    "supplier_batch",
]
