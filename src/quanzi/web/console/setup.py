"""The console's setup pages in one router for :mod:`quanzi.web.pages`: the catalog, group
campaigns, production batches, membership plans and the commission plan editor."""

from __future__ import annotations

from fastapi import APIRouter

from quanzi.web.console import batches, campaigns, catalog, commission, plans

router = APIRouter(include_in_schema=False)
for part in (catalog.router, campaigns.router, batches.router, plans.router, commission.router):
    router.include_router(part)
