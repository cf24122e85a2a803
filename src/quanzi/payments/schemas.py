from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str
    status: str
    amount_fen: int
    refunded_fen: int
    payable_type: str
    payable_id: uuid.UUID
    paid_at: datetime | None
    created_at: datetime


class PrepareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["jsapi", "h5", "native"] = "jsapi"
    openid: str | None = Field(default=None, max_length=128)
