from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from quanzi.webhooks.models import WebhookDelivery

Topic = Annotated[str, Field(min_length=1, max_length=80)]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=500, examples=["https://hooks.example.com/quanzi"])
    topics: list[Topic] = Field(
        default_factory=lambda: ["*"], min_length=1, max_length=50, examples=[["order.*"]]
    )
    description: str = Field(default="", max_length=200)


class WebhookPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=500)
    topics: list[Topic] | None = Field(default=None, min_length=1, max_length=50)
    active: bool | None = None
    description: str | None = Field(default=None, max_length=200)


class WebhookOut(BaseModel):
    """An endpoint as listed: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    topics: list[str]
    description: str
    active: bool
    created_at: datetime


class WebhookSecretOut(WebhookOut):
    """An endpoint with its secret: only in the answer that created the secret."""

    secret: str


class WebhookList(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    topic: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: WebhookDelivery, topic: str) -> DeliveryOut:
        return cls(
            id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            event_id=delivery.event_id,
            topic=topic,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
        )


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class PingOut(BaseModel):
    event_id: uuid.UUID
    topic: str
