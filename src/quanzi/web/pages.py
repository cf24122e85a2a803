"""Every page router of the storefront, for ``quanzi.app`` to include in one go."""

from __future__ import annotations

from fastapi import APIRouter

from quanzi.web import accounts, checkout, grouppage, myorders, shop

router = APIRouter(include_in_schema=False)
for part in (shop.router, accounts.router, checkout.router, myorders.router, grouppage.router):
    router.include_router(part)
