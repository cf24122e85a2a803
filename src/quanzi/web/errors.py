"""Errors on pages: a friendly page in the visitor's language, never a stack trace.

The app's problem+json handlers stay in charge of the API; for page paths these wrap them
and render ``error.html`` with the same stable problem ``code``. A page that needs a login
sends the visitor to ``/login`` and back afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from quanzi.core.errors import ProblemError
from quanzi.web import i18n
from quanzi.web.auth import LANG_COOKIE, LoginRequired, login_url
from quanzi.web.render import PAGE_HEADERS, environment

log = logging.getLogger("quanzi.web")

Handler = Callable[[Request, Any], Awaitable[Response]]

# Paths answered by machines, for machines: their errors stay problem+json.
API_PREFIXES = ("/api/", "/static/", "/openapi", "/docs", "/redoc")
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def is_page(request: Request) -> bool:
    """A browser page (HTML errors) rather than an API call (problem+json)."""
    if request.url.path.startswith(API_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    wants_json = "json" in accept and "text/html" not in accept
    return not wants_json


def _lang(request: Request) -> str:
    return i18n.pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def error_page(request: Request, *, status: int, code: str, detail: str) -> HTMLResponse:
    """The friendly page for a refusal; needs no database (it may be what failed)."""
    lang = _lang(request)

    def translate(key: str, **values: Any) -> str:
        return i18n.translate(lang, key, **values)

    html = (
        environment()
        .get_template("error.html")
        .render(
            _=translate,
            lang=lang,
            html_lang=i18n.HTML_LANG[lang],
            status=status,
            code=code,
            message=i18n.problem_text(lang, code, detail),
        )
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def install_page_errors(app: FastAPI) -> None:
    """Render errors on page paths as HTML; call after ``install_error_handlers``."""
    api_handlers: dict[Any, Handler] = dict(app.exception_handlers)

    async def api(request: Request, exc: Exception, kind: Any) -> Response:
        return await api_handlers[kind](request, exc)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_url), status_code=303, headers=PAGE_HEADERS)

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        if not is_page(request):
            return await api(request, exc, ProblemError)
        return error_page(request, status=exc.status, code=exc.code, detail=exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if not is_page(request):
            return await api(request, exc, RequestValidationError)
        return error_page(request, status=400, code="validation_error", detail="invalid")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_page(request):
            return await api(request, exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "bad_request")
        return error_page(request, status=exc.status_code, code=code, detail=str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await api(request, exc, Exception)
        log.exception("unhandled error on a page", exc_info=exc)
        return error_page(request, status=500, code="internal_error", detail="internal error")
