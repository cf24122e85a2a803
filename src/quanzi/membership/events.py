"""Domain events the membership module publishes (handlers subscribed in ``quanzi.wiring``
run in the transaction that made the change)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class MembershipActivated:
    """A paid purchase started a membership (``renewal=False``) or extended the running
    one (``renewal=True``; ``membership_id`` is then the existing membership's)."""

    user_id: uuid.UUID
    membership_id: uuid.UUID
    plan_id: uuid.UUID
    order_id: uuid.UUID
    renewal: bool


@dataclass(frozen=True)
class MembershipEnded:
    """A membership stopped being active: ``reason`` is ``"expired"`` (its time ran out) or
    ``"refunded"`` (a refund took back the days it still had). Published exactly once per
    membership."""

    user_id: uuid.UUID
    membership_id: uuid.UUID
    reason: str
