"""The catalog in the console (``/admin/products``): the product list (search, category,
status, pages), creating a product with its first SKU, editing it, its SKUs and their
stock, and taking it on or off sale — through ``quanzi.catalog.service`` like the API.

Money is typed in yuan and stored in fen; a refused form comes back with everything typed
and each problem next to its field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from quanzi.catalog import queries, rules, service
from quanzi.catalog.models import Sku
from quanzi.catalog.queries import ProductView
from quanzi.catalog.rules import SkuDraft
from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import NotFound, ProblemError, Unprocessable
from quanzi.web.auth import PageVisitor, Visitor, check_csrf
from quanzi.web.console import render_console
from quanzi.web.forms import (
    FormState,
    parse_id,
    parse_whole,
    parse_yuan,
    read_form,
    yuan_input,
)
from quanzi.web.render import redirect

router = APIRouter(prefix="/admin", route_class=TransactionalRoute, include_in_schema=False)

SECTION = "catalog"
PAGE_SIZE = 20
# Suppliers offered in the product form's list (newest first); more are typed by name.
SUPPLIER_CHOICES = rules.MAX_PAGE_SIZE
# A description may be long: the form's own limit lets an over-long one reach the rule
# that refuses it rather than being cut short.
FORM_BYTES = 64 * 1024
FORM_VALUE = rules.MAX_DESCRIPTION + 1
DONE = ("created", "saved", "published", "unpublished", "sku_added", "sku_saved", "stock")

Cursor = Annotated[str | None, Query(max_length=200)]
Search = Annotated[str | None, Query(max_length=rules.MAX_QUERY)]
CategoryParam = Annotated[str | None, Query(max_length=rules.MAX_CATEGORY)]
StatusParam = Annotated[str | None, Query(pattern="^(active|archived)?$")]
Done = Annotated[str | None, Query(max_length=20)]

# Where a service refusal belongs on the product and SKU forms ("" = the whole form).
FIELD_OF = {
    "invalid_title": "title",
    "invalid_category": "category",
    "invalid_description": "description",
    "invalid_image_url": "images",
    "too_many_images": "images",
    "supplier_not_found": "supplier",
    "invalid_supplier_name": "new_supplier",
    "supplier_name_taken": "new_supplier",
    "invalid_sku_name": "sku_name",
    "sku_name_taken": "sku_name",
    "invalid_price": "price",
    "member_price_above_price": "member_price",
    "invalid_stock": "stock",
    "invalid_stock_delta": "delta",
    "insufficient_stock": "delta",
    "stock_limit_exceeded": "delta",
}


@dataclass(frozen=True)
class ProductRow:
    """A product in the list: its price range and units over all its SKUs."""

    id: uuid.UUID
    title: str
    category: str
    supplier_name: str
    status: str
    sku_count: int
    price_low_fen: int | None
    price_high_fen: int | None
    stock: int
    reserved: int
    sold: int
    updated_at: datetime


def product_row(view: ProductView) -> ProductRow:
    prices = [sku.price_fen for sku in view.skus]
    return ProductRow(
        id=view.product.id,
        title=view.product.title,
        category=view.product.category,
        supplier_name=view.supplier_name,
        status=view.product.status,
        sku_count=len(view.skus),
        price_low_fen=min(prices, default=None),
        price_high_fen=max(prices, default=None),
        stock=sum(sku.stock for sku in view.skus),
        reserved=sum(sku.reserved for sku in view.skus),
        sold=sum(sku.sold for sku in view.skus),
        updated_at=view.product.updated_at,
    )


def refuse(state: FormState, problem: ProblemError) -> None:
    """Note a service refusal against the field it is about."""
    state.refuse(FIELD_OF.get(problem.code, ""), problem)


def _images(text: str) -> list[str]:
    """Image URLs typed one per line (blank lines skipped), checked by the catalog rule."""
    return rules.clean_images([line.strip() for line in text.splitlines() if line.strip()])


@dataclass(frozen=True)
class Details:
    """A product's text as typed, checked by the catalog's own rules field by field, so
    every problem shows at once (the service checks them again when it writes)."""

    title: str
    category: str
    description: str
    images: list[str]


def _details(state: FormState) -> Details:
    return Details(
        title=state.take(
            "title", partial(rules.clean_line, field="title", max_length=rules.MAX_TITLE), ""
        ),
        category=state.take(
            "category",
            partial(rules.clean_line, field="category", max_length=rules.MAX_CATEGORY),
            "",
        ),
        # Browsers send a textarea's line breaks as CRLF.
        description=state.take(
            "description", lambda text: rules.clean_description(text.replace("\r\n", "\n")), ""
        ),
        images=state.take("images", _images, []),
    )


# --- the list ----------------------------------------------------------------------------


@router.get("/products", response_class=HTMLResponse)
async def product_list(
    visitor: PageVisitor,
    q: Search = None,
    category: CategoryParam = None,
    status: StatusParam = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    visitor.require_role("operator")
    session = visitor.session
    filters = {"q": (q or "").strip(), "category": (category or "").strip(), "status": status or ""}
    page = await queries.list_products(
        session,
        public=False,
        status=filters["status"] or None,
        category=filters["category"] or None,
        query=filters["q"] or None,
        cursor=cursor or None,
        limit=PAGE_SIZE,
    )
    kept = {name: value for name, value in filters.items() if value}
    next_url = (
        f"/admin/products?{urlencode({**kept, 'cursor': page.next_cursor})}"
        if page.next_cursor
        else None
    )
    return render_console(
        visitor,
        "console/catalog_list.html",
        SECTION,
        {
            "rows": [product_row(view) for view in page.items],
            "filters": filters,
            "categories": await queries.list_categories(session),
            "next_url": next_url,
            "first_page_url": f"/admin/products?{urlencode(kept)}" if cursor else None,
        },
    )


# --- a new product -----------------------------------------------------------------------


async def _new_page(visitor: Visitor, state: FormState, *, status: int = 200) -> HTMLResponse:
    session = visitor.session
    suppliers = await queries.list_suppliers(session, limit=SUPPLIER_CHOICES)
    return render_console(
        visitor,
        "console/catalog_new.html",
        SECTION,
        {
            "form": state,
            "supplier_options": [(str(s.id), s.name) for s in suppliers.items],
            "categories": await queries.list_categories(session),
        },
        status=status,
    )


@router.get("/products/new", response_class=HTMLResponse)
async def new_product(visitor: PageVisitor) -> HTMLResponse:
    visitor.require_role("operator")
    return await _new_page(visitor, FormState({"stock": "0"}))


def _prices(state: FormState) -> tuple[int, int | None, int]:
    """A SKU's price, member price (blank: none) and supply price (blank: 0), typed in
    yuan; problems are noted on ``state``."""
    return (
        state.take("price", parse_yuan, 0),
        state.optional("member_price", parse_yuan),
        state.optional("supply_price", partial(parse_yuan, minimum_fen=0)) or 0,
    )


def _sku_name(state: FormState) -> str:
    return state.take(
        "sku_name",
        partial(rules.clean_line, field="sku_name", max_length=rules.MAX_SKU_NAME),
        "",
    )


def _sku_draft(state: FormState) -> SkuDraft:
    """A new SKU as typed: name, prices and opening stock."""
    price, member_price, supply_price = _prices(state)
    return SkuDraft(
        name=_sku_name(state),
        price_fen=price,
        member_price_fen=member_price,
        supply_price_fen=supply_price,
        stock=state.take("stock", partial(parse_whole, minimum=0, maximum=rules.MAX_STOCK), 0),
    )


async def _supplier_id(visitor: Visitor, state: FormState) -> uuid.UUID | None:
    """The supplier picked from the list, or the one named in ``new_supplier`` (made when
    no supplier has that name yet)."""
    session = visitor.session
    typed = state.value("new_supplier").strip()
    if typed:
        found = await service.find_supplier_by_name(session, typed)
        if found is None:
            found = await service.create_supplier(session, name=typed)
        return found.id
    picked = state.value("supplier")
    if not picked:
        state.refuse(
            "supplier", Unprocessable("Pick or name a supplier.", code="supplier_required")
        )
        return None
    return (await service.get_supplier(session, parse_id(picked, code="supplier_not_found"))).id


@router.post("/products", response_class=HTMLResponse)
async def create_product(visitor: PageVisitor) -> Response:
    form = await read_form(visitor.request, max_bytes=FORM_BYTES, max_value=FORM_VALUE)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    state = FormState(form)
    details = _details(state)
    draft = _sku_draft(state)
    try:
        supplier_id = await _supplier_id(visitor, state)
        if state.ok and supplier_id is not None:
            view = await service.create_product(
                visitor.session,
                supplier_id=supplier_id,
                title=details.title,
                category=details.category,
                description=details.description,
                images=details.images,
                skus=[draft],
            )
            return redirect(visitor, f"/admin/products/{view.product.id}?done=created")
    except ProblemError as problem:
        refuse(state, problem)
    # Nothing of the attempt is kept (not even a supplier it named).
    await visitor.start_over()
    return await _new_page(visitor, state, status=state.status)


# --- one product -------------------------------------------------------------------------


def product_form(view: ProductView) -> FormState:
    product = view.product
    return FormState(
        {
            "title": product.title,
            "category": product.category,
            "description": product.description,
            "images": "\n".join(product.images),
        }
    )


def sku_form(sku: Sku) -> FormState:
    return FormState(
        {
            "sku_name": sku.name,
            "price": yuan_input(sku.price_fen),
            "member_price": yuan_input(sku.member_price_fen),
            "supply_price": yuan_input(sku.supply_price_fen),
            "active": "1" if sku.active else "",
        }
    )


@dataclass
class ProductForms:
    """The forms of the product page; a refused one carries what was typed."""

    product: FormState | None = None
    new_sku: FormState | None = None
    sku_id: uuid.UUID | None = None
    sku: FormState | None = None
    stock: FormState | None = None


async def _product_page(
    visitor: Visitor,
    product_id: uuid.UUID,
    forms: ProductForms | None = None,
    *,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    forms = forms or ProductForms()
    view = await queries.get_product_view(visitor.session, product_id, public=False)
    sku_forms = {sku.id: sku_form(sku) for sku in view.skus}
    stock_forms = {sku.id: FormState() for sku in view.skus}
    if forms.sku_id is not None and forms.sku is not None:
        sku_forms[forms.sku_id] = forms.sku
    if forms.sku_id is not None and forms.stock is not None:
        stock_forms[forms.sku_id] = forms.stock
    return render_console(
        visitor,
        "console/catalog_product.html",
        SECTION,
        {
            "view": view,
            "form": forms.product or product_form(view),
            "new_sku": forms.new_sku or FormState({"stock": "0"}),
            "sku_forms": sku_forms,
            "stock_forms": stock_forms,
            "categories": await queries.list_categories(visitor.session),
            "done": done if done in DONE else None,
        },
        status=status,
    )


@router.get("/products/{product_id}", response_class=HTMLResponse)
async def product_page(visitor: PageVisitor, product_id: str, done: Done = None) -> HTMLResponse:
    visitor.require_role("operator")
    return await _product_page(visitor, parse_id(product_id, code="product_not_found"), done=done)


@router.post("/products/{product_id}", response_class=HTMLResponse)
async def save_product(visitor: PageVisitor, product_id: str) -> Response:
    form = await read_form(visitor.request, max_bytes=FORM_BYTES, max_value=FORM_VALUE)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(product_id, code="product_not_found")
    state = FormState(form)
    details = _details(state)
    try:
        if state.ok:
            await service.update_product(
                visitor.session,
                found,
                title=details.title,
                category=details.category,
                description=details.description,
                images=details.images,
            )
            return redirect(visitor, f"/admin/products/{found}?done=saved")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem)
    return await _product_page(visitor, found, ProductForms(product=state), status=state.status)


@router.post("/products/{product_id}/status")
async def set_status(visitor: PageVisitor, product_id: str) -> Response:
    """Publish (``active``) or unpublish (``archived``): orders already placed keep their
    lines either way."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(product_id, code="product_not_found")
    status = form.get("status", "")
    await service.update_product(visitor.session, found, status=status)
    done = "published" if status == "active" else "unpublished"
    return redirect(visitor, f"/admin/products/{found}?done={done}")


@router.post("/products/{product_id}/skus", response_class=HTMLResponse)
async def add_sku(visitor: PageVisitor, product_id: str) -> Response:
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    found = parse_id(product_id, code="product_not_found")
    state = FormState(form)
    draft = _sku_draft(state)
    try:
        if state.ok:
            await service.add_sku(visitor.session, found, draft)
            return redirect(visitor, f"/admin/products/{found}?done=sku_added")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem)
    return await _product_page(visitor, found, ProductForms(new_sku=state), status=state.status)


async def _own_sku(visitor: Visitor, product_id: str, sku_id: str) -> Sku:
    """The SKU, if it belongs to this product (any other pairing is not found)."""
    product = parse_id(product_id, code="product_not_found")
    sku = await service.get_sku(visitor.session, parse_id(sku_id, code="sku_not_found"))
    if sku.product_id != product:
        raise NotFound("No such SKU.", code="sku_not_found")
    return sku


@router.post("/products/{product_id}/skus/{sku_id}", response_class=HTMLResponse)
async def save_sku(visitor: PageVisitor, product_id: str, sku_id: str) -> Response:
    """Rename, reprice or take a SKU off sale; a blank member price removes it."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    sku = await _own_sku(visitor, product_id, sku_id)
    product, sku_key = sku.product_id, sku.id
    state = FormState(form)
    name = _sku_name(state)
    price, member_price, supply_price = _prices(state)
    try:
        if state.ok:
            await service.update_sku(
                visitor.session,
                sku_key,
                name=name,
                price_fen=price,
                member_price_fen=member_price,
                supply_price_fen=supply_price,
                active=bool(state.value("active")),
            )
            return redirect(visitor, f"/admin/products/{product}?done=sku_saved")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem)
    return await _product_page(
        visitor, product, ProductForms(sku_id=sku_key, sku=state), status=state.status
    )


@router.post("/products/{product_id}/skus/{sku_id}/stock", response_class=HTMLResponse)
async def adjust_stock(visitor: PageVisitor, product_id: str, sku_id: str) -> Response:
    """Restock (a positive number) or take units out (a negative one); units held by
    orders cannot be taken out."""
    form = await read_form(visitor.request)
    check_csrf(visitor, form)
    visitor.require_role("operator")
    sku = await _own_sku(visitor, product_id, sku_id)
    product, sku_key = sku.product_id, sku.id
    state = FormState(form)
    delta = state.take(
        "delta", partial(parse_whole, minimum=-rules.MAX_STOCK, maximum=rules.MAX_STOCK), 0
    )
    try:
        if state.ok:
            await service.adjust_stock(visitor.session, sku_key, delta)
            return redirect(visitor, f"/admin/products/{product}?done=stock")
    except ProblemError as problem:
        await visitor.start_over()
        refuse(state, problem)
    return await _product_page(
        visitor, product, ProductForms(sku_id=sku_key, stock=state), status=state.status
    )
