from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import JSONResponse

from quanzi.core import idempotency
from quanzi.core.db import TransactionalRoute
from quanzi.identity.deps import CurrentPrincipal, Operator, Session
from quanzi.orders.service import parse_cursor
from quanzi.wallet import service
from quanzi.wallet.schemas import (
    HistoryOut,
    RejectIn,
    WalletOut,
    WithdrawalOut,
    WithdrawalPageOut,
    WithdrawalSettingsIn,
    WithdrawalSettingsOut,
    WithdrawalStatus,
    WithdrawIn,
    entry_out,
    settings_out,
    wallet_out,
    withdrawal_out,
)

router = APIRouter(prefix="/api/v1/me", tags=["wallet"], route_class=TransactionalRoute)
admin_router = APIRouter(
    prefix="/api/v1/admin", tags=["wallet (admin)"], route_class=TransactionalRoute
)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=64)]


def _page(page: service.WithdrawalPage) -> WithdrawalPageOut:
    return WithdrawalPageOut(
        items=[withdrawal_out(w) for w in page.items], next_cursor=page.next_cursor
    )


@router.get("/wallet")
async def my_wallet(principal: CurrentPrincipal, session: Session) -> WalletOut:
    """Pending (frozen), available, being withdrawn and withdrawn money; ``debt_fen`` is
    what clawbacks took beyond the available balance, repaid by later earnings."""
    return wallet_out(await service.summary(session, principal.user.id))


@router.get("/wallet/history")
async def my_wallet_history(
    principal: CurrentPrincipal, session: Session, cursor: Cursor = None, limit: Limit = 20
) -> HistoryOut:
    """Every movement of the caller's balances, newest first."""
    page = await service.history(
        session, principal.user.id, limit=limit, cursor=parse_cursor(cursor)
    )
    return HistoryOut(items=[entry_out(e) for e in page.items], next_cursor=page.next_cursor)


@router.post("/withdrawals", status_code=status.HTTP_201_CREATED, response_model=WithdrawalOut)
async def withdraw(
    body: WithdrawIn,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Ask to withdraw ``amount_fen`` (the fee is taken on top). With an
    ``Idempotency-Key`` a replay returns the first answer instead of withdrawing twice."""

    async def work() -> dict[str, Any]:
        withdrawal = await service.request_withdrawal(
            session, principal.user.id, amount_fen=body.amount_fen
        )
        return withdrawal_out(withdrawal).model_dump(mode="json")

    return await idempotency.respond_once(
        session,
        scope="wallet.withdraw",
        owner_id=principal.user.id,
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED,
        work=work,
    )


@router.get("/withdrawals")
async def my_withdrawals(
    principal: CurrentPrincipal,
    session: Session,
    status_filter: Annotated[WithdrawalStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> WithdrawalPageOut:
    return _page(
        await service.list_withdrawals(
            session,
            limit=limit,
            cursor=parse_cursor(cursor),
            member_id=principal.user.id,
            status=status_filter,
        )
    )


@router.get("/withdrawals/{withdrawal_id}")
async def my_withdrawal(
    withdrawal_id: uuid.UUID, principal: CurrentPrincipal, session: Session
) -> WithdrawalOut:
    return withdrawal_out(
        await service.get_withdrawal(session, withdrawal_id, member_id=principal.user.id)
    )


@admin_router.get("/withdrawal-settings")
async def withdrawal_settings(principal: Operator, session: Session) -> WithdrawalSettingsOut:
    return settings_out(await service.get_terms(session))


@admin_router.put("/withdrawal-settings")
async def set_withdrawal_settings(
    body: WithdrawalSettingsIn, principal: Operator, session: Session
) -> WithdrawalSettingsOut:
    """Minimum amount, daily limit per member (shop day), fee rate and minimum fee."""
    return settings_out(await service.set_terms(session, body.terms(), actor_id=principal.user.id))


@admin_router.get("/withdrawals")
async def withdrawals(
    principal: Operator,
    session: Session,
    status_filter: Annotated[WithdrawalStatus | None, Query(alias="status")] = None,
    member_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> WithdrawalPageOut:
    return _page(
        await service.list_withdrawals(
            session,
            limit=limit,
            cursor=parse_cursor(cursor),
            member_id=member_id,
            status=status_filter,
        )
    )


@admin_router.get("/withdrawals/{withdrawal_id}")
async def withdrawal(
    withdrawal_id: uuid.UUID, principal: Operator, session: Session
) -> WithdrawalOut:
    return withdrawal_out(await service.get_withdrawal(session, withdrawal_id))


@admin_router.post("/withdrawals/{withdrawal_id}/approve")
async def approve_withdrawal(
    withdrawal_id: uuid.UUID, principal: Operator, session: Session
) -> WithdrawalOut:
    """Approve; the payout is sent once the approval is committed (exactly once)."""
    return withdrawal_out(await service.approve(session, withdrawal_id, actor_id=principal.user.id))


@admin_router.post("/withdrawals/{withdrawal_id}/reject")
async def reject_withdrawal(
    withdrawal_id: uuid.UUID, body: RejectIn, principal: Operator, session: Session
) -> WithdrawalOut:
    """Reject; the amount and fee go back to the member's available balance."""
    return withdrawal_out(
        await service.reject(session, withdrawal_id, actor_id=principal.user.id, reason=body.reason)
    )
