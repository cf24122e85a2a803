from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class UserRegistered:
    user_id: uuid.UUID
    invite_code: str | None
    referrer_id: uuid.UUID | None
