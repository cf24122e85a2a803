"""Accounts: registration, login, bearer tokens, roles."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, Select, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, events, security
from quanzi.core.config import get_settings
from quanzi.core.errors import Conflict, NotFound, Unauthorized, Unprocessable
from quanzi.identity import rules
from quanzi.identity.events import UserRegistered
from quanzi.identity.models import AccessToken, User


@dataclass(frozen=True)
class IssuedToken:
    token: str
    user: User


def _require_phone(raw: str) -> str:
    phone = rules.normalize_phone(raw)
    if phone is None:
        raise Unprocessable(
            "Phone must be a mainland China mobile number (11 digits starting with 1).",
            code="invalid_phone",
        )
    return phone


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


async def find_by_invite_code(session: AsyncSession, code: str) -> User | None:
    return await session.scalar(select(User).where(User.invite_code == code.strip().upper()))


async def find_by_phone(session: AsyncSession, phone: str) -> User | None:
    normalized = rules.normalize_phone(phone)
    if normalized is None:
        return None
    return await session.scalar(select(User).where(User.phone == normalized))


async def _unique_invite_code(session: AsyncSession) -> str:
    while True:
        code = rules.new_invite_code()
        if await find_by_invite_code(session, code) is None:
            return code


async def create_user(
    session: AsyncSession,
    *,
    phone: str,
    password: str,
    display_name: str,
    roles: list[str] | None = None,
    invite_code: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Create an account; ``invite_code`` names the referrer (binding is the referral
    module's business, reacting to :class:`UserRegistered`).

    ``password_hash``, when given, is ``security.hash_password(password)`` made beforehand
    and is stored as it is: bulk seeding (the demo's hundreds of members sharing one
    password) would otherwise spend a tenth of a second of argon2 per account."""
    normalized = _require_phone(phone)
    if (problem := rules.password_problem(password)) is not None:
        raise Unprocessable(problem, code="weak_password")
    name = display_name.strip()
    if not name:
        raise Unprocessable("Display name must not be blank.", code="invalid_display_name")
    for role in roles or ["member"]:
        if role not in rules.ROLES:
            raise Unprocessable(f"Unknown role {role!r}.", code="unknown_role")
    referrer: User | None = None
    if invite_code:
        referrer = await find_by_invite_code(session, invite_code)
        if referrer is None:
            raise Unprocessable("That invite code does not exist.", code="invite_code_unknown")
    if await find_by_phone(session, normalized) is not None:
        raise Conflict("An account with this phone number exists.", code="phone_taken")
    user = User(
        phone=normalized,
        password_hash=password_hash or security.hash_password(password),
        display_name=name,
        invite_code=await _unique_invite_code(session),
        roles=sorted(set(roles or ["member"])),
        created_at=clock.now(),
    )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("An account with this phone number exists.", code="phone_taken") from exc
    await events.publish(
        session,
        UserRegistered(
            user_id=user.id,
            invite_code=invite_code,
            referrer_id=referrer.id if referrer else None,
        ),
    )
    return user


async def issue_token(session: AsyncSession, user: User) -> IssuedToken:
    token = security.new_token()
    now = clock.now()
    session.add(
        AccessToken(
            user_id=user.id,
            token_hash=security.hash_token(token),
            created_at=now,
            expires_at=now + timedelta(hours=get_settings().token_ttl_hours),
        )
    )
    await session.flush()
    return IssuedToken(token=token, user=user)


async def register(
    session: AsyncSession,
    *,
    phone: str,
    password: str,
    display_name: str,
    invite_code: str | None = None,
) -> IssuedToken:
    """Sign up a member and log them in."""
    user = await create_user(
        session, phone=phone, password=password, display_name=display_name, invite_code=invite_code
    )
    return await issue_token(session, user)


async def login(session: AsyncSession, *, phone: str, password: str) -> IssuedToken:
    """Exchange phone + password for a new bearer token."""
    user = await find_by_phone(session, phone)
    if user is None:
        security.verify_password(security.DUMMY_PASSWORD_HASH, password)
        raise Unauthorized("Wrong phone number or password.", code="invalid_credentials")
    if not security.verify_password(user.password_hash, password):
        raise Unauthorized("Wrong phone number or password.", code="invalid_credentials")
    if user.disabled_at is not None:
        raise Unauthorized("This account is disabled.", code="account_disabled")
    return await issue_token(session, user)


@lru_cache(maxsize=1)
def _token_owner_statement() -> Select[User, AccessToken]:
    # Built once: every authenticated request asks it.
    return (
        select(User, AccessToken)
        .join(AccessToken, AccessToken.user_id == User.id)
        .where(AccessToken.token_hash == bindparam("token_hash"))
    )


async def authenticate(session: AsyncSession, token: str) -> tuple[User, AccessToken]:
    """The user behind a bearer token, refusing unknown, revoked and expired tokens."""
    row = (
        await session.execute(_token_owner_statement(), {"token_hash": security.hash_token(token)})
    ).first()
    if row is None:
        raise Unauthorized("Unknown token; log in again.", code="invalid_token")
    user, access = row
    if access.revoked_at is not None:
        raise Unauthorized("This token was revoked; log in again.", code="token_revoked")
    if access.expires_at <= clock.now():
        raise Unauthorized("This token has expired; log in again.", code="token_expired")
    if user.disabled_at is not None:
        raise Unauthorized("This account is disabled.", code="account_disabled")
    return user, access


async def revoke_token(session: AsyncSession, access: AccessToken) -> None:
    access.revoked_at = clock.now()
    await session.flush()


async def revoke_all_tokens(session: AsyncSession, user_id: uuid.UUID) -> int:
    """Log a user out everywhere; returns how many tokens were revoked."""
    result = await session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def grant_role(session: AsyncSession, user: User, role: str) -> User:
    if role not in rules.ROLES:
        raise Unprocessable(f"Unknown role {role!r}.", code="unknown_role")
    if role not in user.roles:
        user.roles = sorted({*user.roles, role})
        await session.flush()
    return user


async def ensure_operator(
    session: AsyncSession, *, phone: str, password: str, display_name: str = "Operator"
) -> User:
    """Create an operator, or give an existing account the operator role and this password."""
    existing = await find_by_phone(session, _require_phone(phone))
    if existing is None:
        return await create_user(
            session,
            phone=phone,
            password=password,
            display_name=display_name,
            roles=["member", "operator"],
        )
    if (problem := rules.password_problem(password)) is not None:
        raise Unprocessable(problem, code="weak_password")
    existing.password_hash = security.hash_password(password)
    return await grant_role(session, existing, "operator")


async def display_names(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of ``user_ids`` in one query (for pages other people see)."""
    if not user_ids:
        return {}
    result = await session.execute(
        select(User.id, User.display_name).where(User.id.in_(set(user_ids)))
    )
    return {user_id: name for user_id, name in result.all()}


MAX_SEARCH = 100
_LIKE_ESCAPE = "\\"


def _like_literal(text: str) -> str:
    """``text`` with LIKE's wildcards escaped: a search for ``50%`` means those characters."""
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


async def search_users(
    session: AsyncSession, text: str, *, limit: int, before_id: uuid.UUID | None = None
) -> list[User]:
    """Accounts for an operator's search, newest first (page on with ``before_id``, the
    last id shown): a phone number (whole, or the first digits), an invite code, or part of
    a display name (case-insensitive). Blank ``text`` lists every account.

    A name fragment is matched anywhere in the name, which reads the users table; the
    page size bounds the answer, not the reading. Phone and invite code use their indexes.
    Control characters are dropped first (PostgreSQL refuses NUL in text, SQLite would end
    the pattern there).
    """
    if not 1 <= limit <= MAX_SEARCH:
        raise ValueError(f"limit must be 1..{MAX_SEARCH}")
    wanted = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()[:60]
    where: list[ColumnElement[bool]] = []
    if before_id is not None:
        where.append(User.id < before_id)
    if wanted:
        matches: list[ColumnElement[bool]] = [
            User.display_name.ilike(f"%{_like_literal(wanted)}%", escape=_LIKE_ESCAPE),
            User.invite_code == wanted.upper(),
        ]
        phone = rules.normalize_phone(wanted)
        if phone is not None:
            matches.append(User.phone == phone)
        elif wanted.isdigit() and len(wanted) >= 3:
            matches.append(User.phone.startswith(wanted, autoescape=True))
        where.append(or_(*matches))
    result = await session.scalars(select(User).where(*where).order_by(User.id.desc()).limit(limit))
    return list(result)
