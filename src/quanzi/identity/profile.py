"""Extension point for ``GET /me``: upper modules (membership, referral) add their part
through ``quanzi.wiring`` without identity importing them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.identity.models import User

ProfilePart = Callable[[AsyncSession, User], Awaitable[dict[str, Any]]]
_parts: list[ProfilePart] = []


def add_profile_part(part: ProfilePart) -> None:
    if part not in _parts:
        _parts.append(part)


async def profile_extras(session: AsyncSession, user: User) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for part in _parts:
        extras.update(await part(session, user))
    return extras
