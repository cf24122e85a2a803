from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=32, examples=["13800138000"])
    password: str = Field(max_length=256)
    display_name: str = Field(min_length=1, max_length=60)
    invite_code: str | None = Field(default=None, max_length=16)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(max_length=32)
    password: str = Field(max_length=256)


class UserOut(BaseModel):
    id: uuid.UUID
    phone: str
    display_name: str
    roles: list[str]
    invite_code: str


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    user: UserOut


class MeOut(UserOut):
    membership: dict[str, Any] | None = None
    rank: str | None = None
