from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quanzi.core.money import BP_DENOMINATOR, MAX_AMOUNT_FEN
from quanzi.wallet import rules
from quanzi.wallet.balances import Entry, WalletSummary
from quanzi.wallet.models import Withdrawal

WithdrawalStatus = Literal["requested", "approved", "paid", "rejected", "failed"]


class WalletOut(BaseModel):
    pending_fen: int
    available_fen: int
    withdrawn_fen: int
    debt_fen: int
    withdrawing_fen: int


def wallet_out(summary: WalletSummary) -> WalletOut:
    return WalletOut(
        pending_fen=summary.pending_fen,
        available_fen=summary.available_fen,
        withdrawn_fen=summary.withdrawn_fen,
        debt_fen=summary.debt_fen,
        withdrawing_fen=summary.withdrawing_fen,
    )


class EntryOut(BaseModel):
    id: uuid.UUID
    at: datetime
    kind: str
    pending_fen: int
    available_fen: int
    reference_type: str | None
    reference_id: str | None
    description: str


class HistoryOut(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None


def entry_out(entry: Entry) -> EntryOut:
    return EntryOut(
        id=entry.id,
        at=entry.at,
        kind=entry.kind,
        pending_fen=entry.pending_fen,
        available_fen=entry.available_fen,
        reference_type=entry.reference_type,
        reference_id=entry.reference_id,
        description=entry.description,
    )


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: int = Field(ge=1, le=MAX_AMOUNT_FEN)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)


class WithdrawalOut(BaseModel):
    id: uuid.UUID
    member_id: uuid.UUID
    amount_fen: int
    fee_fen: int
    status: WithdrawalStatus
    created_at: datetime
    decided_at: datetime | None
    reason: str | None
    paid_at: datetime | None
    provider: str | None
    provider_payout_id: str | None


def withdrawal_out(withdrawal: Withdrawal) -> WithdrawalOut:
    return WithdrawalOut(
        id=withdrawal.id,
        member_id=withdrawal.member_id,
        amount_fen=withdrawal.amount_fen,
        fee_fen=withdrawal.fee_fen,
        status=cast(WithdrawalStatus, withdrawal.status),
        created_at=withdrawal.created_at,
        decided_at=withdrawal.decided_at,
        reason=withdrawal.reason,
        paid_at=withdrawal.paid_at,
        provider=withdrawal.provider,
        provider_payout_id=withdrawal.provider_payout_id,
    )


class WithdrawalPageOut(BaseModel):
    items: list[WithdrawalOut]
    next_cursor: str | None


class WithdrawalSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_amount_fen: int = Field(ge=1, le=MAX_AMOUNT_FEN)
    daily_limit_fen: int = Field(ge=1, le=MAX_AMOUNT_FEN)
    fee_bp: int = Field(default=0, ge=0, le=BP_DENOMINATOR // 10)
    fee_min_fen: int = Field(default=0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _limit_fits_minimum(self) -> WithdrawalSettingsIn:
        if self.daily_limit_fen < self.min_amount_fen:
            raise ValueError("daily_limit_fen must be at least min_amount_fen")
        return self

    def terms(self) -> rules.WithdrawalTerms:
        return rules.WithdrawalTerms(
            min_amount_fen=self.min_amount_fen,
            daily_limit_fen=self.daily_limit_fen,
            fee_bp=self.fee_bp,
            fee_min_fen=self.fee_min_fen,
        )


class WithdrawalSettingsOut(BaseModel):
    min_amount_fen: int
    daily_limit_fen: int
    fee_bp: int
    fee_min_fen: int


def settings_out(terms: rules.WithdrawalTerms) -> WithdrawalSettingsOut:
    return WithdrawalSettingsOut(
        min_amount_fen=terms.min_amount_fen,
        daily_limit_fen=terms.daily_limit_fen,
        fee_bp=terms.fee_bp,
        fee_min_fen=terms.fee_min_fen,
    )
