from __future__ import annotations

from fastapi import APIRouter, status

from quanzi.core.db import TransactionalRoute
from quanzi.identity import profile, service
from quanzi.identity.deps import CurrentPrincipal, Session
from quanzi.identity.models import User
from quanzi.identity.schemas import LoginIn, MeOut, RegisterIn, TokenOut, UserOut

router = APIRouter(prefix="/api/v1", tags=["accounts"], route_class=TransactionalRoute)


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: RegisterIn, session: Session) -> TokenOut:
    issued = await service.register(
        session,
        phone=body.phone,
        password=body.password,
        display_name=body.display_name,
        invite_code=body.invite_code,
    )
    return TokenOut(token=issued.token, user=user_out(issued.user))


@router.post("/auth/login")
async def login(body: LoginIn, session: Session) -> TokenOut:
    issued = await service.login(session, phone=body.phone, password=body.password)
    return TokenOut(token=issued.token, user=user_out(issued.user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentPrincipal, session: Session) -> None:
    """Revoke the token this request was made with."""
    await service.revoke_token(session, principal.token)


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(principal: CurrentPrincipal, session: Session) -> None:
    """Revoke every token of the caller (lost phone, shared password)."""
    await service.revoke_all_tokens(session, principal.user.id)


@router.get("/me")
async def me(principal: CurrentPrincipal, session: Session) -> MeOut:
    base = user_out(principal.user).model_dump()
    extras = await profile.profile_extras(session, principal.user)
    return MeOut(**{"membership": None, "rank": None, **base, **extras})
