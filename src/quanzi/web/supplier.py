"""The supplier portal (``/supplier``): a supplier's staff see their production batches,
start production, mark a batch produced (which books the supplier payable) and ship each
order straight to its buyer (厂家直发), one by one or from a CSV file.

Every handler starts with :func:`staff_of`: the ``supplier`` role and a link to a supplier
(``catalog.add_staff``). Another supplier's batch is a 404, as in the API. Refusals a
supplier can act on (a step already taken, bad shipment rows, an unreadable file) are shown
on the batch page with nothing saved; anything else gets the error page.

The CSV upload is a ``multipart/form-data`` form. The transactional route reads a whole
body before the handler runs, so :class:`BoundedUploadRoute` refuses an oversized one by
its ``Content-Length`` first; the parts are read with the standard library's MIME parser
(as ``production.uploads`` reads the API's upload) and the rows checked by the same
``uploads.read_csv`` and ``ship_batch`` as the API's CSV import.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from quanzi.catalog import service as catalog
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import (
    Forbidden,
    PayloadTooLarge,
    ProblemError,
    Unprocessable,
    UnsupportedMediaType,
)
from quanzi.identity.models import User
from quanzi.orders import service as orders
from quanzi.production import rules, service, uploads
from quanzi.production.schemas import SupplierBatchStatus
from quanzi.web import i18n
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.forms import MAX_FIELDS, MAX_VALUE, parse_id, read_form
from quanzi.web.render import PAGE_HEADERS, redirect, render

PAGE_SIZE = 20
ORDERS_PER_PAGE = 100
# The CSV itself may be uploads.MAX_UPLOAD_BYTES; the form around it adds a little.
MAX_UPLOAD_REQUEST = uploads.MAX_UPLOAD_BYTES + 64 * 1024
# Suggestions for the carrier field (free text: any carrier may be typed).
CARRIERS = ("顺丰速运", "中通快递", "圆通速递", "韵达快递", "申通快递", "京东物流", "邮政 EMS")

# (status or None for all, message key): the portal's nav, which is also the list's filter.
SECTIONS: tuple[tuple[str | None, str], ...] = (
    (None, "supplier_nav_all"),
    (rules.CREATED, "supplier_status_created"),
    (rules.IN_PRODUCTION, "supplier_status_in_production"),
    (rules.PRODUCED, "supplier_status_produced"),
)

Done = Literal["started", "produced", "shipped", "uploaded"]
Count = Annotated[int, Query(ge=0, le=rules.MAX_SHIPMENT_ROWS)]


class BoundedUploadRoute(TransactionalRoute):
    """A transactional route that refuses a body over :data:`MAX_UPLOAD_REQUEST` from its
    ``Content-Length`` before reading it (a body without one is refused as well: browsers
    always send it with a form)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded_handler(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if not declared.isdigit():
                raise ProblemError(
                    "Send the form with a Content-Length.", code="length_required", status=411
                )
            if int(declared) > MAX_UPLOAD_REQUEST:
                raise PayloadTooLarge(
                    f"Upload at most {uploads.MAX_UPLOAD_BYTES // 1024} KiB per request."
                )
            return await handler(request)

        return bounded_handler


router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
upload_router = APIRouter(route_class=BoundedUploadRoute, include_in_schema=False)


# --- who is asking -----------------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    """The visitor as supplier staff. Plain values: a refusal's rollback expires ORM rows,
    and the page is rendered again after it."""

    user: User
    supplier_id: uuid.UUID
    supplier_name: str


async def staff_of(visitor: Visitor) -> Staff:
    """The logged-in supplier staff member: a stranger goes to the login page, an account
    without the role gets ``role_required``, one not linked to a supplier
    ``not_supplier_staff`` (as in the API)."""
    user = visitor.require_role(catalog.SUPPLIER_ROLE)
    supplier_id = await catalog.supplier_for_user(visitor.session, user.id)
    if supplier_id is None:
        raise Forbidden("This account is not linked to a supplier.", code="not_supplier_staff")
    supplier = await catalog.get_supplier(visitor.session, supplier_id)
    return Staff(user, supplier.id, supplier.name)


def _frame(staff: Staff, current: str | None) -> dict[str, Any]:
    """What ``supplier/base.html`` needs: the supplier's name and the nav."""
    return {
        "supplier_name": staff.supplier_name,
        "supplier_sections": [
            (status, f"/supplier?status={status}" if status else "/supplier", label)
            for status, label in SECTIONS
        ],
        "current_section": current,
    }


# --- the batch list ----------------------------------------------------------------------


@router.get("/supplier", response_class=HTMLResponse)
async def batches_page(
    visitor: PageVisitor,
    status: SupplierBatchStatus | None = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The supplier's cut batches, newest first, by status, a page at a time."""
    staff = await staff_of(visitor)
    session = visitor.session
    page = await service.list_batches(
        session,
        limit=PAGE_SIZE,
        cursor=orders.parse_cursor(cursor),
        supplier_id=staff.supplier_id,
        status=status,
        supplier_view=True,
    )
    progress = await service.shipping_progress(session, [batch.id for batch in page.items])
    base = f"/supplier?status={status}" if status else "/supplier"
    joiner = "&" if status else "?"
    return render(
        visitor,
        "supplier/batches.html",
        {
            **_frame(staff, "all" if status is None else status),
            "batches": page.items,
            "progress": progress,
            "status": status,
            "first_url": base if cursor else None,
            "next_url": f"{base}{joiner}cursor={page.next_cursor}" if page.next_cursor else None,
        },
    )


# --- one batch ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """A refused shipment row as the page shows it."""

    row: int
    order_id: str | None
    text: str


@dataclass
class Refusal:
    """Why the last action on the batch page saved nothing."""

    text: str
    code: str
    detail: str | None = None
    rows: list[RowProblem] | None = None
    # The per-order form that was refused: its order, why (shown beside it) and what was
    # typed, shown again.
    order_id: str | None = None
    order_text: str = ""
    carrier: str = ""
    tracking_no: str = ""


def _words(lang: str) -> Callable[..., str]:
    def translate(key: str, **values: Any) -> str:
        return i18n.translate(lang, key, **values)

    return translate


def row_problem(
    lang: str,
    error: dict[str, Any],
    view: service.BatchView,
    first_rows: dict[str, int],
) -> RowProblem:
    """A refused row in the visitor's language, with what the page knows about its order
    (the tracking it already left with, its status, the row that listed it first)."""
    _ = _words(lang)
    code = str(error.get("code", ""))
    order_id = error.get("order_id")
    known = {str(order.order_id): order for order in view.orders}
    order = known.get(order_id) if isinstance(order_id, str) else None
    if code == "already_shipped" and order is not None:
        text = _(
            "supplier_row_already_shipped",
            carrier=order.carrier or "",
            tracking_no=order.tracking_no or "",
        )
    elif code == "order_not_shippable" and order is not None:
        text = _("supplier_row_order_not_shippable", status=_(f"status_{order.status}"))
    elif code == "duplicate_order" and isinstance(order_id, str) and order_id in first_rows:
        text = _("supplier_row_duplicate_order", row=first_rows[order_id])
    elif code == "carrier_too_long":
        text = _("supplier_row_carrier_too_long", n=rules.MAX_CARRIER)
    elif code == "tracking_no_too_long":
        text = _("supplier_row_tracking_no_too_long", n=rules.MAX_TRACKING_NO)
    elif f"supplier_row_{code}" in i18n.MESSAGES:
        text = _(f"supplier_row_{code}")
    else:
        text = str(error.get("reason", code))
    return RowProblem(int(error.get("row", 0)), order_id, text)


def refusal_of(
    lang: str,
    exc: ProblemError,
    view: service.BatchView,
    rows: Sequence[rules.ShipmentRow] = (),
) -> Refusal:
    """What the batch page says about a refusal: every bad row for ``invalid_shipments``,
    the service's own detail where it names the exact problem in a file."""
    if exc.code == "invalid_shipments":
        first_rows = {str(row.order_id): row.row for row in rows}
        problems = [
            row_problem(lang, error, view, first_rows) for error in exc.extra.get("errors", [])
        ]
        summary = i18n.translate(lang, "supplier_rows_refused", n=len(problems))
        return Refusal(summary, exc.code, rows=problems)
    detail = exc.detail if exc.code in ("invalid_csv", "too_many_rows") else None
    return Refusal(i18n.problem_text(lang, exc.code, exc.detail), exc.code, detail=detail)


async def _batch_context(
    visitor: Visitor, staff: Staff, batch_id: uuid.UUID, page: int
) -> tuple[service.BatchView, dict[str, Any]]:
    view = await service.batch_for_supplier(visitor.session, batch_id, staff.supplier_id)
    pages = max(1, -(-len(view.orders) // ORDERS_PER_PAGE))
    page = min(page, pages)
    first = (page - 1) * ORDERS_PER_PAGE
    shown = view.orders[first : first + ORDERS_PER_PAGE]
    here = f"/supplier/batches/{view.batch.id}"
    return view, {
        **_frame(staff, None),
        "batch": view.batch,
        "orders": shown,
        "order_count": len(view.orders),
        "shipped_count": view.shipped_count,
        "first_shown": first + 1,
        "last_shown": first + len(shown),
        "prev_url": f"{here}?page={page - 1}" if page > 1 else None,
        "next_page_url": f"{here}?page={page + 1}" if page < pages else None,
        "batch_url": here,
        "carriers": CARRIERS,
        "max_upload_kib": uploads.MAX_UPLOAD_BYTES // 1024,
        "done": None,
        "counts": {},
        "refusal": None,
    }


@router.get("/supplier/batches/{batch_id}", response_class=HTMLResponse)
async def batch_page(
    visitor: PageVisitor,
    batch_id: str,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    done: Done | None = None,
    shipped: Count = 0,
    unchanged: Count = 0,
) -> HTMLResponse:
    """A batch with its orders and where each goes; the step the batch is at."""
    staff = await staff_of(visitor)
    _, context = await _batch_context(
        visitor, staff, parse_id(batch_id, code="batch_not_found"), page
    )
    context.update(done=done, counts={"shipped": shipped, "unchanged": unchanged})
    return render(visitor, "supplier/batch.html", context)


async def _refused(
    visitor: Visitor,
    staff: Staff,
    batch_id: uuid.UUID,
    exc: ProblemError,
    *,
    rows: Sequence[rules.ShipmentRow] = (),
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """The batch page again, saying why nothing was saved (the attempt is rolled back)."""
    await visitor.start_over()
    view, context = await _batch_context(visitor, staff, batch_id, 1)
    context["refusal"] = refusal or refusal_of(visitor.lang, exc, view, rows)
    return render(visitor, "supplier/batch.html", context, status=exc.status)


async def _step(visitor: Visitor, batch_id: str, to_status: str) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    staff = await staff_of(visitor)
    batch = parse_id(batch_id, code="batch_not_found")
    try:
        if to_status == rules.IN_PRODUCTION:
            await service.start_production(visitor.session, batch, supplier_id=staff.supplier_id)
        else:
            await service.mark_produced(visitor.session, batch, supplier_id=staff.supplier_id)
    except rules.IllegalTransition as exc:
        # A replay (a second click, another tab): say where the batch is instead.
        lang = visitor.lang
        status = i18n.translate(lang, f"supplier_status_{exc.extra['from']}")
        started = to_status == rules.IN_PRODUCTION
        key = "supplier_refused_start" if started else "supplier_refused_produced"
        refusal = Refusal(i18n.translate(lang, key, status=status), exc.code)
        return await _refused(visitor, staff, batch, exc, refusal=refusal)
    done = "started" if to_status == rules.IN_PRODUCTION else "produced"
    return redirect(visitor, f"/supplier/batches/{batch}?done={done}")


@router.post("/supplier/batches/{batch_id}/start")
async def start_production(visitor: PageVisitor, batch_id: str) -> Response:
    """``created`` → ``in_production``."""
    return await _step(visitor, batch_id, rules.IN_PRODUCTION)


@router.post("/supplier/batches/{batch_id}/produced")
async def mark_produced(visitor: PageVisitor, batch_id: str) -> Response:
    """``in_production`` → ``produced``, booking the supplier payable (once per batch)."""
    return await _step(visitor, batch_id, rules.PRODUCED)


async def _ship(
    visitor: Visitor,
    staff: Staff,
    batch_id: uuid.UUID,
    rows: Sequence[rules.ShipmentRow],
    errors: Sequence[rules.RowError],
) -> service.ShipmentReport:
    """Ship the rows as the API does (all or nothing, every bad row named)."""
    return await service.ship_batch(
        visitor.session,
        batch_id,
        supplier_id=staff.supplier_id,
        actor_id=staff.user.id,
        rows=rows,
        row_errors=errors,
    )


@router.post("/supplier/batches/{batch_id}/ship")
async def ship_one(visitor: PageVisitor, batch_id: str) -> Response:
    """Carrier and tracking number for one order, checked like one row of an upload."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    staff = await staff_of(visitor)
    batch = parse_id(batch_id, code="batch_not_found")
    order_id = form.get("order_id", "")
    carrier, tracking_no = form.get("carrier", ""), form.get("tracking_no", "")
    rows, errors = rules.check_rows([(1, order_id, carrier, tracking_no)])
    try:
        await _ship(visitor, staff, batch, rows, errors)
    except ProblemError as exc:
        await visitor.start_over()
        view, context = await _batch_context(visitor, staff, batch, 1)
        refusal = refusal_of(visitor.lang, exc, view)
        if refusal.rows:
            # One row: say it beside the order rather than as "line 1".
            refusal.order_text = refusal.rows[0].text
            refusal.text = i18n.translate(
                visitor.lang, "supplier_order_refused", order=order_id, reason=refusal.order_text
            )
            refusal.rows = None
        else:
            refusal.order_text = refusal.text
        refusal.order_id, refusal.carrier, refusal.tracking_no = order_id, carrier, tracking_no
        context["refusal"] = refusal
        return render(visitor, "supplier/batch.html", context, status=exc.status)
    return redirect(visitor, f"/supplier/batches/{batch}?done=shipped#order-{rows[0].order_id}")


@router.get("/supplier/batches/{batch_id}/shipments.csv")
async def shipping_list(visitor: PageVisitor, batch_id: str) -> Response:
    """The batch's orders as a CSV shipping list (the service's, as the API serves it);
    filled in, it can be uploaded back."""
    staff = await staff_of(visitor)
    batch = parse_id(batch_id, code="batch_not_found")
    text = await service.shipping_list(visitor.session, batch, supplier_id=staff.supplier_id)
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": f'attachment; filename="batch-{batch}.csv"',
        },
    )


# --- the CSV upload ----------------------------------------------------------------------


@dataclass(frozen=True)
class UploadForm:
    """A multipart form's text fields and its ``file`` (``None`` when no file was chosen)."""

    fields: dict[str, str]
    file: bytes | None


def read_upload(content_type: str, body: bytes) -> UploadForm:
    """Read a ``multipart/form-data`` page form: bounded text fields (as ``read_form``) and
    the bytes of the file part named ``file``."""
    if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
        raise UnsupportedMediaType("This form sends a file: use multipart/form-data.")
    # The standard library's MIME parser reads a form once given its content type.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise Unprocessable("The form could not be read.", code="invalid_upload")
    fields: dict[str, str] = {}
    file: bytes | None = None
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage) or part.get_content_disposition() != "form-data":
            continue
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if part.get_filename() is not None:
            # A file input left empty still sends a part, with an empty file name.
            if name == "file" and part.get_filename():
                file = payload
        elif len(fields) < MAX_FIELDS:
            fields[name] = payload.decode("utf-8", "replace")[:MAX_VALUE]
    return UploadForm(fields, file)


@upload_router.post("/supplier/batches/{batch_id}/upload")
async def upload_shipments(visitor: PageVisitor, batch_id: str) -> Response:
    """Ship from a CSV file (the downloaded shipping list filled in, or any file with
    ``order_id,carrier,tracking_no``): all rows or none; every bad row is named."""
    request = visitor.request
    form = read_upload(request.headers.get("content-type", ""), await request.body())
    check_csrf(visitor, form.fields)
    staff = await staff_of(visitor)
    batch = parse_id(batch_id, code="batch_not_found")
    # Someone else's batch is a 404 before anything of the file is looked at.
    await service.supplier_batch(visitor.session, batch, staff.supplier_id)
    rows: list[rules.ShipmentRow] = []
    try:
        if form.file is None:
            raise Unprocessable("Choose a CSV file to upload.", code="invalid_upload")
        if len(form.file) > uploads.MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(
                f"Upload at most {uploads.MAX_UPLOAD_BYTES // 1024} KiB per file."
            )
        rows, errors = uploads.read_csv(form.file)
        report = await _ship(visitor, staff, batch, rows, errors)
    except ProblemError as exc:
        return await _refused(visitor, staff, batch, exc, rows=rows)
    return redirect(
        visitor,
        f"/supplier/batches/{batch}?done=uploaded"
        f"&shipped={report.shipped}&unchanged={report.unchanged}",
    )


router.include_router(upload_router)
