"""The console's operating pages in one router for :mod:`quanzi.web.pages`: the dashboard,
withdrawal review, members and webhook endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from quanzi.web.console import dashboard, members, webhooks, withdrawals

router = APIRouter(include_in_schema=False)
for part in (dashboard.router, withdrawals.router, members.router, webhooks.router):
    router.include_router(part)
