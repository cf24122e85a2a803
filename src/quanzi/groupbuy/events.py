"""Domain events of group buying, for modules above or beside it (production, referral)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class GroupSucceeded:
    """Every seat of ``group_id`` is paid (by members, or some by the platform): its member
    orders are now ``confirmed`` and are demand for production."""

    group_id: uuid.UUID
    campaign_id: uuid.UUID
    order_ids: tuple[uuid.UUID, ...]
    platform_filled: int


@dataclass(frozen=True)
class GroupFailed:
    """``group_id`` ran out of time short of seats; ``order_ids`` (the paid members' orders)
    are refunded in full in the same transaction."""

    group_id: uuid.UUID
    campaign_id: uuid.UUID
    order_ids: tuple[uuid.UUID, ...]
