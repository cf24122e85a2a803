"""Free text typed into the console's forms (a reason, a description), made storable."""

from __future__ import annotations

import unicodedata


def plain_text(raw: str) -> str:
    """``raw`` without control or format characters, trimmed: PostgreSQL refuses NUL in
    text, and nothing an operator means to say needs them."""
    return "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
