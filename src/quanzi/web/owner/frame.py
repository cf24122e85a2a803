"""What every page of the shop-owner center shares: its own menu, the refusal shown on a
form, page cursors, and display helpers for rates and ledger movements."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import HTMLResponse

from quanzi.core.errors import ProblemError
from quanzi.web import i18n
from quanzi.web.auth import Visitor
from quanzi.web.render import render

PAGE_SIZE = 20
Cursor = Annotated[str | None, Query(max_length=64)]

# The center's menu, in the order it is shown: (section, path).
SECTIONS = (
    ("center", "/me"),
    ("membership", "/me/membership"),
    ("shares", "/me/shares"),
    ("earnings", "/me/earnings"),
    ("withdraw", "/me/withdraw"),
    ("team", "/me/team"),
    ("leaderboard", "/me/leaderboard"),
)

# Ledger transfer kinds that move a member's balances, as the earnings history names them
# (``owner_kind_*``); a kind added later by another module reads as "other", never a crash.
KNOWN_KINDS = frozenset(
    {
        "commission",
        "commission_release",
        "commission_reversal",
        "commission_clawback",
        "base_pay",
        "withdrawal",
        "withdrawal_returned",
    }
)


def kind_key(kind: str) -> str:
    """The words key of a ledger movement's kind."""
    return f"owner_kind_{kind if kind in KNOWN_KINDS else 'other'}"


def percent(rate_bp: int) -> str:
    """Basis points as a percentage without floats: ``1000`` → ``10``, ``1050`` → ``10.5``,
    ``5`` → ``0.05``."""
    whole, part = divmod(rate_bp, 100)
    return f"{whole}.{part:02d}".rstrip("0") if part else str(whole)


def refusal(visitor: Visitor, error: ProblemError | None) -> dict[str, str | None]:
    """The ``error`` / ``error_code`` a form shows (``_error.html``)."""
    if error is None:
        return {"error": None, "error_code": None}
    return {
        "error": i18n.problem_text(visitor.lang, error.code, error.detail),
        "error_code": error.code,
    }


def owner_page(
    visitor: Visitor,
    template: str,
    context: dict[str, Any],
    *,
    section: str,
    error: ProblemError | None = None,
) -> HTMLResponse:
    """A center page (``templates/owner/…``) with its menu; a refusal sets the status."""
    return render(
        visitor,
        f"owner/{template}",
        {"sections": SECTIONS, "section": section, **refusal(visitor, error), **context},
        status=error.status if error else 200,
    )
