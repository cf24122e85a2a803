"""Helpers for the commission tests: shop owners made through the real membership
purchase, share links, orders bought through them, and read-backs of commission rows and
member balances."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.rules import SkuDraft
from quanzi.core import db
from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.referral.commission import service as commissions
from quanzi.referral.commission.models import Commission
from tests.helpers import Account, register
from tests.orders.support import ADDRESS, pay, refund, ship

PLAN_URL = "/api/v1/admin/commission-plan"


@dataclass(frozen=True)
class Goods:
    product_id: str
    # 10000 fen, member price 9000
    sku: str
    # 3333 fen
    cheap_sku: str


async def make_goods(category: str = "茶") -> Goods:
    async def work(session: AsyncSession) -> Goods:
        supplier = await catalog.create_supplier(session, name=f"茶山 {uuid.uuid4().hex[:6]}")
        view = await catalog.create_product(
            session,
            supplier_id=supplier.id,
            title="云南普洱",
            category=category,
            skus=[
                SkuDraft(
                    name="一饼",
                    price_fen=10_000,
                    member_price_fen=9_000,
                    stock=10_000,
                    supply_price_fen=4_000,
                ),
                SkuDraft(name="小样", price_fen=3_333, stock=10_000, supply_price_fen=1_000),
            ],
        )
        return Goods(str(view.product.id), str(view.skus[0].id), str(view.skus[1].id))

    return await db.transaction(work)


async def membership_plan(client: httpx.AsyncClient, op: Account) -> str:
    response = await client.post(
        "/api/v1/admin/membership-plans",
        json={
            "name": f"Shop owner {uuid.uuid4().hex[:6]}",
            "price_fen": 39_800,
            "duration_days": 365,
        },
        headers=op.headers,
    )
    assert response.status_code == 201, response.text
    plan_id: str = response.json()["id"]
    return plan_id


async def become_member(client: httpx.AsyncClient, who: Account, plan_id: str) -> dict[str, Any]:
    """Buy the membership and pay it (sandbox); returns the membership order."""
    bought = await client.post(
        "/api/v1/memberships", json={"plan_id": plan_id}, headers=who.headers
    )
    assert bought.status_code == 201, bought.text
    order: dict[str, Any] = bought.json()["order"]
    paid = await pay(client, who, order)
    assert paid.status_code == 200, paid.text
    return order


async def invite_code(client: httpx.AsyncClient, who: Account) -> str:
    me = await client.get("/api/v1/me", headers=who.headers)
    code: str = me.json()["invite_code"]
    return code


async def member(
    client: httpx.AsyncClient,
    plan_id: str | None,
    *,
    referrer: Account | None = None,
    name: str = "Owner",
) -> Account:
    """A user registered with ``referrer``'s invite code; a shop owner if ``plan_id``."""
    code = None if referrer is None else await invite_code(client, referrer)
    account = await register(client, name=name, invite_code=code)
    if plan_id is not None:
        await become_member(client, account, plan_id)
    return account


async def share(client: httpx.AsyncClient, who: Account, product_id: str) -> str:
    response = await client.post(
        "/api/v1/shares", json={"product_id": product_id}, headers=who.headers
    )
    assert response.status_code in (200, 201), response.text
    code: str = response.json()["code"]
    return code


async def buy(
    client: httpx.AsyncClient,
    buyer: Account,
    *lines: tuple[str, int],
    share_code: str | None = None,
    paid: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lines": [{"sku_id": sku, "quantity": quantity} for sku, quantity in lines],
        "address": ADDRESS,
    }
    if share_code is not None:
        body["share_code"] = share_code
    placed = await client.post(
        "/api/v1/orders", json=body, headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    if paid:
        response = await pay(client, buyer, order)
        assert response.status_code == 200, response.text
    return order


async def complete(client: httpx.AsyncClient, op: Account, buyer: Account, order_id: str) -> None:
    shipped = await ship(client, op, order_id)
    assert shipped.status_code == 200, shipped.text
    received = await client.post(
        f"/api/v1/orders/{order_id}/confirm-receipt", headers=buyer.headers
    )
    assert received.status_code == 200, received.text


async def refund_order(
    client: httpx.AsyncClient, op: Account, order_id: str, amount_fen: int | None = None
) -> None:
    response = await refund(client, op, order_id, amount_fen)
    assert response.status_code == 200, response.text


async def set_plan(client: httpx.AsyncClient, op: Account, **terms: Any) -> dict[str, Any]:
    body = {"share_rate_bp": 1_000, "override_rates_bp": [300]} | terms
    response = await client.put(PLAN_URL, json=body, headers=op.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def rows(order_id: str) -> list[Commission]:
    async def work(session: AsyncSession) -> list[Commission]:
        found = await session.scalars(
            select(Commission)
            .where(Commission.order_id == uuid.UUID(order_id))
            .order_by(Commission.level, Commission.id)
        )
        return list(found)

    return await db.transaction(work)


async def balances(who: Account) -> tuple[int, int]:
    """(pending, available) owed to the member per the ledger (credits positive)."""

    async def work(session: AsyncSession) -> tuple[int, int]:
        found = await ledger.balances(
            session, [accounts.member_pending(who.id), accounts.member_available(who.id)]
        )
        return -found[accounts.member_pending(who.id)], -found[accounts.member_available(who.id)]

    return await db.transaction(work)


async def ledger_sound() -> None:
    async def work(session: AsyncSession) -> None:
        assert await ledger.trial_balance(session) == 0
        assert await ledger.unbalanced_transfers(session) == []

    await db.transaction(work)


async def pass_freeze(clock: FrozenClock, days: int = 7) -> int:
    """Move past the freeze and run the release sweep; how many orders were released."""
    clock.advance(timedelta(days=days, seconds=1))
    return await commissions.release_due(100)
