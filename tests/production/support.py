"""Helpers for the production tests: confirmed group orders made the way the group module
makes them (orders service, sandbox payment, confirmation, ``GroupSucceeded``), supplier
staff, and read-backs of batches, ledger and outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog.rules import SkuDraft
from quanzi.core import db, events
from quanzi.core.clock import FrozenClock
from quanzi.core.ids import new_id
from quanzi.core.outbox import OutboxEvent
from quanzi.groupbuy.events import GroupSucceeded
from quanzi.ledger.models import LedgerTransfer
from quanzi.orders import service as orders
from quanzi.production import service as production
from quanzi.production.models import ProductionBatch
from tests.helpers import Account, register
from tests.orders.support import ADDRESS, make_product, make_supplier, supplier_staff

GROUP_PRICE = 1990
SUPPLY = 1200


@dataclass(frozen=True)
class Factory:
    supplier_id: str
    staff: Account
    # Two SKUs of one product: supply 1200 each, price 2990.
    sku: str
    other_sku: str


async def factory(client: httpx.AsyncClient, name: str = "工厂") -> Factory:
    supplier = await make_supplier(f"{name} {uuid.uuid4().hex[:6]}")
    sku, other = await make_product(
        supplier,
        "乳胶枕",
        SkuDraft(name="标准", price_fen=2990, stock=10_000, supply_price_fen=SUPPLY),
        SkuDraft(name="加高", price_fen=2990, stock=10_000, supply_price_fen=SUPPLY),
    )
    staff = await supplier_staff(client, supplier)
    return Factory(supplier, staff, sku, other)


async def group_order(
    client: httpx.AsyncClient,
    buyer: Account,
    sku: str,
    quantity: int = 1,
    *,
    price: int = GROUP_PRICE,
    address: dict[str, Any] | None = None,
) -> str:
    """A group order, placed and paid (``grouping``) and confirmed, as a successful group
    leaves it; returns its id."""

    async def place(session: AsyncSession) -> tuple[str, str]:
        view = await orders.place_order(
            session,
            buyer_id=uuid.UUID(buyer.id),
            lines=[orders.LineRequest(uuid.UUID(sku), quantity)],
            address=address or ADDRESS,
            kind="group",
            unit_price_overrides={uuid.UUID(sku): price},
            shipping_fee_fen=0,
        )
        return str(view.order.id), str(view.order.payment_id)

    order_id, payment_id = await db.transaction(place)
    paid = await client.post(
        f"/api/v1/payments/{payment_id}/sandbox/confirm", headers=buyer.headers
    )
    assert paid.status_code == 200, paid.text

    async def confirm(session: AsyncSession) -> None:
        await orders.confirm_group_order(session, uuid.UUID(order_id))

    await db.transaction(confirm)
    return order_id


async def succeed(*order_ids: str) -> None:
    """What the group module does when a group fills: publish ``GroupSucceeded`` in the
    transaction that confirmed its orders."""

    async def work(session: AsyncSession) -> None:
        await events.publish(
            session,
            GroupSucceeded(
                group_id=new_id(),
                campaign_id=new_id(),
                order_ids=tuple(uuid.UUID(order_id) for order_id in order_ids),
                platform_filled=0,
            ),
        )

    await db.transaction(work)


async def group(client: httpx.AsyncClient, sku: str, size: int = 2, quantity: int = 1) -> list[str]:
    """A succeeded group of ``size`` new buyers; returns their order ids."""
    order_ids = []
    for _ in range(size):
        buyer = await register(client, name="拼友")
        order_ids.append(await group_order(client, buyer, sku, quantity))
    await succeed(*order_ids)
    return order_ids


async def batches(supplier_id: str | None = None) -> list[ProductionBatch]:
    """Every batch (of one supplier), oldest first."""

    async def work(session: AsyncSession) -> list[ProductionBatch]:
        query = select(ProductionBatch).order_by(ProductionBatch.created_at, ProductionBatch.id)
        if supplier_id is not None:
            query = query.where(ProductionBatch.supplier_id == uuid.UUID(supplier_id))
        return list(await session.scalars(query))

    return await db.transaction(work)


async def outbox(topic: str) -> list[dict[str, Any]]:
    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        rows = await session.scalars(
            select(OutboxEvent.payload)
            .where(OutboxEvent.topic == topic)
            .order_by(OutboxEvent.created_at, OutboxEvent.id)
        )
        return list(rows)

    return await db.transaction(work)


async def cut_all(clock: FrozenClock) -> None:
    """Let the shop day end (the next Shanghai midnight is at most a day away) and sweep."""
    clock.advance(timedelta(days=1))
    await production.cut_due(10_000)


async def transfers(kind: str) -> list[tuple[str, str | None]]:
    """(idempotency key, reference id) of every ledger transfer of ``kind``."""

    async def work(session: AsyncSession) -> list[tuple[str, str | None]]:
        rows = await session.execute(
            select(LedgerTransfer.idempotency_key, LedgerTransfer.reference_id).where(
                LedgerTransfer.kind == kind
            )
        )
        return [(key, ref) for key, ref in rows.all()]

    return await db.transaction(work)
