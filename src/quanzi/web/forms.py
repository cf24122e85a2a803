"""Reading the pages' plain HTML forms (``application/x-www-form-urlencoded``).

Forms are small and flat, so they are parsed here with the standard library rather than a
multipart parser; every value is a bounded string and unknown fields are ignored by the
caller picking only what it knows.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl

from fastapi import Request

from quanzi.core.errors import BadRequest, NotFound, ProblemError

MAX_FORM_BYTES = 16 * 1024
MAX_FIELDS = 40
MAX_VALUE = 500
ADDRESS_FIELDS = ("name", "phone", "province", "city", "district", "line1", "line2")


async def read_form(request: Request) -> dict[str, str]:
    """The submitted fields (the last value wins when a name repeats)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise ProblemError(
            "Pages accept URL-encoded forms only.",
            code="unsupported_media_type",
            status=415,
        )
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise ProblemError("This form is too large.", code="payload_too_large", status=413)
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("This form could not be read.", code="bad_request") from exc
    return {name: value[:MAX_VALUE] for name, value in pairs}


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
