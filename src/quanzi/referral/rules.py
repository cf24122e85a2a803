"""Pure referral rules: binding modes, cycles, ranks, share codes, attribution windows.

No database here: the services feed these functions what they read and act on the answer,
and the tests hit them with tables.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

# --- binding -------------------------------------------------------------------------

FIRST_TOUCH, DAYS, LATEST = "first_touch", "days", "latest"
BINDING_MODES = (FIRST_TOUCH, DAYS, LATEST)
DEFAULT_ATTRIBUTION_DAYS = 7
MAX_BINDING_DAYS = 3650
MAX_ATTRIBUTION_DAYS = 365

# How a binding was made: an invite code at registration or later, a share link clicked by
# a logged-in visitor, or the share code on a paid order.
VIA_INVITE, VIA_SHARE, VIA_ORDER = "invite", "share", "order"

Decision = Literal["bind", "keep", "same"]


def binding_active(expires_at: datetime | None, now: datetime) -> bool:
    """A binding without an end date is permanent; one with an end date lapses at it."""
    return expires_at is None or expires_at > now


def binding_decision(
    mode: str,
    *,
    current_referrer: uuid.UUID | None,
    current_expires_at: datetime | None,
    new_referrer: uuid.UUID,
    now: datetime,
) -> Decision:
    """What a new arrival through ``new_referrer`` does to a user's binding.

    - ``bind``: no binding yet, or the current one lapsed (``days`` mode), or ``latest``
      mode and a different referrer: the user is (re)bound to ``new_referrer``.
    - ``same``: already bound to ``new_referrer``; nothing changes (no renewal either).
    - ``keep``: bound to someone else and the mode protects that binding.
    """
    if mode not in BINDING_MODES:
        raise ValueError(f"unknown binding mode {mode!r}")
    if current_referrer is None or not binding_active(current_expires_at, now):
        return "bind"
    if current_referrer == new_referrer:
        return "same"
    return "bind" if mode == LATEST else "keep"


def binding_expiry(mode: str, binding_days: int | None, now: datetime) -> datetime | None:
    """When a binding made now lapses: only ``days`` mode bindings do, ``binding_days`` on."""
    if mode != DAYS:
        return None
    if binding_days is None or binding_days < 1:
        raise ValueError("days mode needs binding_days >= 1")
    return now + timedelta(days=binding_days)


def settings_problem(mode: str, binding_days: int | None, attribution_days: int) -> str | None:
    """Why operator referral settings are refused, or ``None``."""
    if mode not in BINDING_MODES:
        return f"binding_mode must be one of {', '.join(BINDING_MODES)}."
    if mode == DAYS and binding_days is None:
        return "binding_days is required when binding_mode is 'days'."
    if binding_days is not None and not 1 <= binding_days <= MAX_BINDING_DAYS:
        return f"binding_days must be between 1 and {MAX_BINDING_DAYS}."
    if not 1 <= attribution_days <= MAX_ATTRIBUTION_DAYS:
        return f"attribution_days must be between 1 and {MAX_ATTRIBUTION_DAYS}."
    return None


def would_cycle(child: uuid.UUID, parent: uuid.UUID, parent_chain: Sequence[uuid.UUID]) -> bool:
    """Binding ``child`` under ``parent`` closes a loop if ``child`` is ``parent`` or one of
    ``parent``'s ancestors (``parent_chain``: the parent's whole chain up to its root)."""
    return child == parent or child in parent_chain


# --- ranks ---------------------------------------------------------------------------

MEMBER, SHOP_OWNER, SALES_MANAGER, SERVICE_MANAGER = (
    "member",
    "shop_owner",
    "sales_manager",
    "service_manager",
)
RANKS = (MEMBER, SHOP_OWNER, SALES_MANAGER, SERVICE_MANAGER)
MANAGER_RANKS = (SALES_MANAGER, SERVICE_MANAGER)
TEAM, DIRECT = "team", "direct"
RANK_COUNTING = (TEAM, DIRECT)


@dataclass(frozen=True)
class RankRules:
    """Thresholds (shop owners counted) and what is counted: ``team`` = every shop owner
    in the downline, ``direct`` = shop owners among the member's direct invitees."""

    sales_manager: int = 90
    service_manager: int = 900
    counting: str = TEAM

    def __post_init__(self) -> None:
        if self.counting not in RANK_COUNTING:
            raise ValueError(f"unknown rank counting {self.counting!r}")
        if not 1 <= self.sales_manager < self.service_manager:
            raise ValueError("rank thresholds must satisfy 1 <= sales < service")

    @property
    def basis(self) -> str:
        """A fingerprint: stored ranks were computed under this basis."""
        return f"{self.counting}:{self.sales_manager}:{self.service_manager}"

    def describe(self) -> str:
        what = "team" if self.counting == TEAM else "direct invitee"
        return (
            f"{what} shop owners >= {self.sales_manager} for sales manager, "
            f">= {self.service_manager} for service manager"
        )


DEFAULT_RANK_RULES = RankRules()


def rank_rules_from(thresholds: Mapping[str, int], counting: str) -> RankRules:
    """Rank rules from a commission plan's ``rank_thresholds`` and ``rank_counting``; the
    defaults (90 / 900 / team) fill what the plan leaves out."""
    return RankRules(
        sales_manager=int(thresholds.get(SALES_MANAGER, DEFAULT_RANK_RULES.sales_manager)),
        service_manager=int(thresholds.get(SERVICE_MANAGER, DEFAULT_RANK_RULES.service_manager)),
        counting=counting,
    )


def counted(rules: RankRules, *, direct_owner_count: int, team_count: int) -> int:
    """The number of shop owners the rules look at."""
    return team_count if rules.counting == TEAM else direct_owner_count


def rank_for(rules: RankRules, *, is_owner: bool, direct_owner_count: int, team_count: int) -> str:
    """The rank the counts give now. Every rank above ``member`` needs an active shop-owner
    membership; a manager whose team shrinks below the threshold is demoted (ranks follow
    the current team, they are not kept once earned)."""
    if not is_owner:
        return MEMBER
    n = counted(rules, direct_owner_count=direct_owner_count, team_count=team_count)
    if n >= rules.service_manager:
        return SERVICE_MANAGER
    if n >= rules.sales_manager:
        return SALES_MANAGER
    return SHOP_OWNER


@dataclass(frozen=True)
class NextRank:
    rank: str | None
    threshold: int | None
    needed: int | None


def next_rank(rules: RankRules, rank: str, counted_owners: int) -> NextRank:
    """The next step up from ``rank``: a member's is a shop-owner membership (no count), a
    shop owner's and a sales manager's is a number of shop owners still missing."""
    if rank == MEMBER:
        return NextRank(SHOP_OWNER, None, None)
    if rank == SHOP_OWNER:
        return NextRank(
            SALES_MANAGER, rules.sales_manager, max(0, rules.sales_manager - counted_owners)
        )
    if rank == SALES_MANAGER:
        return NextRank(
            SERVICE_MANAGER, rules.service_manager, max(0, rules.service_manager - counted_owners)
        )
    return NextRank(None, None, None)


def rank_change_reason(
    rules: RankRules,
    *,
    old: str,
    new: str,
    is_owner: bool,
    direct_owner_count: int,
    team_count: int,
    cause: str,
) -> str:
    """The logged reason of a rank change: what happened and the counts behind it."""
    direction = "promoted" if RANKS.index(new) > RANKS.index(old) else "demoted"
    return (
        f"{direction} {old} -> {new} after {cause}: shop owner={'yes' if is_owner else 'no'}, "
        f"team shop owners={team_count}, direct shop owners={direct_owner_count} "
        f"(rules: {rules.describe()})"
    )[:300]


# --- share links and attribution -------------------------------------------------------

# Lower case and ten characters long, so a share code is never mistaken for an invite code
# (eight upper-case characters); no 0/o/1/i/l, which are misread from screenshots.
SHARE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
SHARE_CODE_LENGTH = 10
PRODUCT, GROUP = "product", "group"
TARGET_KINDS = (PRODUCT, GROUP)
_SHARE_CODE = re.compile(f"^[{SHARE_ALPHABET}]{{{SHARE_CODE_LENGTH}}}$")


def new_share_code() -> str:
    return "".join(secrets.choice(SHARE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))


def normalize_share_code(raw: str | None) -> str | None:
    """The share code in ``raw`` (trimmed, lower-cased), or ``None`` if it cannot be one."""
    if raw is None:
        return None
    code = raw.strip().lower()
    return code if _SHARE_CODE.fullmatch(code) else None


def landing_path(target_kind: str, target_id: uuid.UUID, code: str) -> str:
    """Where a share link leads: the storefront's product or group page, with the code in
    the query so a page opened without cookies (an app's web view) still knows it."""
    prefix = {PRODUCT: "/p", GROUP: "/g"}[target_kind]
    return f"{prefix}/{target_id}?share={code}"


def attribution_since(at: datetime, attribution_days: int) -> datetime:
    """Clicks at or after this instant still attribute an order placed at ``at``."""
    return at - timedelta(days=attribution_days)


def month_key(at: datetime, tz: ZoneInfo) -> str:
    """``YYYY-MM`` of ``at`` in the shop's time zone (leaderboards are per calendar month)."""
    return at.astimezone(tz).strftime("%Y-%m")


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(raw: str) -> str | None:
    """``raw`` if it is a ``YYYY-MM`` month, else ``None``."""
    return raw if _MONTH.fullmatch(raw) else None
