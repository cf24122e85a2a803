"""Rollup tables. Nothing on a hot path writes here: the ``analytics.rollup`` worker sweep
reads the outbox and adds each event's amounts to the day it happened on (shop time)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.core.db import Base


class DailyKpi(Base):
    """One shop day (``settings.shop_timezone``). Amounts in fen; counts of events.

    ``gmv_fen``/``orders_paid``: goods orders (regular and group) paid that day, gross;
    ``refunds_fen``/``refunds``: refunds granted on goods orders that day; ``buyers``:
    distinct members who paid a goods order that day, ``new_buyers`` those paying for the
    first time; ``member_gmv_fen``: the part of ``gmv_fen`` paid by buyers holding an
    active membership when they paid; ``membership_fen``/``memberships_sold``: membership
    fee orders paid, ``membership_refunds_fen`` refunded; groups closed that day;
    ``members_joined``/``members_ended``: membership tenures that started (renewals
    excluded) and ended that day, whose running sum is the number of active members.
    """

    __tablename__ = "analytics_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    gmv_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    orders_paid: Mapped[int] = mapped_column(Integer, default=0)
    refunds_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(Integer, default=0)
    buyers: Mapped[int] = mapped_column(Integer, default=0)
    new_buyers: Mapped[int] = mapped_column(Integer, default=0)
    member_gmv_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    membership_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    memberships_sold: Mapped[int] = mapped_column(Integer, default=0)
    membership_refunds_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    groups_succeeded: Mapped[int] = mapped_column(Integer, default=0)
    groups_failed: Mapped[int] = mapped_column(Integer, default=0)
    members_joined: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    members_ended: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SharerDay(Base):
    """Goods orders paid on ``day`` that were attributed to ``sharer_id``'s share links, and
    their goods amount (before refunds): top sharers over any window of days."""

    __tablename__ = "analytics_sharer_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sharer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class BuyerDay(Base):
    """A member paid a goods order on ``day`` (makes ``buyers`` exact per day)."""

    __tablename__ = "analytics_buyer_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    buyer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Buyer(Base):
    """First and last day a member paid a goods order: new buyers per day, and distinct
    buyers over the last N days (those whose last paid day is inside them) by an index."""

    __tablename__ = "analytics_buyers"
    # Covering: distinct and repeat buyers of a window are counted from the index alone.
    __table_args__ = (Index("ix_analytics_buyers_last_first", "last_paid_on", "first_paid_on"),)

    buyer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    first_paid_on: Mapped[date] = mapped_column(Date)
    last_paid_on: Mapped[date] = mapped_column(Date)


class RollupCursor(Base):
    """How far the rollup sweep has read the outbox: ``position_id`` is the newest event
    applied (outbox ids are time-ordered UUIDv7). The row is also the sweep's lock, so
    only one worker applies events at a time."""

    __tablename__ = "analytics_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position_id: Mapped[uuid.UUID | None]
    updated_at: Mapped[datetime]


class AppliedEvent(Base):
    """Events applied within the look-back window: an event whose transaction committed
    after newer ones were applied is still found, and never applied twice."""

    __tablename__ = "analytics_applied_events"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
