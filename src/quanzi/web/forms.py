"""Reading the pages' plain HTML forms (``application/x-www-form-urlencoded``).

Forms are small and flat, so they are parsed here with the standard library rather than a
multipart parser; every value is a bounded string and unknown fields are ignored by the
caller picking only what it knows.

Typed fields (money in yuan, whole numbers, percentages, local times) are parsed by the
``parse_*`` functions, which refuse with a stable problem code; a :class:`FormState` keeps
what was typed and each field's problem, so a refused form is shown again as it was filled.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import Request

from quanzi.core.errors import (
    BadRequest,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    Unprocessable,
    UnsupportedMediaType,
)
from quanzi.core.money import BP_DENOMINATOR, MAX_AMOUNT_FEN
from quanzi.web import i18n

MAX_FORM_BYTES = 16 * 1024
MAX_FIELDS = 40
MAX_VALUE = 500
ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "line1", "line2")
# Typed numbers are bounded by their digits before int() ever sees them.
# Yuan: digits, or thousands grouped by commas (``1,980``: never a decimal comma).
_YUAN = re.compile(
    r"(?P<sign>-?)(?P<whole>[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)?(?:\.(?P<fraction>[0-9]*))?"
)
_MAX_WHOLE_DIGITS = 15
_WHOLE = re.compile(r"-?[0-9]{1,12}")
_PERCENT = re.compile(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?")
# Dates an operator can mean (far from the year 9999 that date arithmetic overflows at).
MIN_YEAR, MAX_YEAR = 2000, 2100

T = TypeVar("T")


async def read_form(
    request: Request,
    *,
    max_bytes: int = MAX_FORM_BYTES,
    max_fields: int = MAX_FIELDS,
    max_value: int = MAX_VALUE,
) -> dict[str, str]:
    """The submitted fields (the last value wins when a name repeats). A form with long
    free text (a description, a pool of codes) raises the limits for itself."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("Pages accept URL-encoded forms only.")
    body = await request.body()
    if len(body) > max_bytes:
        raise PayloadTooLarge("This form is too large.")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=max_fields,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("This form could not be read.", code="bad_request") from exc
    return {name: value[:max_value] for name, value in pairs}


def parse_id(raw: str | None, *, code: str = "not_found") -> uuid.UUID:
    """An id from a path or a form; anything that is not one is simply not found."""
    try:
        return uuid.UUID(raw or "")
    except ValueError:
        raise NotFound("Not found.", code=code) from None


def optional_id(raw: str | None) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def parse_quantity(raw: str | None, *, maximum: int) -> int:
    try:
        quantity = int(raw or "1")
    except ValueError:
        raise BadRequest("The quantity must be a whole number.", code="invalid_quantity") from None
    if not 1 <= quantity <= maximum:
        raise BadRequest(f"The quantity must be 1 to {maximum}.", code="invalid_quantity")
    return quantity


def address_from(form: dict[str, str]) -> dict[str, str | None]:
    """The delivery address fields of a checkout form (the orders module validates them)."""
    return {field: form.get(f"address_{field}", "").strip() or None for field in ADDRESS_FIELDS}


# --- typed fields ----------------------------------------------------------------------


def parse_yuan(raw: str | None, *, minimum_fen: int = 1, maximum_fen: int = MAX_AMOUNT_FEN) -> int:
    """An amount typed in yuan as fen: ``298``, ``69.9``, ``.5``, ``¥1,980.50`` and the
    full-width ``１２．５`` of a Chinese keyboard (folded by NFKC) are read; anything else
    is refused, never guessed at (``1e3``, ``12,5``, ``NaN``, ``+5``). Refusals:
    ``amount_missing``, ``invalid_amount``, ``amount_decimals`` (beyond the fen),
    ``amount_negative``, ``amount_not_positive`` (below ``minimum_fen``) and
    ``amount_too_large`` (above ``maximum_fen``)."""
    text = unicodedata.normalize("NFKC", raw or "").replace(" ", "").removeprefix("¥")
    if not text:
        raise Unprocessable("Type an amount in yuan.", code="amount_missing")
    match = _YUAN.fullmatch(text)
    if match is None or not (match["whole"] or match["fraction"]):
        raise Unprocessable(
            "Type an amount in yuan with at most two decimals.", code="invalid_amount"
        )
    whole = (match["whole"] or "").replace(",", "").lstrip("0")
    fraction = (match["fraction"] or "").rstrip("0")
    if len(fraction) > 2:
        raise Unprocessable("Use at most two decimals (fen).", code="amount_decimals")
    negative = bool(match["sign"]) and bool(whole or fraction)
    if negative and minimum_fen >= 0:
        raise Unprocessable("The amount cannot be negative.", code="amount_negative")
    if len(whole) > _MAX_WHOLE_DIGITS:
        raise Unprocessable(
            "The amount is too large.", code="amount_too_large", maximum_fen=maximum_fen
        )
    fen = int(whole or "0") * 100 + int(fraction.ljust(2, "0"))
    if negative:
        fen = -fen
    if fen < minimum_fen:
        raise Unprocessable(
            "The amount is too small.", code="amount_not_positive", minimum_fen=minimum_fen
        )
    if fen > maximum_fen:
        raise Unprocessable(
            "The amount is too large.", code="amount_too_large", maximum_fen=maximum_fen
        )
    return fen


def parse_whole(raw: str, *, minimum: int, maximum: int) -> int:
    """A whole number within ``minimum..maximum`` (``invalid_number``,
    ``number_out_of_range``)."""
    text = raw.strip()
    if _WHOLE.fullmatch(text) is None:
        raise Unprocessable("Type a whole number.", code="invalid_number")
    number = int(text)
    if not minimum <= number <= maximum:
        raise Unprocessable(
            f"The number must be {minimum} to {maximum}.",
            code="number_out_of_range",
            minimum=minimum,
            maximum=maximum,
        )
    return number


def parse_percent(raw: str) -> int:
    """A rate typed in percent (``10``, ``2.5``, at most two decimals) as basis points,
    0 to 100 % (``invalid_percent``, ``percent_out_of_range``)."""
    match = _PERCENT.fullmatch(raw.strip().rstrip("%％").strip())
    if match is None:
        raise Unprocessable("Type a percentage with at most two decimals.", code="invalid_percent")
    whole, decimals = match.groups()
    rate_bp = int(whole) * 100 + int((decimals or "").ljust(2, "0"))
    if rate_bp > BP_DENOMINATOR:
        raise Unprocessable("A rate is at most 100 %.", code="percent_out_of_range")
    return rate_bp


def parse_local_time(raw: str, timezone: ZoneInfo) -> datetime:
    """A date and time typed in the shop's time zone (``2026-11-02T10:00``, as a
    ``datetime-local`` input sends it) as a UTC instant (``invalid_time``)."""
    try:
        typed = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Unprocessable("Type a date and time.", code="invalid_time") from None
    if not MIN_YEAR <= typed.year <= MAX_YEAR:
        raise Unprocessable(f"Pick a date between {MIN_YEAR} and {MAX_YEAR}.", code="invalid_time")
    if typed.tzinfo is None:
        typed = typed.replace(tzinfo=timezone)
    return typed.astimezone(UTC)


def local_input(value: datetime | None, timezone: ZoneInfo) -> str:
    """An instant as a ``datetime-local`` input shows it, in the shop's time zone."""
    return "" if value is None else value.astimezone(timezone).strftime("%Y-%m-%dT%H:%M")


def yuan_input(fen: int | None) -> str:
    """An amount as a yuan input shows it (``29800`` → ``298.00``); the inverse of
    :func:`parse_yuan`."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def percent_input(rate_bp: int) -> str:
    """A rate in basis points as a percent input shows it (``250`` → ``2.5``)."""
    whole, rest = divmod(rate_bp, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


@dataclass
class FormState:
    """One form as the operator filled it in, and what was wrong with it by field: a
    refused form is shown again with everything typed kept and each problem next to its
    field (the key ``""`` holds a problem of the whole form)."""

    values: Mapping[str, str] = field(default_factory=dict)
    problems: dict[str, ProblemError] = field(default_factory=dict)
    # A message key (and its values) that says what is wrong more precisely than the
    # problem's code, e.g. which campaign rule a refused field breaks.
    texts: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def take(self, name: str, parse: Callable[[str], T], fallback: T) -> T:
        """``parse`` the field ``name``; a refusal is noted against the field and
        ``fallback`` returned (check :attr:`ok` before using anything taken)."""
        try:
            return parse(self.value(name))
        except ProblemError as problem:
            self.problems.setdefault(name, problem)
            return fallback

    def optional(self, name: str, parse: Callable[[str], T]) -> T | None:
        """Like :meth:`take`, but a blank field is simply ``None``."""
        if not self.value(name).strip():
            return None
        return self.take(name, parse, None)

    def refuse(
        self, name: str, problem: ProblemError, *, text: str | None = None, **values: Any
    ) -> None:
        """Note ``problem`` against field ``name`` (the first problem of a field is kept),
        worded by the message ``text`` with ``values`` when given."""
        if name in self.problems:
            return
        self.problems[name] = problem
        if text is not None:
            self.texts[name] = (text, values)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def status(self) -> int:
        """The HTTP status to show the form again with (the gravest of its problems)."""
        return max((problem.status for problem in self.problems.values()), default=200)

    def code(self, name: str) -> str:
        problem = self.problems.get(name)
        return "" if problem is None else problem.code

    def message(self, name: str, lang: str) -> str:
        """The problem of field ``name`` in ``lang`` (empty when the field is fine)."""
        problem = self.problems.get(name)
        if problem is None:
            return ""
        if name in self.texts:
            key, values = self.texts[name]
            return i18n.translate(lang, key, **values)
        return i18n.problem_text(lang, problem.code, problem.detail)
