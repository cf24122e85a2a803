"""Helpers for the order tests: a small shop, order calls over HTTP, and read-backs of
stock and ledger state straight from the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.models import Sku
from quanzi.catalog.rules import SkuDraft
from quanzi.core import db
from quanzi.core.outbox import OutboxEvent
from quanzi.ledger import service as ledger
from quanzi.orders.models import Order, OrderRefund, OrderStatusChange
from tests.helpers import Account, register

ADDRESS: dict[str, Any] = {
    "name": "李雷",
    "phone": "13800138000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "line1": "文三路 1 号",
}


@dataclass(frozen=True)
class Shop:
    supplier_id: str
    other_supplier_id: str
    # sku A: 2500 fen, supply 1500, stock 10; B: 4000 (member 3500), supply 2000, stock 5;
    # C: the other supplier's, 3000, supply 1000, stock 10.
    a: str
    b: str
    c: str


async def make_supplier(name: str) -> str:
    async def work(session: AsyncSession) -> str:
        return str((await catalog.create_supplier(session, name=name)).id)

    return await db.transaction(work)


async def make_product(supplier_id: str, title: str, *drafts: SkuDraft) -> list[str]:
    async def work(session: AsyncSession) -> list[str]:
        view = await catalog.create_product(
            session,
            supplier_id=uuid.UUID(supplier_id),
            title=title,
            category="食品",
            skus=list(drafts),
        )
        return [str(sku.id) for sku in view.skus]

    return await db.transaction(work)


async def make_shop() -> Shop:
    supplier = await make_supplier(f"山里农场 {uuid.uuid4().hex[:6]}")
    other = await make_supplier(f"海边渔场 {uuid.uuid4().hex[:6]}")
    a, b = await make_product(
        supplier,
        "秋月梨",
        SkuDraft(name="3斤装", price_fen=2500, stock=10, supply_price_fen=1500),
        SkuDraft(
            name="5斤装", price_fen=4000, member_price_fen=3500, stock=5, supply_price_fen=2000
        ),
    )
    (c,) = await make_product(
        other, "舟山带鱼", SkuDraft(name="1斤", price_fen=3000, stock=10, supply_price_fen=1000)
    )
    return Shop(supplier, other, a, b, c)


async def supplier_staff(client: httpx.AsyncClient, supplier_id: str) -> Account:
    account = await register(client, name="Supplier staff")

    async def work(session: AsyncSession) -> None:
        await catalog.add_staff(session, uuid.UUID(supplier_id), phone=account.phone)

    await db.transaction(work)
    return account


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def order_body(*lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
    return {
        "lines": [{"sku_id": sku, "quantity": quantity} for sku, quantity in lines],
        "address": ADDRESS,
        **extra,
    }


async def place(
    client: httpx.AsyncClient,
    buyer: Account,
    *lines: tuple[str, int],
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        "/api/v1/orders",
        json=order_body(*lines, **extra),
        headers={**buyer.headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


async def placed(
    client: httpx.AsyncClient, buyer: Account, *lines: tuple[str, int]
) -> dict[str, Any]:
    response = await place(client, buyer, *lines)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def pay(client: httpx.AsyncClient, buyer: Account, order: dict[str, Any]) -> httpx.Response:
    return await client.post(
        f"/api/v1/payments/{order['payment']['id']}/sandbox/confirm", headers=buyer.headers
    )


async def paid(
    client: httpx.AsyncClient, buyer: Account, *lines: tuple[str, int]
) -> dict[str, Any]:
    order = await placed(client, buyer, *lines)
    response = await pay(client, buyer, order)
    assert response.status_code == 200, response.text
    return order


async def ship(client: httpx.AsyncClient, who: Account, order_id: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/admin/orders/{order_id}/ship",
        json={"carrier": "SF Express", "tracking_no": "SF1234567890"},
        headers=who.headers,
    )


async def refund(
    client: httpx.AsyncClient,
    op: Account,
    order_id: str,
    amount_fen: int | None = None,
    *,
    key: str | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"reason": "damaged in transit"}
    if amount_fen is not None:
        body["amount_fen"] = amount_fen
    headers = dict(op.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post(f"/api/v1/admin/orders/{order_id}/refund", json=body, headers=headers)


async def get_order(client: httpx.AsyncClient, who: Account, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/orders/{order_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def levels(sku_id: str) -> tuple[int, int, int]:
    """(stock, reserved, sold) of a SKU."""

    async def work(session: AsyncSession) -> tuple[int, int, int]:
        row = (
            await session.execute(
                select(Sku.stock, Sku.reserved, Sku.sold).where(Sku.id == uuid.UUID(sku_id))
            )
        ).one()
        return int(row[0]), int(row[1]), int(row[2])

    return await db.transaction(work)


async def balances(*codes: str) -> dict[str, int]:
    async def work(session: AsyncSession) -> dict[str, int]:
        return await ledger.balances(session, codes)

    return await db.transaction(work)


async def assert_ledger_sound() -> None:
    async def work(session: AsyncSession) -> None:
        assert await ledger.trial_balance(session) == 0
        assert await ledger.unbalanced_transfers(session) == []

    await db.transaction(work)


async def topics(order_id: str) -> list[str]:
    async def work(session: AsyncSession) -> list[str]:
        rows = await session.scalars(
            select(OutboxEvent.topic)
            .where(OutboxEvent.payload["order_id"].as_string() == order_id)
            .order_by(OutboxEvent.created_at, OutboxEvent.id)
        )
        return list(rows)

    return await db.transaction(work)


async def status_path(order_id: str) -> list[str]:
    """The statuses an order went through, from its recorded transitions. (Ids made in the
    same millisecond are not ordered, so the path is rebuilt by following the links.)"""

    async def work(session: AsyncSession) -> list[tuple[str | None, str]]:
        rows = await session.execute(
            select(OrderStatusChange.from_status, OrderStatusChange.to_status).where(
                OrderStatusChange.order_id == uuid.UUID(order_id)
            )
        )
        return [(a, b) for a, b in rows.all()]

    changes = dict(await db.transaction(work))
    path: list[str] = []
    current: str | None = None
    while current in changes:
        current = changes.pop(current)
        path.append(current)
    assert not changes, f"transitions that do not follow on: {changes}"
    return path


async def count_orders() -> int:
    async def work(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Order)) or 0)

    return await db.transaction(work)


async def refund_rows(order_id: str) -> list[int]:
    async def work(session: AsyncSession) -> list[int]:
        rows = await session.scalars(
            select(OrderRefund.amount_fen)
            .where(OrderRefund.order_id == uuid.UUID(order_id))
            .order_by(OrderRefund.id)
        )
        return list(rows)

    return await db.transaction(work)
