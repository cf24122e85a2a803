"""Transactional outbox: externally visible events written with the change that caused them.

Delivery (webhooks, NATS) reads this table later, so an event exists if and only if its
transaction committed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core import clock
from quanzi.core.db import Base, IdMixin, TimestampMixin


class OutboxEvent(IdMixin, TimestampMixin, Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unrelayed", "relayed_at", "created_at"),)

    topic: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]]
    relayed_at: Mapped[datetime | None]


async def emit(session: AsyncSession, topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record ``topic`` with a JSON-safe ``payload`` in the current transaction."""
    event = OutboxEvent(topic=topic, payload=payload, created_at=clock.now())
    session.add(event)
    await session.flush()
    return event


def json_id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
