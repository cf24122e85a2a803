"""Webhook endpoints as operators manage them, and their deliveries.

Delivery itself (fan-out from the outbox, signed POSTs, retries) is in
:mod:`quanzi.webhooks.delivery`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, outbox
from quanzi.core.config import get_settings
from quanzi.core.errors import Conflict, NotFound, Unprocessable
from quanzi.core.outbox import OutboxEvent
from quanzi.core.security import new_secret
from quanzi.webhooks import rules, targets
from quanzi.webhooks.models import WebhookDelivery, WebhookEndpoint

SECRET_PREFIX = "whsec_"
DEACTIVATED = "endpoint deactivated before delivery"


def new_webhook_secret() -> str:
    return SECRET_PREFIX + new_secret(32)


def _patterns(topics: Sequence[str]) -> list[str]:
    try:
        return rules.normalise_patterns(topics)
    except ValueError as exc:
        raise Unprocessable(f"topics: {exc}.", code="invalid_topic") from None


async def check_url(url: str) -> None:
    """Refuse (422) a URL that is not an http(s) URL reaching a public address.

    Codes: ``webhook_target_not_allowed`` (scheme, credentials, a non-public address) and
    ``webhook_target_unresolvable`` (the host does not resolve).
    """
    try:
        await targets.check_target(url, allow_private=get_settings().webhook_allow_private_targets)
    except rules.TargetRefused as exc:
        raise Unprocessable(str(exc), code="webhook_target_not_allowed") from None
    except targets.TargetUnresolvable as exc:
        raise Unprocessable(str(exc), code="webhook_target_unresolvable") from None


async def create_endpoint(
    session: AsyncSession,
    *,
    url: str,
    topics: Sequence[str],
    description: str = "",
    created_by: uuid.UUID | None = None,
) -> WebhookEndpoint:
    """Register an endpoint with a fresh secret (the caller shows it once)."""
    patterns = _patterns(topics)
    await check_url(url)
    endpoint = WebhookEndpoint(
        url=url,
        secret=new_webhook_secret(),
        topics=patterns,
        description=description,
        active=True,
        created_by=created_by,
        created_at=clock.now(),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("No such webhook endpoint.", code="webhook_not_found")
    return endpoint


async def list_endpoints(session: AsyncSession) -> list[WebhookEndpoint]:
    """Every endpoint, active or not, oldest first."""
    result = await session.scalars(
        select(WebhookEndpoint).order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(result)


async def _fail_pending(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    # Deliveries waiting for a deactivated endpoint are given up, visibly; an operator can
    # retry them after reactivating it.
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="failed", last_error=DEACTIVATED)
        .execution_options(synchronize_session=False)
    )


async def update_endpoint(
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    *,
    url: str | None = None,
    topics: Sequence[str] | None = None,
    active: bool | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change what is given (``None`` leaves a field as it is); a new URL is checked again.

    Deactivating fails the endpoint's pending deliveries; reactivating does not revive them.
    """
    endpoint = await get_endpoint(session, endpoint_id)
    if topics is not None:
        endpoint.topics = _patterns(topics)
    if url is not None and url != endpoint.url:
        await check_url(url)
        endpoint.url = url
    if description is not None:
        endpoint.description = description
    if active is not None and active != endpoint.active:
        endpoint.active = active
        if not active:
            await _fail_pending(session, endpoint.id)
    await session.flush()
    return endpoint


async def deactivate_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Stop delivering to the endpoint (kept, with its history); repeatable."""
    return await update_endpoint(session, endpoint_id, active=False)


async def rotate_secret(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Replace the endpoint's secret; deliveries from now on are signed with the new one."""
    endpoint = await get_endpoint(session, endpoint_id)
    endpoint.secret = new_webhook_secret()
    await session.flush()
    return endpoint


async def list_deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID, *, status: str | None = None, limit: int = 50
) -> list[tuple[WebhookDelivery, str]]:
    """The endpoint's most recent deliveries (newest first), each with its event's topic."""
    await get_endpoint(session, endpoint_id)
    stmt = (
        select(WebhookDelivery, OutboxEvent.topic)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return [(delivery, topic) for delivery, topic in (await session.execute(stmt)).all()]


async def retry_delivery(
    session: AsyncSession, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, str]:
    """Queue a failed delivery again, due now, with a fresh allowance of attempts."""
    row = (
        await session.execute(
            select(WebhookDelivery, OutboxEvent.topic, WebhookEndpoint.active)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id == delivery_id)
        )
    ).first()
    if row is None:
        raise NotFound("No such webhook delivery.", code="webhook_delivery_not_found")
    delivery, topic, active = row
    if not active:
        raise Conflict("The endpoint is deactivated; reactivate it first.", code="webhook_inactive")
    requeued = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=clock.now())
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    )
    if requeued.first() is None:
        raise Conflict(
            f"Only a failed delivery can be retried; this one is {delivery.status}.",
            code="webhook_delivery_not_failed",
        )
    await session.refresh(delivery)
    return delivery, topic


async def ping(session: AsyncSession, endpoint_id: uuid.UUID) -> OutboxEvent:
    """Queue a ``webhook.ping`` event through the outbox, addressed to this endpoint only."""
    endpoint = await get_endpoint(session, endpoint_id)
    if not endpoint.active:
        raise Conflict("The endpoint is deactivated; reactivate it first.", code="webhook_inactive")
    return await outbox.emit(session, rules.PING_TOPIC, {"endpoint_id": str(endpoint.id)})
