"""Small helpers shared by the API tests (real HTTP calls through the ASGI app)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db, security
from quanzi.identity import service as identity

PASSWORD = "s3cret-pass"
_counter = itertools.count(random.randint(0, 10_000_000))


def new_phone() -> str:
    return f"139{next(_counter) % 100_000_000:08d}"


@dataclass
class Account:
    id: str
    phone: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(
    client: httpx.AsyncClient, *, name: str = "Shopper", invite_code: str | None = None
) -> Account:
    phone = new_phone()
    body: dict[str, Any] = {"phone": phone, "password": PASSWORD, "display_name": name}
    if invite_code:
        body["invite_code"] = invite_code
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    return Account(id=data["user"]["id"], phone=phone, token=data["token"])


async def account_with_roles(client: httpx.AsyncClient, *roles: str) -> Account:
    """Register through the API, then grant ``roles`` as an operator would."""
    account = await register(client, name="Staff")

    async def grant(session: Any) -> None:
        user = await identity.find_by_phone(session, account.phone)
        assert user is not None
        for role in roles:
            await identity.grant_role(session, user, role)

    await db.transaction(grant)
    return account


async def operator(client: httpx.AsyncClient) -> Account:
    return await account_with_roles(client, "operator")


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is a problem+json with ``status`` and ``code``; return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def quick_accounts(
    count: int, monkeypatch: pytest.MonkeyPatch, *, name: str = "Racer"
) -> list[Account]:
    """``count`` members with tokens, made in one transaction; password hashing is skipped
    because they never log in (argon2 would dominate a race test's setup)."""
    monkeypatch.setattr(security, "hash_password", lambda _: security.DUMMY_PASSWORD_HASH)

    async def work(session: AsyncSession) -> list[Account]:
        accounts = []
        for _ in range(count):
            phone = new_phone()
            user = await identity.create_user(
                session, phone=phone, password=PASSWORD, display_name=name
            )
            issued = await identity.issue_token(session, user)
            accounts.append(Account(id=str(user.id), phone=phone, token=issued.token))
        return accounts

    return await db.transaction(work)
