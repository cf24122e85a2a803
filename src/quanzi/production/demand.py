"""Demand: confirmed group orders flow into the collecting batch of their supplier and SKU;
refunds of those orders adjust what the batch makes and what the supplier is owed.

Both handlers run inside the transaction of the change that raised the event (a group
succeeding, an order refunded), after the orders were locked; they lock batch rows after
order rows, in batch id order, like every other writer here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from itertools import groupby

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.core.db import RetryTransaction, is_postgres
from quanzi.core.ids import new_id
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.orders import rules as order_rules
from quanzi.orders.events import OrderRefunded
from quanzi.production import batches, orderdata, rules
from quanzi.production.models import ProductionBatch, ProductionBatchOrder

# A collecting batch can be cut or emptied between our insert and our update by another
# transaction; a few rounds always find or make the one that is collecting now.
_ATTEMPTS = 3


def _batch_key(line: orderdata.DemandLine) -> tuple[uuid.UUID, uuid.UUID]:
    return line.supplier_id, line.sku_id


async def add_group_demand(session: AsyncSession, order_ids: Sequence[uuid.UUID]) -> None:
    """Put the lines of ``order_ids`` (confirmed group orders) into the collecting batch of
    their supplier and SKU, opening it if none collects; a batch that reaches the
    threshold rule is cut at once. Lines already in a batch are skipped, so repeating the
    call changes nothing."""
    lines = await orderdata.unrecorded_lines(session, order_ids)
    unconfirmed = sorted(
        {str(line.order_id) for line in lines if line.order_status != order_rules.CONFIRMED}
    )
    if unconfirmed:
        raise ValueError(f"orders {unconfirmed} are not confirmed; they are no demand yet")
    if not lines:
        return
    rule = await batches.current_rule(session)
    records: list[dict[str, object]] = []
    now = clock.now()
    # Lines come ordered by (supplier, SKU): batch rows are locked in a stable order.
    for (supplier_id, sku_id), grouped in groupby(lines, key=_batch_key):
        group = list(grouped)
        batch_id = await _collect(session, supplier_id, sku_id, group, rule)
        records.extend(
            {
                "order_line_id": line.line_id,
                "batch_id": batch_id,
                "order_id": line.order_id,
                "quantity": line.quantity,
                "supply_fen": line.supply_fen,
                "booked_fen": None,
                "created_at": now,
            }
            for line in group
        )
    try:
        await session.execute(insert(ProductionBatchOrder), records)
    except IntegrityError as exc:
        # The same lines were recorded by a concurrent call: start over, they are skipped.
        raise RetryTransaction() from exc


async def _collect(
    session: AsyncSession,
    supplier_id: uuid.UUID,
    sku_id: uuid.UUID,
    lines: list[orderdata.DemandLine],
    rule: rules.Rule,
) -> uuid.UUID:
    await batches.cut_stale(session, supplier_id, sku_id)
    quantity = sum(line.quantity for line in lines)
    supply = sum(line.supply_fen for line in lines)
    orders = len({line.order_id for line in lines})
    now = clock.now()
    upsert = pg_insert if is_postgres(session) else sqlite_insert
    for _ in range(_ATTEMPTS):
        # Meets a concurrent opener on the partial unique index: one of the two inserts
        # wins, the other waits for it and then does nothing.
        await session.execute(
            upsert(ProductionBatch)
            .values(
                id=new_id(),
                supplier_id=supplier_id,
                sku_id=sku_id,
                title=lines[0].title,
                sku_name=lines[0].sku_name,
                status=rules.COLLECTING,
                quantity=0,
                order_count=0,
                payable_fen=0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=["supplier_id", "sku_id"],
                index_where=text("status = 'collecting'"),
            )
        )
        added = (
            await session.execute(
                update(ProductionBatch)
                .where(
                    ProductionBatch.supplier_id == supplier_id,
                    ProductionBatch.sku_id == sku_id,
                    ProductionBatch.status == rules.COLLECTING,
                )
                .values(
                    quantity=ProductionBatch.quantity + quantity,
                    payable_fen=ProductionBatch.payable_fen + supply,
                    order_count=ProductionBatch.order_count + orders,
                    updated_at=now,
                )
                .returning(ProductionBatch.id, ProductionBatch.quantity)
                .execution_options(synchronize_session=False)
            )
        ).first()
        if added is not None:
            batch_id, total = added
            if rule.reached(total):
                await batches.cut(session, batch_id)
            return batch_id
    raise RetryTransaction()


async def apply_refund(session: AsyncSession, event: OrderRefunded) -> None:
    """A group order in a batch was refunded.

    Fully refunded while its batch still collects: its lines leave the batch (nothing is
    made for it; an emptied batch is dropped). Refunded after its batch was produced: the
    supply reversed by the orders module on ``supplier_accrued`` was already moved to
    ``supplier_payable``, so that part moves back — the supplier is not paid for refunded
    goods, and ``supplier_accrued`` returns to zero. In between (cut, in production)
    nothing changes here: the payable is computed net of refunds when the batch is
    produced, and the supplier sees the order as refunded and does not ship it.
    """
    if event.kind != order_rules.GROUP:
        return
    batch_ids = sorted(
        set(
            await session.scalars(
                select(ProductionBatchOrder.batch_id).where(
                    ProductionBatchOrder.order_id == event.order_id
                )
            )
        )
    )
    if not batch_ids:
        return
    # Lock, then read: a batch being produced concurrently is waited for, so its payable
    # either already excludes this refund or is corrected below.
    await batches.lock_batches(session, batch_ids)
    states = {
        batch_id: (status, supplier_id)
        for batch_id, status, supplier_id in (
            await session.execute(
                select(
                    ProductionBatch.id, ProductionBatch.status, ProductionBatch.supplier_id
                ).where(ProductionBatch.id.in_(batch_ids))
            )
        ).all()
    }
    lines = await orderdata.line_refunds(session, order_id=event.order_id)
    corrections: dict[uuid.UUID, int] = {}
    for line in lines:
        status, supplier_id = states[line.batch_id]
        if status == rules.COLLECTING and event.fully_refunded:
            await _withdraw(session, line)
        elif status == rules.PRODUCED and line.booked_fen is not None:
            owed = rules.net_supply(
                line.supply_fen,
                line.paid_fen,
                line.refunded_fen,
                order_fully_refunded=line.order_fully_refunded,
            )
            taken_back = line.booked_fen - owed
            if taken_back != 0:
                await _rebook(session, line, owed, taken_back)
                corrections[supplier_id] = corrections.get(supplier_id, 0) + taken_back
    legs = []
    for supplier_id, amount in sorted(corrections.items()):
        legs.append(accounts.Leg(accounts.supplier_payable(supplier_id), amount))
        legs.append(accounts.Leg(accounts.supplier_accrued(supplier_id), -amount))
    if legs:
        await ledger.transfer(
            session,
            key=f"production-refund:{event.refund_id}",
            kind="supplier_payable_reversal",
            legs=legs,
            reference_type="order",
            reference_id=event.order_id,
            description="refund after production",
        )


async def _withdraw(session: AsyncSession, line: orderdata.LineRefunds) -> None:
    await session.execute(
        delete(ProductionBatchOrder).where(ProductionBatchOrder.order_line_id == line.line_id)
    )
    await session.execute(
        update(ProductionBatch)
        .where(ProductionBatch.id == line.batch_id)
        .values(
            quantity=ProductionBatch.quantity - line.quantity,
            payable_fen=ProductionBatch.payable_fen - line.supply_fen,
            order_count=ProductionBatch.order_count - 1,
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(ProductionBatch)
        .where(
            ProductionBatch.id == line.batch_id,
            ProductionBatch.status == rules.COLLECTING,
            ProductionBatch.quantity == 0,
        )
        .execution_options(synchronize_session=False)
    )


async def _rebook(
    session: AsyncSession, line: orderdata.LineRefunds, owed: int, taken_back: int
) -> None:
    await session.execute(
        update(ProductionBatchOrder)
        .where(ProductionBatchOrder.order_line_id == line.line_id)
        .values(booked_fen=owed)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(ProductionBatch)
        .where(ProductionBatch.id == line.batch_id)
        .values(
            payable_booked_fen=ProductionBatch.payable_booked_fen - taken_back,
            updated_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    )
