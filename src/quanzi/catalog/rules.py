"""Pure catalog rules: what a valid product, SKU, price or image is, and listing cursors.

Side-effect free and database free, so the service, the demo seed and the tests all
apply exactly the same checks. Violations raise :class:`Unprocessable` (or
:class:`BadRequest` for cursors) with a stable ``code``.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from quanzi.core.errors import BadRequest, Unprocessable
from quanzi.core.money import MAX_AMOUNT_FEN

PRODUCT_STATUSES = ("active", "archived")
MAX_SKUS_PER_PRODUCT = 50
MAX_IMAGES = 10
MAX_IMAGE_URL = 500
# Units of one SKU. stock + reserved + sold must stay far inside a 32-bit INTEGER.
MAX_STOCK = 10_000_000
MAX_TITLE = 200
MAX_CATEGORY = 60
MAX_SKU_NAME = 120
MAX_SUPPLIER_NAME = 120
MAX_DESCRIPTION = 5000
MAX_QUERY = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# NUL is refused by PostgreSQL text columns (a 500 waiting to happen); other C0/C1
# control characters in a title only ever come from broken clients or mischief.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CURSOR_PREFIX = b"p1:"


@dataclass(frozen=True)
class SkuDraft:
    """A SKU as the operator describes it, before it is stored."""

    name: str
    price_fen: int
    stock: int
    member_price_fen: int | None = None
    supply_price_fen: int = 0


def clean_line(value: str, *, field: str, max_length: int) -> str:
    """A one-line text (title, name, category): trimmed, non-blank, no control characters."""
    text = value.strip()
    if not text:
        raise Unprocessable(f"{field} must not be blank.", code=f"invalid_{field}")
    if len(text) > max_length:
        raise Unprocessable(
            f"{field} must have at most {max_length} characters.", code=f"invalid_{field}"
        )
    if _CONTROL_OR_NEWLINE.search(text):
        raise Unprocessable(
            f"{field} must not contain control characters.", code=f"invalid_{field}"
        )
    return text


def clean_description(value: str) -> str:
    """Free text; line breaks and tabs are kept, other control characters are refused."""
    text = value.strip()
    if len(text) > MAX_DESCRIPTION:
        raise Unprocessable(
            f"description must have at most {MAX_DESCRIPTION} characters.",
            code="invalid_description",
        )
    if _CONTROL.search(text):
        raise Unprocessable(
            "description must not contain control characters.", code="invalid_description"
        )
    return text


def is_image_url(url: str) -> bool:
    """An absolute http(s) URL with a host, or a path on this site (``/static/...``)."""
    if not url or len(url) > MAX_IMAGE_URL or url != url.strip():
        return False
    if _CONTROL_OR_NEWLINE.search(url) or " " in url or "\\" in url:
        return False
    if url.startswith("/"):
        # "//host/x" is protocol-relative: another site, not a path on this one.
        return not url.startswith("//")
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def clean_images(urls: Sequence[str]) -> list[str]:
    """Image URLs in the given order; duplicates are refused, not silently merged."""
    if len(urls) > MAX_IMAGES:
        raise Unprocessable(f"At most {MAX_IMAGES} images.", code="too_many_images")
    for url in urls:
        if not is_image_url(url):
            raise Unprocessable(
                "Images must be http(s) URLs or paths on this site starting with '/'.",
                code="invalid_image_url",
            )
    if len(set(urls)) != len(urls):
        raise Unprocessable("The same image is listed twice.", code="invalid_image_url")
    return list(urls)


def check_prices(price_fen: int, member_price_fen: int | None, supply_price_fen: int) -> None:
    """Selling price positive; member price positive and not above it; supply price >= 0.

    A supply price above the selling price is allowed: shops sell hot items at a loss.
    """
    if not 0 < price_fen <= MAX_AMOUNT_FEN:
        raise Unprocessable(
            f"price_fen must be between 1 and {MAX_AMOUNT_FEN}.", code="invalid_price"
        )
    if member_price_fen is not None:
        if not 0 < member_price_fen <= MAX_AMOUNT_FEN:
            raise Unprocessable(
                f"member_price_fen must be between 1 and {MAX_AMOUNT_FEN}.",
                code="invalid_price",
            )
        if member_price_fen > price_fen:
            raise Unprocessable(
                "The member price cannot be higher than the price.",
                code="member_price_above_price",
            )
    if not 0 <= supply_price_fen <= MAX_AMOUNT_FEN:
        raise Unprocessable(
            f"supply_price_fen must be between 0 and {MAX_AMOUNT_FEN}.", code="invalid_price"
        )


def check_stock(stock: int) -> None:
    if not 0 <= stock <= MAX_STOCK:
        raise Unprocessable(f"stock must be between 0 and {MAX_STOCK}.", code="invalid_stock")


def check_stock_delta(delta: int) -> None:
    if delta == 0 or abs(delta) > MAX_STOCK:
        raise Unprocessable(
            f"delta must be non-zero and between -{MAX_STOCK} and {MAX_STOCK}.",
            code="invalid_stock_delta",
        )


def clean_sku(draft: SkuDraft) -> SkuDraft:
    """The draft with its name trimmed, or a refusal naming the broken rule."""
    check_prices(draft.price_fen, draft.member_price_fen, draft.supply_price_fen)
    check_stock(draft.stock)
    return SkuDraft(
        name=clean_line(draft.name, field="sku_name", max_length=MAX_SKU_NAME),
        price_fen=draft.price_fen,
        stock=draft.stock,
        member_price_fen=draft.member_price_fen,
        supply_price_fen=draft.supply_price_fen,
    )


def clean_skus(drafts: Sequence[SkuDraft]) -> list[SkuDraft]:
    """1..50 valid SKUs with distinct names (a buyer picks a SKU by its name)."""
    if not 1 <= len(drafts) <= MAX_SKUS_PER_PRODUCT:
        raise Unprocessable(
            f"A product needs 1 to {MAX_SKUS_PER_PRODUCT} SKUs.", code="invalid_sku_count"
        )
    cleaned = [clean_sku(draft) for draft in drafts]
    if has_duplicates(sku.name for sku in cleaned):
        raise Unprocessable("Two SKUs have the same name.", code="duplicate_sku_name")
    return cleaned


def has_duplicates(values: Iterable[str]) -> bool:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return True
        seen.add(value)
    return False


def clean_search(query: str | None) -> str | None:
    """A search text, or ``None`` when there is nothing to search for."""
    if query is None or not query.strip():
        return None
    return clean_line(query, field="query", max_length=MAX_QUERY)


def encode_cursor(last_id: uuid.UUID) -> str:
    """Opaque to clients: where the next page starts (ids are time-ordered UUIDv7)."""
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    """The id a cursor points after; anything not made by :func:`encode_cursor` is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest("The cursor is not valid.", code="invalid_cursor") from exc
    if not raw.startswith(_CURSOR_PREFIX) or len(raw) != len(_CURSOR_PREFIX) + 16:
        raise BadRequest("The cursor is not valid.", code="invalid_cursor")
    return uuid.UUID(bytes=raw[len(_CURSOR_PREFIX) :])
