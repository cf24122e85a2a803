"""The pricing hook: whether a buyer gets member prices.

Orders sit below the membership module, so membership plugs its check in through
``quanzi.wiring`` with :func:`set_member_check`. Until it does, nobody is a member.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

MemberCheck = Callable[[AsyncSession, uuid.UUID], Awaitable[bool]]


async def nobody_is_a_member(session: AsyncSession, user_id: uuid.UUID) -> bool:
    return False


_member_check: MemberCheck = nobody_is_a_member


def set_member_check(check: MemberCheck | None) -> None:
    """Install ``check(session, user_id) -> is an active member now``; ``None`` resets."""
    global _member_check
    _member_check = check or nobody_is_a_member


async def is_active_member(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Whether ``user_id`` pays member prices on an order created now."""
    return await _member_check(session, user_id)
