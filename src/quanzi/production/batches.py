"""Batches after demand: the operator's cut rule, cutting (inline and by the worker), the
supplier's production steps, and the supplier payable booked when a batch is produced."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.core.config import get_settings
from quanzi.core.db import is_postgres
from quanzi.core.errors import NotFound
from quanzi.core.outbox import emit, json_id
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.production import orderdata, rules
from quanzi.production.models import ProductionBatch, ProductionBatchOrder, ProductionRule

RULE_ID = 1


def batch_not_found() -> NotFound:
    return NotFound("No such production batch.", code="batch_not_found")


# --- the rule --------------------------------------------------------------------------


async def rule_row(session: AsyncSession) -> ProductionRule | None:
    """The stored cut rule, if an operator ever set one."""
    return await session.get(ProductionRule, RULE_ID, populate_existing=True)


async def current_rule(session: AsyncSession) -> rules.Rule:
    """The cut rule in force (``daily`` until an operator sets one)."""
    row = await rule_row(session)
    if row is None:
        return rules.DEFAULT_RULE
    return rules.Rule(row.mode, row.threshold_quantity)


async def set_rule(
    session: AsyncSession, *, mode: str, threshold_quantity: int | None
) -> ProductionRule:
    """Set the cut rule. Collecting batches that already reach a new threshold are cut at
    once rather than waiting for more demand or for midnight."""
    rule = rules.Rule(mode, threshold_quantity if mode == rules.THRESHOLD else None)
    now = clock.now()
    insert = pg_insert if is_postgres(session) else sqlite_insert
    values = {"mode": rule.mode, "threshold_quantity": rule.threshold_quantity, "updated_at": now}
    await session.execute(
        insert(ProductionRule)
        .values(id=RULE_ID, created_at=now, **values)
        .on_conflict_do_update(index_elements=["id"], set_=values)
    )
    if rule.threshold_quantity is not None:
        reached = await session.scalars(
            select(ProductionBatch.id)
            .where(
                ProductionBatch.status == rules.COLLECTING,
                ProductionBatch.quantity >= rule.threshold_quantity,
            )
            .order_by(ProductionBatch.id)
        )
        for batch_id in list(reached):
            await cut(session, batch_id)
    row = await rule_row(session)
    assert row is not None
    return row


# --- cutting ---------------------------------------------------------------------------


def _created_payload(batch: Any) -> dict[str, Any]:
    return {
        "batch_id": json_id(batch.id),
        "supplier_id": json_id(batch.supplier_id),
        "sku_id": json_id(batch.sku_id),
        "title": batch.title,
        "sku_name": batch.sku_name,
        "quantity": batch.quantity,
        "order_count": batch.order_count,
        "payable_fen": batch.payable_fen,
        "collecting_since": batch.created_at.isoformat(),
        "cut_at": batch.cut_at.isoformat(),
    }


async def cut(session: AsyncSession, batch_id: uuid.UUID, *where: ColumnElement[bool]) -> bool:
    """``collecting`` → ``created`` (if it still collects and matches ``where``), with the
    ``production_batch.created`` event; ``False`` if someone else cut it first."""
    now = clock.now()
    row = (
        await session.execute(
            update(ProductionBatch)
            .where(
                ProductionBatch.id == batch_id, ProductionBatch.status == rules.COLLECTING, *where
            )
            .values(status=rules.CREATED, cut_at=now, updated_at=now)
            .returning(
                ProductionBatch.id,
                ProductionBatch.supplier_id,
                ProductionBatch.sku_id,
                ProductionBatch.title,
                ProductionBatch.sku_name,
                ProductionBatch.quantity,
                ProductionBatch.order_count,
                ProductionBatch.payable_fen,
                ProductionBatch.created_at,
                ProductionBatch.cut_at,
            )
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        return False
    await emit(session, "production_batch.created", _created_payload(row))
    return True


def _started_before_today() -> ColumnElement[bool]:
    day_start = rules.shop_day_start(clock.now(), get_settings().timezone)
    return ProductionBatch.created_at < day_start


async def cut_stale(session: AsyncSession, supplier_id: uuid.UUID, sku_id: uuid.UUID) -> None:
    """Cut the collecting batch of ``(supplier, SKU)`` if it began on an earlier shop day,
    so new demand starts today's batch even when the worker is behind."""
    batch_id = await session.scalar(
        select(ProductionBatch.id).where(
            ProductionBatch.supplier_id == supplier_id,
            ProductionBatch.sku_id == sku_id,
            ProductionBatch.status == rules.COLLECTING,
            _started_before_today(),
        )
    )
    if batch_id is not None:
        await cut(session, batch_id, _started_before_today())


async def cut_one_due(session: AsyncSession, batch_id: uuid.UUID) -> bool:
    """Worker step: cut one batch collected since before today's midnight (shop time). It
    is claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a second worker passes it
    by; the status condition of :func:`cut` alone keeps it to one cut everywhere."""
    claimed = await session.scalar(
        select(ProductionBatch.id)
        .where(
            ProductionBatch.id == batch_id,
            ProductionBatch.status == rules.COLLECTING,
            _started_before_today(),
        )
        .with_for_update(skip_locked=True)
    )
    if claimed is None:
        return False
    return await cut(session, batch_id)


async def cut_due(limit: int) -> int:
    """Worker sweep: cut up to ``limit`` batches of earlier shop days, each in its own
    transaction; returns how many it cut. In ``threshold`` mode these are the leftovers
    that never reached the threshold, so no demand waits past its day."""

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.scalars(
            select(ProductionBatch.id)
            .where(ProductionBatch.status == rules.COLLECTING, _started_before_today())
            .order_by(ProductionBatch.created_at)
            .limit(limit)
        )
        return list(result)

    done = 0
    for batch_id in await db.transaction(due):

        async def one(session: AsyncSession, batch_id: uuid.UUID = batch_id) -> bool:
            return await cut_one_due(session, batch_id)

        if await db.transaction(one):
            done += 1
    return done


async def cut_now(session: AsyncSession, batch_id: uuid.UUID) -> ProductionBatch:
    """The operator cuts a collecting batch before its rule would."""
    if not await cut(session, batch_id):
        batch = await session.get(ProductionBatch, batch_id, populate_existing=True)
        if batch is None:
            raise batch_not_found()
        raise rules.IllegalTransition(batch.status, rules.CREATED)
    return await _fresh(session, batch_id)


# --- the supplier's steps --------------------------------------------------------------


async def _fresh(session: AsyncSession, batch_id: uuid.UUID) -> ProductionBatch:
    batch = await session.get(ProductionBatch, batch_id, populate_existing=True)
    if batch is None:
        raise batch_not_found()
    return batch


async def supplier_batch(
    session: AsyncSession, batch_id: uuid.UUID, supplier_id: uuid.UUID
) -> ProductionBatch:
    """A batch the supplier may see: theirs and cut. Anything else is a 404."""
    batch = await session.get(ProductionBatch, batch_id, populate_existing=True)
    if (
        batch is None
        or batch.supplier_id != supplier_id
        or batch.status not in rules.SUPPLIER_STATUSES
    ):
        raise batch_not_found()
    return batch


async def _advance(
    session: AsyncSession,
    batch_id: uuid.UUID,
    supplier_id: uuid.UUID,
    to_status: str,
    **values: datetime,
) -> ProductionBatch:
    from_status = next(old for old, new in rules.TRANSITIONS.items() if new == to_status)
    moved = await session.scalar(
        update(ProductionBatch)
        .where(
            ProductionBatch.id == batch_id,
            ProductionBatch.supplier_id == supplier_id,
            ProductionBatch.status == from_status,
        )
        .values(status=to_status, updated_at=clock.now(), **values)
        .returning(ProductionBatch.id)
        .execution_options(synchronize_session=False)
    )
    batch = await supplier_batch(session, batch_id, supplier_id)
    if moved is None:
        rules.check_transition(batch.status, to_status)
    return batch


def _step_payload(batch: ProductionBatch) -> dict[str, Any]:
    return {
        "batch_id": json_id(batch.id),
        "supplier_id": json_id(batch.supplier_id),
        "sku_id": json_id(batch.sku_id),
        "status": batch.status,
        "quantity": batch.quantity,
    }


async def start_production(
    session: AsyncSession, batch_id: uuid.UUID, *, supplier_id: uuid.UUID
) -> ProductionBatch:
    """The supplier starts making a batch: ``created`` → ``in_production``. Another
    supplier's batch is a 404; any other state an ``illegal_transition`` (409)."""
    now = clock.now()
    batch = await _advance(
        session, batch_id, supplier_id, rules.IN_PRODUCTION, production_started_at=now
    )
    await emit(session, "production_batch.in_production", _step_payload(batch))
    return batch


async def mark_produced(
    session: AsyncSession, batch_id: uuid.UUID, *, supplier_id: uuid.UUID
) -> ProductionBatch:
    """The batch is made: ``in_production`` → ``produced``, and the supply cost of its lines,
    net of refunds so far, moves from ``supplier_accrued`` to ``supplier_payable`` (once per
    batch). Refused like :func:`start_production`."""
    now = clock.now()
    batch = await _advance(session, batch_id, supplier_id, rules.PRODUCED, produced_at=now)
    await _book_payable(session, batch)
    await emit(
        session,
        "production_batch.produced",
        {**_step_payload(batch), "payable_fen": batch.payable_booked_fen},
    )
    return batch


async def _book_payable(session: AsyncSession, batch: ProductionBatch) -> None:
    # The batch row is locked (just moved to produced), and a refund of one of its orders
    # locks it too before adjusting (see demand.apply_refund): the amounts read below are
    # final for this moment, and a later refund is taken off the payable there.
    lines = await orderdata.line_refunds(session, batch_id=batch.id)
    booked = [
        (
            line.line_id,
            rules.net_supply(
                line.supply_fen,
                line.paid_fen,
                line.refunded_fen,
                order_fully_refunded=line.order_fully_refunded,
            ),
        )
        for line in lines
    ]
    if booked:
        await session.execute(
            update(ProductionBatchOrder),
            [{"order_line_id": line_id, "booked_fen": amount} for line_id, amount in booked],
        )
    total = sum(amount for _, amount in booked)
    batch.payable_booked_fen = total
    await session.flush()
    if total > 0:
        await ledger.transfer(
            session,
            key=f"production-payable:{batch.id}",
            kind="supplier_payable",
            legs=[
                accounts.Leg(accounts.supplier_accrued(batch.supplier_id), total),
                accounts.Leg(accounts.supplier_payable(batch.supplier_id), -total),
            ],
            reference_type="production_batch",
            reference_id=batch.id,
            description=f"produced: {batch.title} ({batch.sku_name}) × {batch.quantity}",
        )


async def lock_batches(session: AsyncSession, batch_ids: Sequence[uuid.UUID]) -> None:
    """Row locks on batches, in id order (PostgreSQL; SQLite serialises writers)."""
    if batch_ids:
        await session.execute(
            select(ProductionBatch.id)
            .where(ProductionBatch.id.in_(sorted(set(batch_ids))))
            .order_by(ProductionBatch.id)
            .with_for_update()
        )
