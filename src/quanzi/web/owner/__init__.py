"""The shop-owner center (``/me``): membership, share links, earnings and withdrawals, my
team and rank, the leaderboard. Pages for any logged-in member; what only shop owners get
(earning commission, ranks) is explained on the page rather than hidden behind a refusal.

- ``center``: the front page and buying or renewing a membership
- ``shares``: my share links
- ``money``: earnings history, withdrawing, my withdrawals
- ``team``: my team and rank progress, the leaderboard
"""

from __future__ import annotations

from fastapi import APIRouter

from quanzi.web.owner import center, money, shares, team

router = APIRouter(include_in_schema=False)
for part in (center.router, shares.router, money.router, team.router):
    router.include_router(part)
