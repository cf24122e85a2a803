"""The operator console (``/admin``): desktop pages over the same services as the API.

Every handler starts with ``visitor.require_role("operator")``. Pages extend
``console/base.html`` (sidebar of sections, :data:`SECTIONS`) and set ``section`` in
their context to the key of the sidebar entry they belong to.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from quanzi.web.auth import Visitor
from quanzi.web.render import render

# (key, path, message key): the sidebar, in the order an operator works through it.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("dashboard", "/admin", "console_nav_dashboard"),
    ("catalog", "/admin/products", "console_nav_catalog"),
    ("campaigns", "/admin/campaigns", "console_nav_campaigns"),
    ("batches", "/admin/batches", "console_nav_batches"),
    ("members", "/admin/members", "console_nav_members"),
    ("plans", "/admin/plans", "console_nav_plans"),
    ("commission", "/admin/commission-plan", "console_nav_commission"),
    ("withdrawals", "/admin/withdrawals", "console_nav_withdrawals"),
    ("webhooks", "/admin/webhooks", "console_nav_webhooks"),
)


def render_console(
    visitor: Visitor,
    template: str,
    section: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """A console page: ``template`` (extending ``console/base.html``) with the sidebar and
    ``section`` marked as the current one."""
    return render(
        visitor,
        template,
        {"console_sections": SECTIONS, "section": section, **(context or {})},
        status=status,
    )
