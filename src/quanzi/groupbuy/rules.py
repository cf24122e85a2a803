"""Pure rules of group buying: campaign validity, seats, platform fill, time left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 100
MAX_DURATION_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class CampaignTerms:
    solo_price_fen: int
    group_price_fen: int
    group_size: int
    duration_minutes: int
    starts_at: datetime
    ends_at: datetime
    stock_allotted: int
    per_user_limit: int
    leader_discount_fen: int
    platform_fill_seats: int


def campaign_problems(terms: CampaignTerms) -> list[str]:
    """Why these campaign terms are refused (empty when they are fine)."""
    problems = []
    if not 0 < terms.group_price_fen < terms.solo_price_fen:
        problems.append("group_price_fen must be positive and below the SKU's solo price")
    if not MIN_GROUP_SIZE <= terms.group_size <= MAX_GROUP_SIZE:
        problems.append(f"group_size must be between {MIN_GROUP_SIZE} and {MAX_GROUP_SIZE}")
    if not 0 < terms.duration_minutes <= MAX_DURATION_MINUTES:
        problems.append(f"duration_minutes must be between 1 and {MAX_DURATION_MINUTES}")
    if terms.ends_at <= terms.starts_at:
        problems.append("ends_at must be after starts_at")
    if terms.stock_allotted < terms.group_size:
        problems.append("stock_allotted must cover at least one full group")
    if terms.per_user_limit < 1:
        problems.append("per_user_limit must be at least 1")
    if not 0 <= terms.leader_discount_fen < terms.group_price_fen:
        problems.append("leader_discount_fen must be below the group price (the leader still pays)")
    if not 0 <= terms.platform_fill_seats < terms.group_size:
        problems.append("platform_fill_seats must be below group_size (members fill most seats)")
    return problems


def platform_fill_needed(group_size: int, paid_count: int, max_fill: int) -> int:
    """Seats the platform pays for when a group ends short, or 0 when it fails instead.

    Only a group with at least one paying member and at most ``max_fill`` missing seats is
    completed; the platform never fills a group on its own.
    """
    missing = group_size - paid_count
    if paid_count < 1 or missing <= 0 or missing > max_fill:
        return 0
    return missing


def group_deadline(
    opened_at: datetime, duration_minutes: int, campaign_ends_at: datetime
) -> datetime:
    """A group lives ``duration_minutes`` from opening, but not past its campaign's end."""
    return min(opened_at + timedelta(minutes=duration_minutes), campaign_ends_at)


def seconds_left(expires_at: datetime | None, now: datetime) -> int:
    if expires_at is None:
        return 0
    return max(0, int((expires_at - now).total_seconds()))
