"""Rendering pages: one Jinja2 environment, the common page context, safe headers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from quanzi.web import TEMPLATES_DIR, display, i18n
from quanzi.web.auth import CSRF_FIELD, Visitor, apply_cookies, safe_next

# Pages carry the visitor's own data: never stored by a shared cache.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yuan"] = display.yuan
    env.filters["clock"] = display.clock_text
    env.filters["local_time"] = display.local_time
    env.filters["initials"] = display.initials
    return env


def lang_switch_url(visitor: Visitor) -> str:
    """This page in the other language (``?lang=`` also sets the cookie)."""
    other = "en" if visitor.lang == "zh" else "zh"
    params = [(k, v) for k, v in visitor.request.query_params.multi_items() if k != "lang"]
    params.append(("lang", other))
    return f"{visitor.request.url.path}?{urlencode(params)}"


def auth_query(visitor: Visitor) -> str:
    """The query of the header's log-in and sign-up links: back to this page afterwards
    (on those pages themselves, on to where they lead), keeping a share link's invite."""
    query = visitor.request.query_params
    if visitor.request.url.path in ("/login", "/register"):
        target = safe_next(query.get("next"))
    else:
        target = visitor.here()
    params = [("next", target)]
    if invite := query.get("invite"):
        params.append(("invite", invite))
    return urlencode(params)


def page_context(visitor: Visitor) -> dict[str, Any]:
    lang = visitor.lang

    def translate(key: str, **values: Any) -> str:
        return i18n.translate(lang, key, **values)

    return {
        "_": translate,
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "user": visitor.user,
        "csrf_field": CSRF_FIELD,
        "csrf_token": visitor.csrf_token,
        "path": visitor.request.url.path,
        "here": visitor.here(),
        "query": visitor.request.url.query,
        "auth_query": auth_query(visitor),
        "lang_switch_url": lang_switch_url(visitor),
        "duration_text": lambda minutes: display.duration_text(lang, minutes),
    }


def render(
    visitor: Visitor, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """``template`` with the page context; sets the visitor's pending cookies."""
    html = environment().get_template(template).render({**page_context(visitor), **(context or {})})
    response = HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
    apply_cookies(response, visitor)
    return response


def redirect(visitor: Visitor, url: str) -> Response:
    """See-other after a POST (or a GET that only sets cookies), with pending cookies."""
    response = RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)
    apply_cookies(response, visitor)
    return response
