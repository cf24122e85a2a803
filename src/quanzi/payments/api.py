from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import CurrentPrincipal, Session
from quanzi.payments import service
from quanzi.payments.provider import Payer
from quanzi.payments.schemas import PaymentOut, PrepareIn

router = APIRouter(prefix="/api/v1/payments", tags=["payments"], route_class=TransactionalRoute)


@router.get("/{payment_id}")
async def get_payment(
    payment_id: uuid.UUID, principal: CurrentPrincipal, session: Session
) -> PaymentOut:
    user_id = None if principal.is_operator else principal.user.id
    return PaymentOut.model_validate(
        await service.get_payment(session, payment_id, user_id=user_id)
    )


@router.post("/{payment_id}/prepare")
async def prepare_payment(
    payment_id: uuid.UUID,
    body: PrepareIn,
    request: Request,
    principal: CurrentPrincipal,
    session: Session,
) -> dict[str, Any]:
    """Provider parameters to start paying (WeChat JSAPI/H5, or the sandbox confirm link)."""
    payer = Payer(
        user_id=str(principal.user.id),
        openid=body.openid,
        client_ip=request.client.host if request.client else None,
    )
    return await service.prepare(
        session, payment_id, user_id=principal.user.id, payer=payer, channel=body.channel
    )


@router.post("/{payment_id}/sandbox/confirm")
async def confirm_sandbox_payment(
    payment_id: uuid.UUID, principal: CurrentPrincipal, session: Session
) -> PaymentOut:
    """Pretend the sandbox provider notified us that the payer paid (replays change nothing)."""
    payment = await service.confirm_sandbox(session, payment_id, principal.user.id)
    return PaymentOut.model_validate(payment)
