"""The commission sub-package's public surface (wiring, worker, other modules):

- plans: :func:`current_plan`, :func:`plan_version`, :func:`set_plan`
- accrual: :func:`accrue` (``OrderPaid``)
- lifecycle: :func:`on_order_completed`, :func:`on_order_refunded`, :func:`release_due`
- base pay: :func:`pay_base_pay`
"""

from __future__ import annotations

from quanzi.referral.commission.accrual import accrue
from quanzi.referral.commission.basepay import pay_base_pay
from quanzi.referral.commission.lifecycle import (
    on_order_completed,
    on_order_refunded,
    release_due,
    release_one,
)
from quanzi.referral.commission.plans import current_plan, plan_version, set_plan

__all__ = [
    "accrue",
    "current_plan",
    "on_order_completed",
    "on_order_refunded",
    "pay_base_pay",
    "plan_version",
    "release_due",
    "release_one",
    "set_plan",
]
