"""Pure membership rules: plan bounds, the arithmetic of terms (start, renewal, refund)
and the cleaning of partner code uploads. No database, no clock: tests call these directly."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from quanzi.core.errors import Unprocessable

# ¥100,000: far above any real membership fee, far below anything that could overflow.
MAX_PLAN_PRICE_FEN = 10_000_000
MAX_FREE_SHIPPING_THRESHOLD_FEN = 100_000_000
MAX_DURATION_DAYS = 3660
# Nobody may prepay more than this far ahead: a purchase is refused while the running
# membership already lasts longer than this (it also keeps dates far from year 9999).
MAX_PREPAID_DAYS = 3660
MAX_PARTNER_BENEFITS = 20
MAX_CODES_PER_UPLOAD = 5000
MAX_CODE_LENGTH = 120
MAX_PARTNER_LENGTH = 80
MAX_DESCRIPTION_LENGTH = 300

# Membership statuses and end reasons.
ACTIVE = "active"
EXPIRED = "expired"
REFUNDED = "refunded"

# Purchase statuses.
PURCHASE_PENDING = "pending"
PURCHASE_ACTIVATED = "activated"
PURCHASE_CANCELLED = "cancelled"
PURCHASE_REFUNDED = "refunded"

# Benefit grant statuses.
GRANT_PENDING = "pending_code"
GRANT_ISSUED = "issued"
GRANT_CANCELLED = "cancelled"


@dataclass(frozen=True)
class Term:
    """Where a paid purchase puts the membership: ``renewal`` extends the running one."""

    started_at: datetime
    expires_at: datetime
    renewal: bool


def check_duration(duration_days: int) -> None:
    if not 1 <= duration_days <= MAX_DURATION_DAYS:
        raise ValueError(f"a duration must be 1..{MAX_DURATION_DAYS} days")


def activation_term(
    now: datetime, running: tuple[datetime, datetime] | None, duration_days: int
) -> Term:
    """The term after paying ``duration_days`` at ``now``. ``running`` is the current
    membership's ``(started_at, expires_at)`` if there is one: still running at ``now``, it
    is extended from its expiry (no day is lost by renewing early); ended (``expires_at <=
    now``) or absent, a new membership starts now."""
    check_duration(duration_days)
    length = timedelta(days=duration_days)
    if running is not None and running[1] > now:
        return Term(running[0], running[1] + length, renewal=True)
    return Term(now, now + length, renewal=False)


def expiry_after_refund(expires_at: datetime, duration_days: int) -> datetime:
    """A fully refunded purchase takes back exactly the days it bought: a refunded renewal
    shortens the membership by its length, a refunded first year ends it (the result is
    then at or before now)."""
    check_duration(duration_days)
    return expires_at - timedelta(days=duration_days)


def is_active(started_at: datetime, expires_at: datetime, at: datetime) -> bool:
    return started_at <= at < expires_at


def prepaid_too_far(now: datetime, expires_at: datetime | None) -> bool:
    """Whether a running membership already reaches past the prepayment limit."""
    return expires_at is not None and expires_at - now > timedelta(days=MAX_PREPAID_DAYS)


def _has_control(text: str, *, allowed: str = "") -> bool:
    # NUL and other control characters: PostgreSQL refuses NUL in text (a 500 waiting to
    # happen) and nobody means the others in a name shown to members.
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def clean_name(name: str, *, field: str, max_length: int) -> str:
    cleaned = " ".join(name.split())
    if _has_control(cleaned):
        raise Unprocessable(
            f"The {field} contains control characters.", code="invalid_plan", field=field
        )
    if not cleaned:
        raise Unprocessable(f"The {field} cannot be blank.", code="invalid_plan", field=field)
    if len(cleaned) > max_length:
        raise Unprocessable(
            f"The {field} is longer than {max_length} characters.",
            code="invalid_plan",
            field=field,
        )
    return cleaned


def clean_description(text: str) -> str:
    """A partner benefit's description: trimmed, at most ``MAX_DESCRIPTION_LENGTH``
    characters kept, line breaks and tabs allowed, other control characters refused."""
    cleaned = text.strip()[:MAX_DESCRIPTION_LENGTH]
    if _has_control(cleaned, allowed="\n\t"):
        raise Unprocessable(
            "A benefit's description contains control characters.",
            code="invalid_plan",
            field="description",
        )
    return cleaned


def check_partners(partners: Sequence[str]) -> None:
    """Partner names identify a plan's benefits: at most ``MAX_PARTNER_BENEFITS``, no two
    the same (ignoring case)."""
    if len(partners) > MAX_PARTNER_BENEFITS:
        raise Unprocessable(
            f"A plan has at most {MAX_PARTNER_BENEFITS} partner benefits.", code="invalid_plan"
        )
    seen: set[str] = set()
    for partner in partners:
        folded = partner.casefold()
        if folded in seen:
            raise Unprocessable(
                f"Partner {partner!r} is listed twice.",
                code="duplicate_partner",
                partner=partner,
            )
        seen.add(folded)


def clean_codes(codes: Iterable[str]) -> list[str]:
    """Trimmed codes, first occurrence kept, in upload order. A blank, over-long or
    non-printable code refuses the whole upload (422) rather than being dropped silently."""
    cleaned: dict[str, None] = {}
    for position, raw in enumerate(codes):
        code = raw.strip()
        if not code or len(code) > MAX_CODE_LENGTH or not code.isprintable():
            raise Unprocessable(
                f"Code #{position + 1} must be 1..{MAX_CODE_LENGTH} printable characters.",
                code="invalid_code",
                position=position,
            )
        cleaned.setdefault(code, None)
    if len(cleaned) > MAX_CODES_PER_UPLOAD:
        raise Unprocessable(
            f"Upload at most {MAX_CODES_PER_UPLOAD} codes at a time.", code="too_many_codes"
        )
    return list(cleaned)
