"""How the referral module reacts to memberships (subscribed in ``quanzi.wiring``): a shop
owner starting or ending moves the team counts along the ancestors and the ranks crossing
a threshold, in the membership's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.membership import service as membership
from quanzi.membership.events import MembershipActivated, MembershipEnded
from quanzi.referral import ranks


async def on_membership_activated(session: AsyncSession, event: MembershipActivated) -> None:
    """A paid membership makes a shop owner (a renewal of an active one changes nothing)."""
    await ranks.set_shop_owner(
        session, event.user_id, owner=True, cause="the shop-owner membership started"
    )


async def on_membership_ended(session: AsyncSession, event: MembershipEnded) -> None:
    """The member is no longer a shop owner, unless another membership still runs."""
    if await membership.is_active_member(session, event.user_id, at=clock.now()):
        return
    await ranks.set_shop_owner(
        session,
        event.user_id,
        owner=False,
        cause=f"the shop-owner membership ended ({event.reason})",
    )
