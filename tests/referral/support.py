"""Helpers for the referral tests: accounts bound through invite codes over HTTP, shop-owner
changes published as membership events, read-backs of nodes, and a from-scratch recount of
the team counts to hold the incremental ones against."""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.rules import SkuDraft
from quanzi.core import clock, db, events
from quanzi.membership.events import MembershipActivated, MembershipEnded
from quanzi.referral import rules
from quanzi.referral import service as referral
from quanzi.referral.commission import plans
from quanzi.referral.models import ReferralNode
from tests.helpers import PASSWORD, Account, register
from tests.orders.support import ADDRESS

SETTINGS = "/api/v1/admin/referral-settings"


async def invite_code(client: httpx.AsyncClient, who: Account) -> str:
    response = await client.get("/api/v1/me", headers=who.headers)
    assert response.status_code == 200, response.text
    code: str = response.json()["invite_code"]
    return code


async def register_under(
    client: httpx.AsyncClient, referrer: Account | None, *, name: str = "Member"
) -> Account:
    code = await invite_code(client, referrer) if referrer else None
    return await register(client, name=name, invite_code=code)


async def chain_of(client: httpx.AsyncClient, length: int) -> list[Account]:
    """``length`` members, each registered with the previous one's invite code."""
    accounts: list[Account] = []
    for i in range(length):
        accounts.append(
            await register_under(client, accounts[-1] if accounts else None, name=f"L{i}")
        )
    return accounts


async def log_in_again(client: httpx.AsyncClient, *accounts: Account) -> None:
    """Fresh tokens after the clock moved past their lifetime (30 days)."""
    for account in accounts:
        response = await client.post(
            "/api/v1/auth/login", json={"phone": account.phone, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        account.token = response.json()["token"]


async def set_mode(
    client: httpx.AsyncClient,
    op: Account,
    mode: str,
    *,
    days: int | None = None,
    attribution_days: int = 7,
) -> dict[str, Any]:
    body: dict[str, Any] = {"binding_mode": mode, "attribution_days": attribution_days}
    if days is not None:
        body["binding_days"] = days
    response = await client.put(SETTINGS, json=body, headers=op.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def bind_code(client: httpx.AsyncClient, who: Account, code: str) -> httpx.Response:
    return await client.post("/api/v1/me/referrer", json={"code": code}, headers=who.headers)


async def shop_owner(user_id: str | uuid.UUID, owner: bool = True) -> None:
    """Publish what the membership module publishes when a membership starts or ends."""
    uid = uuid.UUID(str(user_id))

    async def work(session: AsyncSession) -> None:
        if owner:
            event: object = MembershipActivated(
                user_id=uid,
                membership_id=uuid.uuid4(),
                plan_id=uuid.uuid4(),
                order_id=uuid.uuid4(),
                renewal=False,
            )
        else:
            event = MembershipEnded(user_id=uid, membership_id=uuid.uuid4(), reason="expired")
        await events.publish(session, event)

    await db.transaction(work)


async def set_rank_rules(sales: int, service: int, counting: str = "team") -> None:
    """Store a commission plan version with these rank thresholds and counting rule."""

    async def work(session: AsyncSession) -> None:
        current = await plans.current_plan(session)
        draft = dataclasses.replace(
            current,
            rank_thresholds={rules.SALES_MANAGER: sales, rules.SERVICE_MANAGER: service},
            rank_counting=counting,
        )
        await plans.set_plan(session, draft, actor_id=None)

    await db.transaction(work)


async def node(user_id: str | uuid.UUID) -> ReferralNode:
    async def work(session: AsyncSession) -> ReferralNode:
        found = await session.get(ReferralNode, uuid.UUID(str(user_id)))
        assert found is not None
        return found

    return await db.transaction(work)


async def uplines_of(who: Account, depth: int = 10) -> list[str]:
    async def work(session: AsyncSession) -> list[str]:
        found = await referral.uplines(session, uuid.UUID(who.id), depth)
        return [str(user_id) for user_id in found]

    return await db.transaction(work)


async def team(client: httpx.AsyncClient, who: Account) -> dict[str, Any]:
    response = await client.get("/api/v1/me/team", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclasses.dataclass(frozen=True)
class Counts:
    direct_count: int
    direct_owner_count: int
    team_size: int
    team_count: int
    team_sales_fen: int


async def stored_and_recounted(
    session: AsyncSession,
) -> tuple[dict[uuid.UUID, Counts], dict[uuid.UUID, Counts]]:
    """The stored counts of every node, and the same counts recomputed from the parent
    pointers alone (walking each node's chain in Python)."""
    rows = list(await session.scalars(select(ReferralNode)))
    parent = {row.user_id: row.parent_id for row in rows}
    owner = {row.user_id: row.is_owner for row in rows}
    own_sales = {row.user_id: row.own_sales_fen for row in rows}
    direct: dict[uuid.UUID, int] = defaultdict(int)
    direct_owners: dict[uuid.UUID, int] = defaultdict(int)
    size: dict[uuid.UUID, int] = defaultdict(int)
    owners: dict[uuid.UUID, int] = defaultdict(int)
    sales: dict[uuid.UUID, int] = defaultdict(int)
    for user_id in parent:
        p = parent[user_id]
        if p is not None:
            direct[p] += 1
            direct_owners[p] += int(owner[user_id])
        seen = {user_id}
        while p is not None:
            assert p not in seen, "the referral tree has a cycle"
            seen.add(p)
            size[p] += 1
            owners[p] += int(owner[user_id])
            sales[p] += own_sales[user_id]
            p = parent[p]
    stored = {
        row.user_id: Counts(
            row.direct_count,
            row.direct_owner_count,
            row.team_size,
            row.team_count,
            row.team_sales_fen,
        )
        for row in rows
    }
    recounted = {
        user_id: Counts(
            direct[user_id], direct_owners[user_id], size[user_id], owners[user_id], sales[user_id]
        )
        for user_id in parent
    }
    return stored, recounted


async def assert_counts_exact() -> None:
    async def work(session: AsyncSession) -> None:
        stored, recounted = await stored_and_recounted(session)
        assert stored == recounted

    await db.transaction(work)


@dataclasses.dataclass(frozen=True)
class Product:
    id: str
    sku_id: str


async def make_product(price_fen: int = 2500, stock: int = 100) -> Product:
    """A product on sale with one SKU (no member price)."""

    async def work(session: AsyncSession) -> Product:
        supplier = await catalog.create_supplier(session, name=f"果园 {uuid.uuid4().hex[:6]}")
        view = await catalog.create_product(
            session,
            supplier_id=supplier.id,
            title="秋月梨",
            category="水果",
            skus=[SkuDraft(name="3斤装", price_fen=price_fen, stock=stock, supply_price_fen=1000)],
        )
        return Product(str(view.product.id), str(view.skus[0].id))

    return await db.transaction(work)


async def share(client: httpx.AsyncClient, who: Account, **target: str) -> httpx.Response:
    return await client.post("/api/v1/shares", json=target, headers=who.headers)


async def share_code(client: httpx.AsyncClient, who: Account, product: Product) -> str:
    response = await share(client, who, product_id=product.id)
    assert response.status_code in (200, 201), response.text
    code: str = response.json()["code"]
    return code


async def buy(
    client: httpx.AsyncClient,
    buyer: Account,
    product: Product,
    quantity: int = 2,
    *,
    share_code: str | None = None,
) -> dict[str, Any]:
    """Place and pay an order (2 × 2500 fen + 1000 shipping by default)."""
    body: dict[str, Any] = {
        "lines": [{"sku_id": product.sku_id, "quantity": quantity}],
        "address": ADDRESS,
    }
    if share_code is not None:
        body["share_code"] = share_code
    response = await client.post(
        "/api/v1/orders",
        json=body,
        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    paid = await client.post(
        f"/api/v1/payments/{order['payment']['id']}/sandbox/confirm", headers=buyer.headers
    )
    assert paid.status_code == 200, paid.text
    return order


async def refund(
    client: httpx.AsyncClient, op: Account, order_id: str, amount_fen: int | None = None
) -> None:
    body: dict[str, Any] = {"reason": "damaged"}
    if amount_fen is not None:
        body["amount_fen"] = amount_fen
    response = await client.post(
        f"/api/v1/admin/orders/{order_id}/refund", json=body, headers=op.headers
    )
    assert response.status_code == 200, response.text


async def click(client: httpx.AsyncClient, code: str, who: Account | None = None) -> httpx.Response:
    headers = dict(who.headers) if who else {}
    return await client.get(f"/s/{code}", headers=headers, follow_redirects=False)


async def sharer_of(buyer: Account, share_code: str | None = None) -> str | None:
    async def work(session: AsyncSession) -> str | None:
        found = await referral.resolve_sharer(
            session, share_code=share_code, buyer_id=uuid.UUID(buyer.id), at=clock.now()
        )
        return None if found is None else str(found)

    return await db.transaction(work)
