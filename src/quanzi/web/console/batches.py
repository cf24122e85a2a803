"""Production batches in the console (``/admin/batches``): every supplier's batches by
status, a batch with its orders and their shipment, and what the operator does about
production — the cut rule (daily, or as soon as a batch reaches a quantity) and cutting a
collecting batch now — through ``quanzi.production.service`` like the API."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import ProblemError, Unprocessable
from quanzi.orders import service as orders
from quanzi.production import rules, service
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.console import render_console
from quanzi.web.forms import FormState, parse_id, parse_whole, read_form
from quanzi.web.render import redirect

router = APIRouter(prefix="/admin", route_class=TransactionalRoute, include_in_schema=False)

SECTION = "batches"
PAGE_SIZE = 20
DONE = ("cut", "rule")

StatusParam = Annotated[str | None, Query(pattern="^(collecting|created|in_production|produced)?$")]
Cursor = Annotated[str | None, Query(max_length=64)]
Done = Annotated[str | None, Query(max_length=20)]


async def supplier_names(
    session: AsyncSession, supplier_ids: set[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Names of the suppliers on a page (a page names a handful at most)."""
    return {
        supplier_id: (await catalog.get_supplier(session, supplier_id)).name
        for supplier_id in sorted(supplier_ids)
    }


async def rule_form(session: AsyncSession) -> FormState:
    rule = await service.current_rule(session)
    quantity = rule.threshold_quantity
    return FormState({"mode": rule.mode, "threshold": "" if quantity is None else str(quantity)})


async def _list_page(
    visitor: Visitor,
    *,
    status: str | None,
    cursor: str | None,
    done: str | None = None,
    form: FormState | None = None,
    code: int = 200,
) -> HTMLResponse:
    session = visitor.session
    page = await service.list_batches(
        session, limit=PAGE_SIZE, cursor=orders.parse_cursor(cursor), status=status
    )
    query = f"status={status}&" if status else ""
    return render_console(
        visitor,
        "console/batch_list.html",
        SECTION,
        {
            "batches": page.items,
            "suppliers": await supplier_names(session, {b.supplier_id for b in page.items}),
            "status": status or "",
            "statuses": rules.STATUSES,
            "next_url": f"/admin/batches?{query}cursor={page.next_cursor}"
            if page.next_cursor
            else None,
            "first_page_url": f"/admin/batches?{query}" if cursor else None,
            "form": form or await rule_form(session),
            "rule": await service.current_rule(session),
            "done": done if done in DONE else None,
        },
        status=code,
    )


@router.get("/batches", response_class=HTMLResponse)
async def batch_list(
    visitor: PageVisitor, status: StatusParam = None, cursor: Cursor = None, done: Done = None
) -> HTMLResponse:
    visitor.require_role("operator")
    return await _list_page(visitor, status=status or None, cursor=cursor, done=done)


@router.post("/batches/rule", response_class=HTMLResponse)
async def set_rule(visitor: PageVisitor) -> Response:
    """How demand is cut into batches; batches already at a new threshold are cut now."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    state = FormState(form)
    mode = state.value("mode")
    threshold: int | None = None
    if mode not in rules.MODES:
        state.refuse("mode", Unprocessable("Pick how batches are cut.", code="invalid_mode"))
    elif mode == rules.THRESHOLD:
        threshold = state.take(
            "threshold", partial(parse_whole, minimum=1, maximum=rules.MAX_THRESHOLD), None
        )
    try:
        if state.ok:
            await service.set_rule(visitor.session, mode=mode, threshold_quantity=threshold)
            return redirect(visitor, "/admin/batches?done=rule")
    except ProblemError as problem:
        await visitor.start_over()
        state.refuse("", problem)
    return await _list_page(visitor, status=None, cursor=None, form=state, code=state.status)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
async def batch_page(visitor: PageVisitor, batch_id: str, done: Done = None) -> HTMLResponse:
    visitor.require_role("operator")
    session = visitor.session
    view = await service.batch_for_operator(session, parse_id(batch_id, code="batch_not_found"))
    supplier = await catalog.get_supplier(session, view.batch.supplier_id)
    return render_console(
        visitor,
        "console/batch_page.html",
        SECTION,
        {
            "view": view,
            "batch": view.batch,
            "supplier_name": supplier.name,
            "done": done if done in DONE else None,
        },
    )


@router.post("/batches/{batch_id}/cut")
async def cut_now(visitor: PageVisitor, batch_id: str) -> Response:
    """Cut a collecting batch before its rule would: the supplier sees it at once."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    batch = await service.cut_now(visitor.session, parse_id(batch_id, code="batch_not_found"))
    return redirect(visitor, f"/admin/batches/{batch.id}?done=cut")
