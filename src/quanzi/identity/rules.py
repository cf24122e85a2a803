"""Pure rules for accounts: phone numbers, passwords, invite codes."""

from __future__ import annotations

import re
import secrets

ROLES = ("member", "operator", "supplier")
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# No 0/O/1/I/L: invite codes are read aloud and typed from screenshots.
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_CODE_LENGTH = 8
MIN_PASSWORD = 8
MAX_PASSWORD = 128


def normalize_phone(raw: str) -> str | None:
    """Mainland mobile number as 11 digits, or ``None`` if it is not one.

    Accepts ``+86``/``86``/``0086`` prefixes and spaces or dashes between digit groups.
    """
    digits = re.sub(r"[\s\-]", "", raw.strip())
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _MAINLAND_MOBILE.fullmatch(digits) else None


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused, or ``None`` if it is acceptable."""
    if len(password) < MIN_PASSWORD:
        return f"Password must have at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Password must have at most {MAX_PASSWORD} characters."
    if password.isdigit() and len(set(password)) <= 2:
        return "Password is too easy to guess."
    return None


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678`` for pages other members can see."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else phone
