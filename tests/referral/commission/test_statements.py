"""Accrual runs inside the payment's transaction: its number of SQL statements is fixed,
whatever the depth of the chain it pays."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.orders.events import OrderPaid
from quanzi.referral.commission import service as commissions
from tests.helpers import Account, register
from tests.referral.commission.support import Goods, buy, member, rows, set_plan, share


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = db.engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def accrue_counting(order: dict[str, Any], buyer: Account, code: str) -> int:
    """Accrue ``order`` (paid without a share code, so nothing accrued yet) as if it had
    come through ``code``; how many statements that took."""

    async def work(session: AsyncSession) -> int:
        with counted() as statements:
            await commissions.accrue(
                session,
                OrderPaid(
                    order_id=uuid.UUID(order["id"]),
                    buyer_id=uuid.UUID(buyer.id),
                    kind="regular",
                    status="paid",
                    total_fen=order["total_fen"],
                    payment_id=uuid.UUID(order["payment"]["id"]),
                    share_code=code,
                    paid_at=clock.now(),
                ),
            )
        return len(statements)

    return await db.transaction(work)


async def test_accrual_statements_do_not_grow_with_depth(
    client: httpx.AsyncClient, op: Account, goods: Goods, plan_id: str
) -> None:
    await set_plan(client, op, override_rates_bp=[300, 100])
    top = await member(client, plan_id, name="T")
    upline = await member(client, plan_id, referrer=top, name="U")
    sharer = await member(client, plan_id, referrer=upline, name="A")
    buyer = await register(client)
    lines = ((goods.sku, 1), (goods.cheap_sku, 2))
    deep = await buy(client, buyer, *lines)
    shallow = await buy(client, buyer, *lines)

    three_levels = await accrue_counting(deep, buyer, await share(client, sharer, goods.product_id))
    one_level = await accrue_counting(shallow, buyer, await share(client, top, goods.product_id))

    assert len(await rows(deep["id"])) == 6
    assert len(await rows(shallow["id"])) == 2
    assert three_levels == one_level
    # The ledger transfer is one statement on PostgreSQL, three on SQLite.
    assert three_levels <= (8 if db.engine().dialect.name == "postgresql" else 11)
