"""The referral module's public service surface (for the API, the worker, ``quanzi.wiring``
and the commission sub-package). The rules live in the files named below; import from here.

- tree: :func:`uplines`, :func:`referrer_of`
- binding: :func:`bind`, :func:`bind_by_code`, :func:`current_binding`,
  :func:`lapse_expired_bindings` (sweep)
- shares: :func:`create_link`, :func:`record_click`, :func:`claim_visits`,
  :func:`resolve_sharer`, :func:`my_links`, :func:`attributions_of`
- ranks: :func:`rank_of`, :func:`members_with_rank`, :func:`set_shop_owner`
- teams: :func:`team_view`, :func:`direct_invitees`, :func:`leaderboard`,
  :func:`member_referral`, :func:`roll_up_team_sales` (sweep)
- policy: :func:`get_policy`, :func:`set_policy`
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock
from quanzi.identity.models import User
from quanzi.referral import tree
from quanzi.referral.binding import (
    Binding,
    bind,
    bind_by_code,
    current_binding,
    lapse_expired_bindings,
    referrer_of,
)
from quanzi.referral.policy import Policy, get_policy, set_policy
from quanzi.referral.ranks import members_with_rank, rank_of, set_shop_owner
from quanzi.referral.shares import (
    Attribution,
    attributions_of,
    claim_visits,
    create_link,
    my_links,
    record_click,
    resolve_sharer,
    share_url,
)
from quanzi.referral.teams import (
    direct_invitees,
    leaderboard,
    member_referral,
    roll_up_team_sales,
    team_view,
)


async def uplines(session: AsyncSession, user_id: uuid.UUID, depth: int) -> list[uuid.UUID]:
    """``user_id``'s referrer, the referrer's referrer, … nearest first, at most ``depth``
    of them, through bindings in force now. One statement of ``depth`` index probes."""
    return await tree.uplines(session, user_id, depth, at=clock.now())


async def profile_part(session: AsyncSession, user: User) -> dict[str, Any]:
    """The ``rank`` shown by ``GET /api/v1/me``."""
    return {"rank": await rank_of(session, user.id)}


__all__ = [
    "Attribution",
    "Binding",
    "Policy",
    "attributions_of",
    "bind",
    "bind_by_code",
    "claim_visits",
    "create_link",
    "current_binding",
    "direct_invitees",
    "get_policy",
    "lapse_expired_bindings",
    "leaderboard",
    "member_referral",
    "members_with_rank",
    "my_links",
    "profile_part",
    "rank_of",
    "record_click",
    "referrer_of",
    "resolve_sharer",
    "roll_up_team_sales",
    "set_policy",
    "set_shop_owner",
    "share_url",
    "team_view",
    "uplines",
]
