"""Builds the FastAPI application: routers, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from quanzi import __version__, wiring, worker
from quanzi.analytics.api import router as analytics_router
from quanzi.catalog.api import admin_router as catalog_admin_router
from quanzi.catalog.api import router as catalog_router
from quanzi.catalog.api import supplier_router as catalog_supplier_router
from quanzi.core import db
from quanzi.core.bodylimit import BodyLimit
from quanzi.core.config import get_settings
from quanzi.core.errors import install_error_handlers
from quanzi.groupbuy.api import admin_router as groupbuy_admin_router
from quanzi.groupbuy.api import router as groupbuy_router
from quanzi.identity.api import router as identity_router
from quanzi.membership.api import admin_router as membership_admin_router
from quanzi.membership.api import router as membership_router
from quanzi.orders.api import admin_router as orders_admin_router
from quanzi.orders.api import router as orders_router
from quanzi.payments.api import router as payments_router
from quanzi.payments.notify_api import router as payments_notify_router
from quanzi.production.api import admin_router as production_admin_router
from quanzi.production.api import supplier_router as production_supplier_router
from quanzi.referral.api import admin_router as referral_admin_router
from quanzi.referral.api import landing_router as share_landing_router
from quanzi.referral.api import router as referral_router
from quanzi.referral.commission.api import admin_router as commission_admin_router
from quanzi.referral.commission.api import router as commission_router
from quanzi.wallet.api import admin_router as wallet_admin_router
from quanzi.wallet.api import router as wallet_router
from quanzi.web import STATIC_DIR
from quanzi.web.errors import install_page_errors
from quanzi.web.pages import router as web_router
from quanzi.webhooks.api import router as webhooks_router

log = logging.getLogger("quanzi")

health_router = APIRouter(prefix="/api/v1", tags=["health"])


@health_router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    db.configure()
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    if settings.run_worker_in_process:
        task = asyncio.create_task(worker.run_forever(stop), name="quanzi-worker")
    try:
        yield
    finally:
        stop.set()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await db.dispose()


def create_app() -> FastAPI:
    """The Quanzi ASGI app (``uvicorn --factory quanzi.app:create_app``)."""
    wiring.install()
    app = FastAPI(
        title="Quanzi",
        version=__version__,
        summary="Social-commerce engine: group buying, membership distribution, member ops.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=get_settings().max_body_bytes)
    # Page paths get friendly HTML error pages; the API keeps its problem+json.
    install_page_errors(app)
    for router in (
        health_router,
        identity_router,
        payments_router,
        payments_notify_router,
        catalog_router,
        catalog_admin_router,
        catalog_supplier_router,
        orders_router,
        orders_admin_router,
        groupbuy_router,
        groupbuy_admin_router,
        membership_router,
        membership_admin_router,
        production_admin_router,
        production_supplier_router,
        referral_router,
        referral_admin_router,
        share_landing_router,
        commission_router,
        commission_admin_router,
        wallet_router,
        wallet_admin_router,
        webhooks_router,
        analytics_router,
        web_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
