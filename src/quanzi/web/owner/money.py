"""My earnings and withdrawals: balances with the ledger's history of every movement
(``/me/earnings``), the withdrawal form with its fee (``/me/withdraw``) and one withdrawal
(``/me/withdrawals/{id}``).

A withdrawal is asked through ``wallet.service.request_withdrawal`` under the same kind of
idempotency claim as ``POST /api/v1/me/withdrawals``: each render of the form carries a
fresh key, so a double-submitted form withdraws once and both answers lead to the same
withdrawal. The minimum, daily limit, fee and balance checks are the wallet's own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from quanzi.core import idempotency
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError
from quanzi.core.ids import new_id
from quanzi.identity.models import User
from quanzi.orders.service import parse_cursor
from quanzi.wallet import rules as wallet_rules
from quanzi.wallet import service as wallet
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.forms import parse_id, parse_yuan, read_form
from quanzi.web.owner.frame import PAGE_SIZE, Cursor, kind_key, owner_page, percent
from quanzi.web.render import redirect, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

WITHDRAW_SCOPE = "web.withdraw"
AmountText = Annotated[str | None, Query(max_length=40)]


@router.get("/me/earnings", response_class=HTMLResponse)
async def earnings(visitor: PageVisitor, cursor: Cursor = None) -> HTMLResponse:
    user = visitor.require_user()
    session = visitor.session
    page = await wallet.history(session, user.id, limit=PAGE_SIZE, cursor=parse_cursor(cursor))
    return owner_page(
        visitor,
        "earnings.html",
        {
            "wallet": await wallet.summary(session, user.id),
            "entries": [(entry, kind_key(entry.kind)) for entry in page.items],
            "next_url": f"/me/earnings?cursor={page.next_cursor}" if page.next_cursor else None,
        },
        section="earnings",
    )


async def _withdraw_page(
    visitor: Visitor,
    user: User,
    *,
    cursor: str | None = None,
    amount: str = "",
    error: ProblemError | None = None,
) -> HTMLResponse:
    session = visitor.session
    terms = await wallet.get_terms(session)
    page = await wallet.list_withdrawals(
        session, limit=PAGE_SIZE, cursor=parse_cursor(cursor), member_id=user.id
    )
    return owner_page(
        visitor,
        "withdraw.html",
        {
            "wallet": await wallet.summary(session, user.id),
            "terms": terms,
            "fee_rate": percent(terms.fee_bp),
            "amount": amount,
            "idem_key": new_id().hex,
            "withdrawals": page.items,
            "next_url": f"/me/withdraw?cursor={page.next_cursor}" if page.next_cursor else None,
        },
        section="withdraw",
        error=error,
    )


@router.get("/me/withdraw", response_class=HTMLResponse)
async def withdraw_page(visitor: PageVisitor, cursor: Cursor = None) -> HTMLResponse:
    return await _withdraw_page(visitor, visitor.require_user(), cursor=cursor)


@router.get("/me/withdraw/fee", response_class=HTMLResponse)
async def fee_preview(visitor: PageVisitor, amount: AmountText = None) -> HTMLResponse:
    """What a typed amount costs and brings: htmx asks while the member types."""
    visitor.require_user()
    terms = await wallet.get_terms(visitor.session)
    try:
        amount_fen = parse_yuan(amount)
    except ProblemError as exc:
        problem = i18n.problem_text(visitor.lang, exc.code, exc.detail) if amount else None
        return render(visitor, "owner/_fee.html", {"amount_fen": None, "problem": problem})
    fee = wallet_rules.fee_fen(amount_fen, terms)
    return render(
        visitor, "owner/_fee.html", {"amount_fen": amount_fen, "fee_fen": fee, "problem": None}
    )


async def _withdraw(visitor: Visitor, user: User, form: dict[str, str]) -> str:
    """Ask for the withdrawal (once per form); the page of the withdrawal."""
    session = visitor.session
    amount_fen = parse_yuan(form.get("amount"))

    async def work() -> str:
        withdrawal = await wallet.request_withdrawal(session, user.id, amount_fen=amount_fen)
        return f"/me/withdrawals/{withdrawal.id}"

    return await idempotency.redirect_once(
        session,
        scope=WITHDRAW_SCOPE,
        owner_id=user.id,
        key=form.get("idem"),
        payload={"amount_fen": amount_fen},
        work=work,
    )


@router.post("/me/withdraw", response_class=HTMLResponse)
async def withdraw(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    user = visitor.require_user()
    try:
        location = await _withdraw(visitor, user, form)
    except ProblemError as exc:
        # Nothing moved and no key is kept; the form comes back with what was typed.
        await visitor.start_over()
        return await _withdraw_page(visitor, user, amount=form.get("amount", "")[:40], error=exc)
    return redirect(visitor, location)


@router.get("/me/withdrawals/{withdrawal_id}", response_class=HTMLResponse)
async def withdrawal_page(visitor: PageVisitor, withdrawal_id: str) -> HTMLResponse:
    user = visitor.require_user()
    withdrawal = await wallet.get_withdrawal(
        visitor.session,
        parse_id(withdrawal_id, code="withdrawal_not_found"),
        member_id=user.id,
    )
    return owner_page(visitor, "withdrawal.html", {"withdrawal": withdrawal}, section="withdraw")
