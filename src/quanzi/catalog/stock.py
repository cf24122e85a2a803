"""Stock counters on SKUs and the facts needed to price an order line.

A SKU's units are counted in three columns whose sum only changes on restock:
``stock`` (free to reserve), ``reserved`` (held by unpaid orders) and ``sold`` (paid).
Every move below is ONE conditional ``UPDATE … WHERE <source> >= q … RETURNING`` over all
the SKUs of the call, so two buyers can never take the same unit (no check-then-act). On
PostgreSQL the same statement first locks the rows in SKU-id order (a materialised
``SELECT … ORDER BY id FOR NO KEY UPDATE``), so two multi-SKU orders can never deadlock;
SQLite serialises writers at ``BEGIN IMMEDIATE``. Callers make the reservation the last
write of their transaction, and the moves that cannot be refused (release, commit, return)
run by themselves just before the commit, so hot rows stay locked only from one statement
to the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Update, case, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Session, SessionTransaction

from quanzi.catalog.models import Product, Sku
from quanzi.core.db import is_postgres
from quanzi.core.errors import Conflict

SELLABLE_PRODUCT_STATUS = "active"


class StockCounterError(RuntimeError):
    """A move that bookkeeping guarantees (release, commit, return) found too few units:
    the counters disagree with the orders, so the transaction must not commit."""


@dataclass(frozen=True)
class SkuFacts:
    """What an order line copies from the catalog when it is created."""

    sku_id: uuid.UUID
    product_id: uuid.UUID
    supplier_id: uuid.UUID
    title: str
    sku_name: str
    price_fen: int
    member_price_fen: int | None
    supply_price_fen: int
    sku_active: bool
    product_status: str
    # Units on hand when read: enough to refuse a sold-out SKU at once, never to take any.
    stock: int

    @property
    def sellable(self) -> bool:
        return self.sku_active and self.product_status == SELLABLE_PRODUCT_STATUS


async def load_sku_facts(
    session: AsyncSession, sku_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, SkuFacts]:
    """SKU, product and supplier facts for ``sku_ids`` in one query; unknown ids are absent."""
    wanted = sorted(set(sku_ids))
    if not wanted:
        return {}
    result = await session.execute(
        select(
            Sku.id,
            Sku.product_id,
            Product.supplier_id,
            Product.title,
            Sku.name,
            Sku.price_fen,
            Sku.member_price_fen,
            Sku.supply_price_fen,
            Sku.active,
            Product.status,
            Sku.stock,
        )
        .join(Product, Product.id == Sku.product_id)
        .where(Sku.id.in_(wanted))
    )
    return {
        sku_id: SkuFacts(
            sku_id=sku_id,
            product_id=product_id,
            supplier_id=supplier_id,
            title=title,
            sku_name=sku_name,
            price_fen=price_fen,
            member_price_fen=member_price_fen,
            supply_price_fen=supply_price_fen,
            sku_active=sku_active,
            product_status=product_status,
            stock=on_hand,
        )
        for (
            sku_id,
            product_id,
            supplier_id,
            title,
            sku_name,
            price_fen,
            member_price_fen,
            supply_price_fen,
            sku_active,
            product_status,
            on_hand,
        ) in result.all()
    }


def _sorted_quantities(quantities: Mapping[uuid.UUID, int]) -> list[tuple[uuid.UUID, int]]:
    items = sorted(quantities.items())
    if not items:
        raise ValueError("no SKUs to move")
    if any(quantity <= 0 for _, quantity in items):
        raise ValueError("stock moves are for positive quantities")
    return items


def _move_statement(
    postgres: bool,
    quantities: Mapping[uuid.UUID, int],
    source: InstrumentedAttribute[int],
    target: InstrumentedAttribute[int],
) -> Update:
    """One conditional UPDATE moving ``quantities`` from ``source`` to ``target`` where the
    source has enough, returning the ids that moved."""
    items = _sorted_quantities(quantities)
    ids = [sku_id for sku_id, _ in items]
    scope: ColumnElement[bool]
    qty: ColumnElement[int] | int
    if len(items) == 1:
        # One row: the UPDATE locks just it, so there is no order to keep.
        scope, qty = Sku.id == ids[0], items[0][1]
    elif postgres:
        locked = (
            select(Sku.id)
            .where(Sku.id.in_(ids))
            .order_by(Sku.id)
            # NO KEY UPDATE, as the UPDATE itself takes: a plain FOR UPDATE would also wait
            # for the KEY SHARE locks that inserting order lines (foreign keys) holds.
            .with_for_update(key_share=True)
            .cte("locked_skus")
            .prefix_with("MATERIALIZED")
        )
        scope, qty = Sku.id.in_(select(locked.c.id)), case(dict(items), value=Sku.id)
    else:
        scope, qty = Sku.id.in_(ids), case(dict(items), value=Sku.id)
    return (
        update(Sku)
        .where(scope, source >= qty)
        .values({source.key: source - qty, target.key: target + qty})
        .returning(Sku.id)
        .execution_options(synchronize_session=False)
    )


async def _move(
    session: AsyncSession,
    quantities: Mapping[uuid.UUID, int],
    source: InstrumentedAttribute[int],
    target: InstrumentedAttribute[int],
) -> set[uuid.UUID]:
    """Move ``quantities`` from ``source`` to ``target`` where the source has enough;
    returns the ids that moved (all or some)."""
    result = await session.execute(
        _move_statement(is_postgres(session), quantities, source, target)
    )
    return set(result.scalars())


def _missing_error(
    quantities: Mapping[uuid.UUID, int],
    moved: set[uuid.UUID],
    source: InstrumentedAttribute[int],
    target: InstrumentedAttribute[int],
) -> StockCounterError | None:
    missing = sorted(set(quantities) - moved)
    if not missing:
        return None
    return StockCounterError(
        f"{source.key} -> {target.key}: too few units on SKUs {[str(m) for m in missing]}"
    )


async def _move_all(
    session: AsyncSession,
    quantities: Mapping[uuid.UUID, int],
    source: InstrumentedAttribute[int],
    target: InstrumentedAttribute[int],
) -> None:
    moved = await _move(session, quantities, source, target)
    if (error := _missing_error(quantities, moved, source, target)) is not None:
        raise error


# --- moves deferred to the commit -------------------------------------------------------
#
# Release, commit and return cannot be refused (bookkeeping guarantees the units), so
# they need not run where they are asked for. They are queued on the session and run as
# the transaction's last statements, just before COMMIT: a hot SKU row (a flash sale, a
# group campaign) is then locked for one statement and the commit, not for everything
# the transaction does after the move (ledger postings, events, outbox, group updates).
# A move asked for inside a savepoint that rolls back is dropped with it.

_PENDING = "quanzi.catalog.stock.pending"


@dataclass(frozen=True)
class _PendingMove:
    quantities: dict[uuid.UUID, int]
    source: InstrumentedAttribute[int]
    target: InstrumentedAttribute[int]
    transaction: SessionTransaction | None


def _defer(
    session: AsyncSession,
    quantities: Mapping[uuid.UUID, int],
    source: InstrumentedAttribute[int],
    target: InstrumentedAttribute[int],
) -> None:
    _sorted_quantities(quantities)  # refuse bad input now, not at commit
    sync = session.sync_session
    current = sync.get_nested_transaction() or sync.get_transaction()
    sync.info.setdefault(_PENDING, []).append(
        _PendingMove(dict(quantities), source, target, current)
    )


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "before_commit")
def _run_pending_moves(session: Session) -> None:
    pending: list[_PendingMove] = session.info.pop(_PENDING, [])
    if not pending:
        return
    # Flush first so nothing but the moves and the COMMIT follows the row locks.
    session.flush()
    postgres = session.get_bind().dialect.name == "postgresql"
    for move in pending:
        result = session.execute(
            _move_statement(postgres, move.quantities, move.source, move.target)
        )
        error = _missing_error(move.quantities, set(result.scalars()), move.source, move.target)
        if error is not None:
            raise error


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back_moves(session: Session, previous: SessionTransaction) -> None:
    pending: list[_PendingMove] | None = session.info.get(_PENDING)
    if pending:
        pending[:] = [move for move in pending if not _within(move.transaction, previous)]


async def reserve(session: AsyncSession, quantities: Mapping[uuid.UUID, int]) -> None:
    """Take ``quantities`` (sku id → units) from ``stock`` into ``reserved``, all or nothing.

    Raises ``Conflict(code="insufficient_stock")`` naming the first SKU that lacked units;
    the SKUs that were taken are put back first, so a caller that handles the refusal
    keeps consistent counters.
    """
    moved = await _move(session, quantities, Sku.stock, Sku.reserved)
    missing = sorted(set(quantities) - moved)
    if not missing:
        return
    if moved:
        await _move_all(
            session, {sku_id: quantities[sku_id] for sku_id in moved}, Sku.reserved, Sku.stock
        )
    raise _insufficient(missing)


def check_on_hand(facts: Mapping[uuid.UUID, SkuFacts], quantities: Mapping[uuid.UUID, int]) -> None:
    """Refuse at once what the stock read with ``facts`` cannot cover: a sold-out flash
    sale answers ``insufficient_stock`` before anything is written. :func:`reserve` stays
    the guard against a concurrent buyer."""
    missing = sorted(sku_id for sku_id, units in quantities.items() if facts[sku_id].stock < units)
    if missing:
        raise _insufficient(missing)


def _insufficient(missing: list[uuid.UUID]) -> Conflict:
    return Conflict(
        "Not enough stock left for this item.",
        code="insufficient_stock",
        sku_id=str(missing[0]),
        sku_ids=[str(sku_id) for sku_id in missing],
    )


async def release(session: AsyncSession, quantities: Mapping[uuid.UUID, int]) -> None:
    """Give reserved units back to ``stock`` (an unpaid order was cancelled or expired).
    Runs just before the commit (see above); too few units fail the commit."""
    _defer(session, quantities, Sku.reserved, Sku.stock)


async def commit(session: AsyncSession, quantities: Mapping[uuid.UUID, int]) -> None:
    """Turn reserved units into ``sold`` (their order was paid). Runs just before the
    commit (see above); too few units fail the commit."""
    _defer(session, quantities, Sku.reserved, Sku.sold)


async def return_sold(session: AsyncSession, quantities: Mapping[uuid.UUID, int]) -> None:
    """Put sold units back into ``stock`` (fully refunded before they were shipped). Runs
    just before the commit (see above); too few units fail the commit."""
    _defer(session, quantities, Sku.sold, Sku.stock)
