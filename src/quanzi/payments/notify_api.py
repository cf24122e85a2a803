"""Endpoints WeChat Pay calls to notify payments and refunds.

They carry no bearer token: the signature with the WeChat Pay platform key is the
authentication. A 2xx answer tells WeChat Pay to stop retrying, so it is given only when
the notification was recorded, was already recorded, or needs no action; a refusal is a
4xx problem and changes nothing (WeChat Pay retries for a day, which shows in the logs).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.db import TransactionalRoute
from quanzi.core.errors import Conflict, ProblemError
from quanzi.identity.deps import Session
from quanzi.payments import registry, wechatpay_notify
from quanzi.payments.wechatpay import Notification, WeChatPayProvider

log = logging.getLogger("quanzi.payments.wechatpay")

router = APIRouter(
    prefix="/api/v1/payments/notify", tags=["payments"], route_class=TransactionalRoute
)


class NotifyAck(BaseModel):
    """The acknowledgement WeChat Pay expects."""

    code: str = "SUCCESS"
    message: str = "成功"


Accept = Callable[[AsyncSession, WeChatPayProvider, Notification], Awaitable[str]]


async def _handle(request: Request, session: AsyncSession, accept: Accept) -> NotifyAck:
    try:
        provider = registry.get("wechatpay")
        if not isinstance(provider, WeChatPayProvider):
            raise Conflict("WeChat Pay is not configured.", code="provider_unavailable")
        notification = provider.open_notification(request.headers, await request.body())
        outcome = await accept(session, provider, notification)
    except ProblemError as exc:
        log.warning("refused a WeChat Pay notification at %s: %s", request.url.path, exc.code)
        raise
    log.info("WeChat Pay notification %s (%s): %s", notification.id, request.url.path, outcome)
    return NotifyAck()


@router.post("/wechatpay")
async def wechatpay_payment_notification(request: Request, session: Session) -> NotifyAck:
    """WeChat Pay's payment result (``TRANSACTION.SUCCESS``); idempotent by transaction id."""
    return await _handle(request, session, wechatpay_notify.accept_payment_notification)


@router.post("/wechatpay/refund")
async def wechatpay_refund_notification(request: Request, session: Session) -> NotifyAck:
    """WeChat Pay's refund result (``REFUND.SUCCESS|CLOSED|ABNORMAL``); idempotent."""
    return await _handle(request, session, wechatpay_notify.accept_refund_notification)
