"""Helpers for the membership tests: plans, purchases and payments over HTTP, and
read-backs of membership state straight from the database."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.core.outbox import OutboxEvent
from quanzi.membership.models import Membership, PartnerCode
from tests.helpers import PASSWORD, Account

PLANS = "/api/v1/admin/membership-plans"


def plan_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Shop owner", "price_fen": 39800, "duration_days": 365}
    body.update(overrides)
    return body


async def create_plan(client: httpx.AsyncClient, op: Account, **overrides: Any) -> dict[str, Any]:
    response = await client.post(PLANS, json=plan_body(**overrides), headers=op.headers)
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


async def buy(
    client: httpx.AsyncClient, who: Account, plan_id: str, *, key: str | None = None
) -> httpx.Response:
    headers = dict(who.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post("/api/v1/memberships", json={"plan_id": plan_id}, headers=headers)


async def bought(client: httpx.AsyncClient, who: Account, plan_id: str) -> dict[str, Any]:
    response = await buy(client, who, plan_id)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["order"]
    return order


async def confirm(client: httpx.AsyncClient, who: Account, order: dict[str, Any]) -> None:
    response = await client.post(
        f"/api/v1/payments/{order['payment']['id']}/sandbox/confirm", headers=who.headers
    )
    assert response.status_code == 200, response.text


async def become_member(client: httpx.AsyncClient, who: Account, plan_id: str) -> dict[str, Any]:
    """Buy and pay ``plan_id``; returns the (membership) order."""
    order = await bought(client, who, plan_id)
    await confirm(client, who, order)
    return order


async def log_in_again(client: httpx.AsyncClient, *accounts: Account) -> None:
    """Fresh tokens after the clock moved past their lifetime (30 days)."""
    for account in accounts:
        response = await client.post(
            "/api/v1/auth/login", json={"phone": account.phone, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        account.token = response.json()["token"]


async def me(client: httpx.AsyncClient, who: Account) -> dict[str, Any]:
    response = await client.get("/api/v1/me", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def my_membership(client: httpx.AsyncClient, who: Account) -> dict[str, Any] | None:
    response = await client.get("/api/v1/me/membership", headers=who.headers)
    assert response.status_code == 200, response.text
    membership: dict[str, Any] | None = response.json()["membership"]
    return membership


async def memberships_of(user_id: str) -> list[Membership]:
    async def work(session: AsyncSession) -> list[Membership]:
        rows = await session.scalars(
            select(Membership)
            .where(Membership.user_id == uuid.UUID(user_id))
            .order_by(Membership.started_at)
        )
        return list(rows)

    return await db.transaction(work)


async def outbox_count(topic: str) -> int:
    async def work(session: AsyncSession) -> int:
        count = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == topic)
        )
        return int(count or 0)

    return await db.transaction(work)


async def issued_codes() -> list[tuple[str, uuid.UUID | None]]:
    async def work(session: AsyncSession) -> list[tuple[str, uuid.UUID | None]]:
        rows = await session.execute(select(PartnerCode.code, PartnerCode.grant_id))
        return [(code, grant_id) for code, grant_id in rows.all()]

    return await db.transaction(work)
