"""Logging in, signing up (with the invite code of a share link) and logging out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError
from quanzi.identity import service as identity
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, check_csrf, end_session, safe_next, start_session
from quanzi.web.forms import read_form
from quanzi.web.render import redirect, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

Next = Annotated[str | None, Query(max_length=500)]
Invite = Annotated[str | None, Query(max_length=16)]


def _form_page(
    visitor: PageVisitor,
    template: str,
    values: dict[str, Any],
    *,
    error: ProblemError | None = None,
) -> HTMLResponse:
    context = {
        **values,
        "error": i18n.problem_text(visitor.lang, error.code, error.detail) if error else None,
        "error_code": error.code if error else None,
    }
    return render(visitor, template, context, status=error.status if error else 200)


@router.get("/login", response_class=HTMLResponse)
async def login_page(visitor: PageVisitor, next: Next = None, invite: Invite = None) -> Response:
    target = safe_next(next)
    if visitor.user is not None:
        return redirect(visitor, target)
    return _form_page(
        visitor,
        "login.html",
        {"next": target, "invite": invite or "", "phone": "", "asked": next is not None},
    )


@router.post("/login", response_class=HTMLResponse)
async def login(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    target = safe_next(form.get("next"))
    phone = form.get("phone", "")
    try:
        issued = await identity.login(
            visitor.session, phone=phone, password=form.get("password", "")
        )
    except ProblemError as exc:
        await visitor.start_over()
        values = {"next": target, "invite": form.get("invite", ""), "phone": phone}
        return _form_page(visitor, "login.html", {**values, "asked": False}, error=exc)
    start_session(visitor, issued.token)
    return redirect(visitor, target)


@router.get("/register", response_class=HTMLResponse)
async def register_page(visitor: PageVisitor, next: Next = None, invite: Invite = None) -> Response:
    target = safe_next(next)
    if visitor.user is not None:
        return redirect(visitor, target)
    values = {"next": target, "invite": invite or "", "phone": "", "display_name": ""}
    return _form_page(visitor, "register.html", values)


@router.post("/register", response_class=HTMLResponse)
async def register(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    target = safe_next(form.get("next"))
    values = {
        "next": target,
        "invite": form.get("invite_code", "").strip(),
        "phone": form.get("phone", ""),
        "display_name": form.get("display_name", ""),
    }
    try:
        issued = await identity.register(
            visitor.session,
            phone=values["phone"],
            password=form.get("password", ""),
            display_name=values["display_name"][:60],
            invite_code=values["invite"] or None,
        )
    except ProblemError as exc:
        await visitor.start_over()
        return _form_page(visitor, "register.html", values, error=exc)
    start_session(visitor, issued.token)
    return redirect(visitor, target)


@router.get("/logout", response_class=HTMLResponse)
async def logout_page(visitor: PageVisitor) -> Response:
    if visitor.user is None:
        return redirect(visitor, "/")
    return render(visitor, "logout.html")


@router.post("/logout")
async def logout(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    if visitor.access is not None:
        await identity.revoke_token(visitor.session, visitor.access)
    response = redirect(visitor, "/")
    end_session(response)
    return response
