"""FastAPI dependencies for authentication and role checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.db import get_session
from quanzi.core.errors import Forbidden, Unauthorized
from quanzi.identity import service
from quanzi.identity.models import AccessToken, User


@dataclass(frozen=True)
class Principal:
    user: User
    token: AccessToken

    def has_role(self, role: str) -> bool:
        return role in self.user.roles

    @property
    def is_operator(self) -> bool:
        return self.has_role("operator")


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send 'Authorization: Bearer <token>'.", code="unauthorized")
    return token.strip()


async def current_principal(
    request: Request, session: Annotated[AsyncSession, Depends(get_session)]
) -> Principal:
    user, token = await service.authenticate(session, bearer_token(request))
    return Principal(user=user, token=token)


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must hold at least one of ``roles``."""

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if not any(principal.has_role(role) for role in roles):
            raise Forbidden(f"This needs the {' or '.join(roles)} role.", code="forbidden")
        return principal

    return dependency


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Operator = Annotated[Principal, Depends(require_role("operator"))]
SupplierOrOperator = Annotated[Principal, Depends(require_role("supplier", "operator"))]
Session = Annotated[AsyncSession, Depends(get_session)]
