"""Webhook endpoints (``/admin/webhooks``): each with its latest deliveries; register one
(its URL goes through the webhooks module's SSRF guard, whose refusal is shown with the
reason), see its signing secret once, disable or enable it, and rotate its secret.

A secret is shown only in the answer to the POST that made it, never stored for a later
page: the page is rendered directly instead of redirecting (``Cache-Control: no-store``
keeps it out of caches). Disabling is what the API's ``DELETE`` does too: the endpoint
stops receiving and keeps its delivery history.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError, Unprocessable
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.console import render_console
from quanzi.web.console.inputs import plain_text
from quanzi.web.forms import MAX_VALUE, parse_id, read_form
from quanzi.web.render import redirect
from quanzi.webhooks import service as webhooks
from quanzi.webhooks.models import WebhookEndpoint

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

RECENT_DELIVERIES = 5
MAX_TOPICS = 50
MAX_DESCRIPTION = 200
ALL_TOPICS = "*"


def topics_from(raw: str) -> list[str]:
    """The topic patterns typed in the form: separated by commas or spaces; none means all."""
    topics = [part for part in re.split(r"[\s,，]+", raw) if part]
    if len(topics) > MAX_TOPICS:
        raise Unprocessable(f"At most {MAX_TOPICS} topics.", code="invalid_topic")
    return topics or [ALL_TOPICS]


async def _page(
    visitor: Visitor,
    *,
    values: dict[str, str] | None = None,
    error: ProblemError | None = None,
    secret_for: WebhookEndpoint | None = None,
    status: int = 200,
) -> HTMLResponse:
    session = visitor.session
    endpoints = await webhooks.list_endpoints(session)
    recent = {
        endpoint.id: await webhooks.list_deliveries(session, endpoint.id, limit=RECENT_DELIVERIES)
        for endpoint in endpoints
    }
    context: dict[str, Any] = {
        "endpoints": endpoints,
        "recent": recent,
        "values": values or {"url": "", "topics": "", "description": ""},
        "secret_for": secret_for,
        "error": i18n.problem_text(visitor.lang, error.code, error.detail) if error else None,
        "error_code": error.code if error else None,
        # The guard's own words name the address it refused: shown under the problem.
        "error_detail": error.detail if error else None,
    }
    return render_console(
        visitor,
        "console/webhooks.html",
        "webhooks",
        context,
        status=error.status if error else status,
    )


@router.get("/admin/webhooks", response_class=HTMLResponse)
async def webhooks_page(visitor: PageVisitor) -> HTMLResponse:
    """Every endpoint with its latest deliveries, and the form to register one."""
    visitor.require_role("operator")
    return await _page(visitor)


@router.post("/admin/webhooks", response_class=HTMLResponse)
async def register(visitor: PageVisitor) -> HTMLResponse:
    """Register an endpoint and show its secret once; a refusal comes back on the form."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    operator = visitor.require_role("operator")
    values = {name: plain_text(form.get(name, "")) for name in ("url", "topics", "description")}
    try:
        # read_form cuts values at MAX_VALUE: a URL that long may have lost its end.
        if not values["url"] or len(values["url"]) >= MAX_VALUE:
            raise Unprocessable(
                f"Give the endpoint's URL (up to {MAX_VALUE - 1} characters).",
                code="console_webhook_url_needed",
            )
        if len(values["description"]) > MAX_DESCRIPTION:
            raise Unprocessable(
                f"The description has at most {MAX_DESCRIPTION} characters.",
                code="console_webhook_description_too_long",
            )
        endpoint = await webhooks.create_endpoint(
            visitor.session,
            url=values["url"],
            topics=topics_from(values["topics"]),
            description=values["description"],
            created_by=operator.id,
        )
    except ProblemError as exc:
        await visitor.start_over()
        return await _page(visitor, values=values, error=exc)
    return await _page(visitor, secret_for=endpoint, status=201)


def _endpoint_id(raw: str) -> uuid.UUID:
    return parse_id(raw, code="webhook_not_found")


async def _checked(visitor: Visitor) -> None:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")


@router.post("/admin/webhooks/{endpoint_id}/disable")
async def disable(visitor: PageVisitor, endpoint_id: str) -> Response:
    """Stop deliveries to the endpoint (pending ones are failed, visibly); repeatable."""
    await _checked(visitor)
    await webhooks.deactivate_endpoint(visitor.session, _endpoint_id(endpoint_id))
    return redirect(visitor, "/admin/webhooks")


@router.post("/admin/webhooks/{endpoint_id}/enable")
async def enable(visitor: PageVisitor, endpoint_id: str) -> Response:
    """Deliver to the endpoint again, from the next event on."""
    await _checked(visitor)
    await webhooks.update_endpoint(visitor.session, _endpoint_id(endpoint_id), active=True)
    return redirect(visitor, "/admin/webhooks")


@router.post("/admin/webhooks/{endpoint_id}/rotate-secret", response_class=HTMLResponse)
async def rotate_secret(visitor: PageVisitor, endpoint_id: str) -> HTMLResponse:
    """A new signing secret, in force at once and shown on this answer only."""
    await _checked(visitor)
    endpoint = await webhooks.rotate_secret(visitor.session, _endpoint_id(endpoint_id))
    return await _page(visitor, secret_for=endpoint)
