from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import Operator, Session
from quanzi.webhooks import service
from quanzi.webhooks.models import WebhookEndpoint
from quanzi.webhooks.schemas import (
    DeliveryList,
    DeliveryOut,
    DeliveryStatus,
    PingOut,
    WebhookIn,
    WebhookList,
    WebhookOut,
    WebhookPatch,
    WebhookSecretOut,
)

router = APIRouter(
    prefix="/api/v1/admin/webhooks", tags=["webhooks"], route_class=TransactionalRoute
)


def _out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut.model_validate(endpoint)


def _with_secret(endpoint: WebhookEndpoint) -> WebhookSecretOut:
    return WebhookSecretOut.model_validate(endpoint)


@router.post("", status_code=201)
async def create_webhook(
    body: WebhookIn, principal: Operator, session: Session
) -> WebhookSecretOut:
    """Register an endpoint. The answer carries its signing secret; it is never shown again."""
    endpoint = await service.create_endpoint(
        session,
        url=body.url,
        topics=body.topics,
        description=body.description,
        created_by=principal.user.id,
    )
    return _with_secret(endpoint)


@router.get("")
async def list_webhooks(_: Operator, session: Session) -> WebhookList:
    return WebhookList(items=[_out(e) for e in await service.list_endpoints(session)])


@router.get("/{endpoint_id}")
async def get_webhook(endpoint_id: uuid.UUID, _: Operator, session: Session) -> WebhookOut:
    return _out(await service.get_endpoint(session, endpoint_id))


@router.patch("/{endpoint_id}")
async def update_webhook(
    endpoint_id: uuid.UUID, body: WebhookPatch, _: Operator, session: Session
) -> WebhookOut:
    endpoint = await service.update_endpoint(
        session,
        endpoint_id,
        url=body.url,
        topics=body.topics,
        active=body.active,
        description=body.description,
    )
    return _out(endpoint)


@router.delete("/{endpoint_id}", status_code=204)
async def delete_webhook(endpoint_id: uuid.UUID, _: Operator, session: Session) -> None:
    """Deactivate the endpoint (its history stays); pending deliveries to it are failed."""
    await service.deactivate_endpoint(session, endpoint_id)


@router.post("/{endpoint_id}/rotate-secret")
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID, _: Operator, session: Session
) -> WebhookSecretOut:
    """A new signing secret, effective for every attempt from now on; shown only here."""
    return _with_secret(await service.rotate_secret(session, endpoint_id))


@router.get("/{endpoint_id}/deliveries")
async def list_webhook_deliveries(
    endpoint_id: uuid.UUID,
    _: Operator,
    session: Session,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryList:
    rows = await service.list_deliveries(session, endpoint_id, status=status, limit=limit)
    return DeliveryList(items=[DeliveryOut.of(delivery, topic) for delivery, topic in rows])


@router.post("/deliveries/{delivery_id}/retry")
async def retry_webhook_delivery(
    delivery_id: uuid.UUID, _: Operator, session: Session
) -> DeliveryOut:
    """Queue a failed delivery again, due now."""
    delivery, topic = await service.retry_delivery(session, delivery_id)
    return DeliveryOut.of(delivery, topic)


@router.post("/{endpoint_id}/ping", status_code=202)
async def ping_webhook(endpoint_id: uuid.UUID, _: Operator, session: Session) -> PingOut:
    """Queue a ``webhook.ping`` event for this endpoint only; the worker delivers it."""
    event = await service.ping(session, endpoint_id)
    return PingOut(event_id=event.id, topic=event.topic)
