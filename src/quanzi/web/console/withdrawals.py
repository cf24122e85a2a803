"""Withdrawal review (``/admin/withdrawals``): requests waiting for a decision first, with
the member's available balance; approve or reject with a reason, through the wallet's own
services (the API's), and see what came of it — paid, rejected, or the refusal.

The wallet's ``approve``/``reject`` are idempotent for API retries: deciding again returns
the withdrawal as it is. A page form replayed (back button, a second tab, a double click)
should instead tell the operator that the withdrawal was decided already, so the handlers
refuse a decision on a withdrawal that is no longer requested with ``withdrawal_not_pending``.
Two decisions racing past that look still meet on the wallet's row lock: nothing is paid
twice.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import Conflict, ProblemError, Unprocessable
from quanzi.identity import service as identity
from quanzi.orders import service as orders
from quanzi.wallet import rules as wallet_rules
from quanzi.wallet import service as wallet
from quanzi.wallet.models import Withdrawal
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.console import render_console
from quanzi.web.console.inputs import plain_text
from quanzi.web.forms import optional_id, parse_id, read_form
from quanzi.web.render import redirect

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 20
ALL = "all"
FILTERS = (*wallet_rules.STATUSES, ALL)
MAX_REASON = 200

Status = Annotated[str, Query(max_length=16)]
Cursor = Annotated[str | None, Query(max_length=64)]
Done = Annotated[str | None, Query(max_length=64)]


def _filter(raw: str | None) -> str:
    """The status filter of a request or form; anything unknown is the default (pending)."""
    return raw if raw in FILTERS else wallet_rules.REQUESTED


def list_url(status: str, **extra: str) -> str:
    """The list in ``status`` (and ``extra`` query parameters: a cursor, a decision)."""
    return "/admin/withdrawals?" + urlencode({"status": status, **extra})


async def _page(
    visitor: Visitor,
    *,
    status: str,
    cursor: str | None = None,
    done: Withdrawal | None = None,
    error: ProblemError | None = None,
) -> HTMLResponse:
    session = visitor.session
    page = await wallet.list_withdrawals(
        session,
        limit=PAGE_SIZE,
        cursor=orders.parse_cursor(cursor),
        status=None if status == ALL else status,
    )
    members = sorted({w.member_id for w in page.items} | ({done.member_id} if done else set()))
    names = await identity.display_names(session, members)
    available = {
        member_id: await wallet.available_balance(session, member_id)
        for member_id in {w.member_id for w in page.items if w.status == wallet_rules.REQUESTED}
    }
    context: dict[str, Any] = {
        "status": status,
        "filters": FILTERS,
        "withdrawals": page.items,
        "names": names,
        "available": available,
        "done": done,
        "next_url": list_url(status, cursor=page.next_cursor) if page.next_cursor else None,
        "error": i18n.problem_text(visitor.lang, error.code, error.detail) if error else None,
        "error_code": error.code if error else None,
    }
    return render_console(
        visitor,
        "console/withdrawals.html",
        "withdrawals",
        context,
        status=error.status if error else 200,
    )


@router.get("/admin/withdrawals", response_class=HTMLResponse)
async def withdrawals_page(
    visitor: PageVisitor,
    status: Status = wallet_rules.REQUESTED,
    cursor: Cursor = None,
    done: Done = None,
) -> HTMLResponse:
    """One page of withdrawals in a status (pending by default), newest first; ``done``
    names a withdrawal just decided, whose outcome is shown on top."""
    visitor.require_role("operator")
    decided: Withdrawal | None = None
    done_id = optional_id(done)
    if done_id is not None:
        try:
            decided = await wallet.get_withdrawal(visitor.session, done_id)
        except ProblemError:
            decided = None  # a stale or hand-made link: no notice, the list as usual
    return await _page(visitor, status=_filter(status), cursor=cursor, done=decided)


async def _pending(visitor: Visitor, withdrawal_id: uuid.UUID) -> None:
    """Refuse a decision on a withdrawal decided already (see the module's docstring)."""
    withdrawal = await wallet.get_withdrawal(visitor.session, withdrawal_id)
    if withdrawal.status != wallet_rules.REQUESTED:
        raise Conflict(
            f"This withdrawal is {withdrawal.status} already.",
            code="withdrawal_not_pending",
            status_now=withdrawal.status,
        )


async def _decide(visitor: Visitor, raw_id: str, action: str) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    operator = visitor.require_role("operator")
    status = _filter(form.get("status"))
    withdrawal_id = parse_id(raw_id, code="withdrawal_not_found")
    try:
        await _pending(visitor, withdrawal_id)
        if action == "approve":
            await wallet.approve(visitor.session, withdrawal_id, actor_id=operator.id)
        else:
            reason = plain_text(form.get("reason", ""))
            if not 1 <= len(reason) <= MAX_REASON:
                raise Unprocessable(
                    f"Give a reason of 1 to {MAX_REASON} characters.",
                    code="console_reject_reason_needed",
                )
            await wallet.reject(visitor.session, withdrawal_id, actor_id=operator.id, reason=reason)
    except ProblemError as exc:
        if exc.status == 404:
            raise
        await visitor.start_over()
        return await _page(visitor, status=status, error=exc)
    return redirect(visitor, list_url(status, done=str(withdrawal_id)))


@router.post("/admin/withdrawals/{withdrawal_id}/approve")
async def approve(visitor: PageVisitor, withdrawal_id: str) -> Response:
    """Approve; the payout goes to the provider once the approval is committed, before the
    page comes back, so the list usually shows it paid."""
    return await _decide(visitor, withdrawal_id, "approve")


@router.post("/admin/withdrawals/{withdrawal_id}/reject")
async def reject(visitor: PageVisitor, withdrawal_id: str) -> Response:
    """Reject with a reason; amount and fee go back to the member's available balance."""
    return await _decide(visitor, withdrawal_id, "reject")
