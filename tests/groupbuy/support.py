"""Helpers for group-buying tests: a campaign, opening/joining/paying over HTTP, and
read-backs straight from the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog.rules import SkuDraft
from quanzi.core import db
from quanzi.groupbuy.models import Group, GroupCampaign
from quanzi.ledger import service as ledger
from quanzi.orders.models import Order
from quanzi.payments.models import Payment
from tests.helpers import Account
from tests.orders.support import ADDRESS, make_product, make_supplier

SOLO_PRICE = 3990
GROUP_PRICE = 2990


@dataclass(frozen=True)
class Campaign:
    id: str
    sku_id: str
    supplier_id: str


async def make_campaign(
    client: httpx.AsyncClient, op: Account, *, stock: int = 100, **terms: Any
) -> Campaign:
    supplier = await make_supplier(f"拼团工厂 {uuid.uuid4().hex[:6]}")
    (sku,) = await make_product(
        supplier,
        "赣南脐橙",
        SkuDraft(name="5斤装", price_fen=SOLO_PRICE, stock=stock, supply_price_fen=1800),
    )
    body = {
        "sku_id": sku,
        "group_price_fen": GROUP_PRICE,
        "group_size": 3,
        "duration_minutes": 24 * 60,
        **terms,
    }
    response = await client.post("/api/v1/admin/group-campaigns", json=body, headers=op.headers)
    assert response.status_code == 201, response.text
    return Campaign(response.json()["id"], sku, supplier)


async def open_group(
    client: httpx.AsyncClient, campaign: Campaign, leader: Account
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/groups",
        json={"campaign_id": campaign.id, "address": ADDRESS},
        headers=leader.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def join(client: httpx.AsyncClient, group_id: str, member: Account) -> httpx.Response:
    return await client.post(
        f"/api/v1/groups/{group_id}/join", json={"address": ADDRESS}, headers=member.headers
    )


async def pay(client: httpx.AsyncClient, answer: dict[str, Any], payer: Account) -> None:
    payment_id = answer["order"]["payment"]["id"]
    response = await client.post(
        f"/api/v1/payments/{payment_id}/sandbox/confirm", headers=payer.headers
    )
    assert response.status_code == 200, response.text


async def open_and_pay(client: httpx.AsyncClient, campaign: Campaign, leader: Account) -> str:
    answer = await open_group(client, campaign, leader)
    await pay(client, answer, leader)
    group_id: str = answer["group"]["id"]
    return group_id


async def group_page(client: httpx.AsyncClient, group_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/groups/{group_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def read(work: Any) -> Any:
    return await db.transaction(work)


async def group_row(group_id: str) -> Group:
    async def work(session: AsyncSession) -> Group:
        group = await session.get(Group, uuid.UUID(group_id))
        assert group is not None
        return group

    result: Group = await read(work)
    return result


async def campaign_row(campaign_id: str) -> GroupCampaign:
    async def work(session: AsyncSession) -> GroupCampaign:
        campaign = await session.get(GroupCampaign, uuid.UUID(campaign_id))
        assert campaign is not None
        return campaign

    result: GroupCampaign = await read(work)
    return result


async def order_status(order_id: str) -> str:
    async def work(session: AsyncSession) -> str:
        order = await session.get(Order, uuid.UUID(order_id))
        assert order is not None
        return order.status

    result: str = await read(work)
    return result


async def payments_count() -> int:
    async def work(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Payment)) or 0)

    result: int = await read(work)
    return result


async def ledger_sound() -> None:
    async def work(session: AsyncSession) -> None:
        assert await ledger.trial_balance(session) == 0
        assert await ledger.unbalanced_transfers(session) == []

    await read(work)


async def balance(account: str) -> int:
    async def work(session: AsyncSession) -> int:
        return await ledger.balance(session, account)

    result: int = await read(work)
    return result
