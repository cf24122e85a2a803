"""The pricing hooks: whether a buyer gets member prices, and from which goods amount a
member ships free.

Orders sit below the membership module, so membership plugs its checks in through
``quanzi.wiring`` with :func:`set_member_check` and :func:`set_free_shipping_check`. Until
it does, nobody is a member and the shop's own free-shipping threshold is the only one.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

MemberCheck = Callable[[AsyncSession, uuid.UUID], Awaitable[bool]]
FreeShippingCheck = Callable[[AsyncSession, uuid.UUID], Awaitable[int | None]]


async def nobody_is_a_member(session: AsyncSession, user_id: uuid.UUID) -> bool:
    return False


async def no_member_threshold(session: AsyncSession, user_id: uuid.UUID) -> int | None:
    return None


_member_check: MemberCheck = nobody_is_a_member
_free_shipping_check: FreeShippingCheck = no_member_threshold


def set_member_check(check: MemberCheck | None) -> None:
    """Install ``check(session, user_id) -> is an active member now``; ``None`` resets."""
    global _member_check
    _member_check = check or nobody_is_a_member


def set_free_shipping_check(check: FreeShippingCheck | None) -> None:
    """Install ``check(session, user_id) -> the buyer's own free-shipping threshold in fen,
    or None``; ``None`` resets."""
    global _free_shipping_check
    _free_shipping_check = check or no_member_threshold


async def is_active_member(session: AsyncSession, user_id: uuid.UUID) -> bool:
    """Whether ``user_id`` pays member prices on an order created now."""
    return await _member_check(session, user_id)


async def member_free_shipping_threshold(session: AsyncSession, user_id: uuid.UUID) -> int | None:
    """The goods amount from which ``user_id`` ships free as a member now, if any."""
    return await _free_shipping_check(session, user_id)
