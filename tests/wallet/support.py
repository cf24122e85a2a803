"""Helpers for the wallet tests: money put on a member's available balance the way base
pay does (the wallet only reads the ledger), and read-backs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.ledger.rules import Leg
from tests.helpers import Account


async def fund(member_id: str, amount_fen: int) -> None:
    """Credit ``amount_fen`` to the member's available balance (as base pay)."""

    async def work(session: AsyncSession) -> None:
        await ledger.transfer(
            session,
            key=f"test-fund:{uuid.uuid4()}",
            kind="base_pay",
            legs=[
                Leg(accounts.BASE_PAY_EXPENSE, amount_fen),
                Leg(accounts.member_available(member_id), -amount_fen),
            ],
            description="test funding",
        )

    await db.transaction(work)


async def balance(code: str) -> int:
    async def work(session: AsyncSession) -> int:
        return await ledger.balance(session, code)

    return await db.transaction(work)


async def ledger_sound() -> None:
    async def work(session: AsyncSession) -> None:
        assert await ledger.trial_balance(session) == 0
        assert await ledger.unbalanced_transfers(session) == []

    await db.transaction(work)


async def wallet(client: httpx.AsyncClient, who: Account) -> dict[str, Any]:
    response = await client.get("/api/v1/me/wallet", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def withdraw(
    client: httpx.AsyncClient, who: Account, amount_fen: int, *, key: str | None = None
) -> httpx.Response:
    headers = dict(who.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post(
        "/api/v1/me/withdrawals", json={"amount_fen": amount_fen}, headers=headers
    )


async def set_terms(client: httpx.AsyncClient, op: Account, **terms: int) -> dict[str, Any]:
    body = {"min_amount_fen": 100, "daily_limit_fen": 1_000_000, "fee_bp": 0, "fee_min_fen": 0}
    body.update(terms)
    response = await client.put("/api/v1/admin/withdrawal-settings", json=body, headers=op.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
