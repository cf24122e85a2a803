"""Who is looking at a page: the session cookie, the language, and CSRF protection.

The session cookie holds an opaque bearer token issued by ``quanzi.identity.service`` (the
same tokens as the API, HttpOnly and SameSite=Lax, so page scripts never see it). Every
POST form carries a CSRF token derived from the visitor's session: the bearer token once
logged in, before that a random seed cookie. The token is a one-way hash of that secret,
so the page can show it while a cross-site form can neither read nor guess it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.config import get_settings
from quanzi.core.errors import Forbidden, Unauthorized
from quanzi.identity import service as identity
from quanzi.identity.deps import Session
from quanzi.identity.models import AccessToken, User
from quanzi.web import i18n

SESSION_COOKIE = "qz_session"
SEED_COOKIE = "qz_seed"
LANG_COOKIE = "lang"
CSRF_FIELD = "csrf"
LANG_COOKIE_SECONDS = 365 * 24 * 3600


class LoginRequired(Exception):
    """A page needs a logged-in visitor: the error handlers send them to the login page
    and back to ``next_url`` afterwards."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass
class Visitor:
    """The request's viewer, language and CSRF token, and the cookies its answer sets."""

    request: Request
    session: AsyncSession
    user: User | None
    access: AccessToken | None
    lang: str
    csrf_token: str
    cookies: dict[str, tuple[str, int]] = field(default_factory=dict)

    def require_user(self) -> User:
        """The logged-in user, or off to the login page (and back here afterwards)."""
        if self.user is None:
            raise LoginRequired(self.here())
        return self.user

    def require_role(self, role: str) -> User:
        """The logged-in user holding ``role`` (operator, supplier); a stranger goes to the
        login page, a logged-in user without the role is refused with ``role_required``."""
        user = self.require_user()
        if role not in user.roles:
            raise Forbidden(f"This page needs the {role} role.", code="role_required")
        return user

    async def start_over(self) -> None:
        """Undo everything this request wrote (a refusal is about to be shown) and reload
        the visitor, whose rows the rollback expired."""
        await self.session.rollback()
        if self.user is not None:
            await self.session.refresh(self.user)

    def here(self) -> str:
        """This page's path and query (what ``next`` should bring the visitor back to)."""
        url = self.request.url
        return url.path + (f"?{url.query}" if url.query else "")


def _csrf_for(secret: str) -> str:
    return hashlib.sha256(b"quanzi-csrf\0" + secret.encode()).hexdigest()[:40]


def _secure() -> bool:
    return get_settings().base_url.startswith("https://")


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(),
    )


async def current_visitor(request: Request, session: Session) -> Visitor:
    """FastAPI dependency for pages: never refuses, an unknown or expired session cookie
    simply means a visitor who is not logged in."""
    query_lang = request.query_params.get("lang")
    lang = i18n.pick_lang(query_lang, request.cookies.get(LANG_COOKIE))
    cookies: dict[str, tuple[str, int]] = {}
    if query_lang in i18n.LANGS and request.cookies.get(LANG_COOKIE) != query_lang:
        cookies[LANG_COOKIE] = (lang, LANG_COOKIE_SECONDS)
    user: User | None = None
    access: AccessToken | None = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            user, access = await identity.authenticate(session, token)
        except Unauthorized:
            user, access = None, None
    if user is not None and token:
        secret = token
    else:
        seed = request.cookies.get(SEED_COOKIE)
        if not seed:
            seed = secrets.token_urlsafe(24)
            # Lives as long as the browser session; it only guards anonymous forms.
            cookies[SEED_COOKIE] = (seed, 0)
        secret = seed
    return Visitor(
        request=request,
        session=session,
        user=user,
        access=access,
        lang=lang,
        csrf_token=_csrf_for(secret),
        cookies=cookies,
    )


PageVisitor = Annotated[Visitor, Depends(current_visitor)]


def check_csrf(visitor: Visitor, form: dict[str, str]) -> None:
    """Refuse a POST whose form does not carry this visitor's CSRF token."""
    sent = form.get(CSRF_FIELD, "")
    if not hmac.compare_digest(sent.encode(), visitor.csrf_token.encode()):
        raise Forbidden("The form's CSRF token is missing or stale.", code="csrf_failed")


def apply_cookies(response: Response, visitor: Visitor) -> Response:
    for name, (value, max_age) in visitor.cookies.items():
        if max_age:
            set_cookie(response, name, value, max_age)
        else:
            response.set_cookie(
                name, value, path="/", httponly=True, samesite="lax", secure=_secure()
            )
    return response


def start_session(visitor: Visitor, token: str) -> None:
    """Log the visitor in: the answer sets the session cookie to ``token``."""
    visitor.cookies[SESSION_COOKIE] = (token, get_settings().token_ttl_hours * 3600)


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def safe_next(raw: str | None, default: str = "/") -> str:
    """A same-site path to go on to after logging in; anything else becomes ``default``
    (no open redirects: ``//evil.example``, ``/\\evil``, ``https://…`` are refused)."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return default
    if any(ch in raw for ch in "\r\n\t\\"):
        return default
    return raw


def login_url(next_url: str, *, invite: str | None = None) -> str:
    url = f"/login?next={quote(next_url, safe='')}"
    return url + (f"&invite={quote(invite, safe='')}" if invite else "")
