"""What a checked WeChat Pay notification means for our payments and refunds.

:meth:`WeChatPayProvider.open_notification` has already proved the notification comes from
WeChat Pay, is recent, and decrypted its resource. Here the resource is matched against our
own records (merchant, app, payment, amount) before anything changes; every refusal raises
a problem with a stable code and changes nothing. Each function answers ``"recorded"``,
``"duplicate"`` (already handled: a replay, or a concurrent copy that committed first) or
``"ignored"`` (a state that needs no action from us).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from quanzi.core.money import MAX_AMOUNT_FEN
from quanzi.payments import service
from quanzi.payments.models import Payment, PaymentRefund
from quanzi.payments.wechatpay import CURRENCY, PROVIDER, Notification, WeChatPayProvider

log = logging.getLogger("quanzi.payments.wechatpay")

Outcome = Literal["recorded", "duplicate", "ignored"]


class _Resource(BaseModel):
    # WeChat Pay adds fields over time: unknown ones are ignored, never a reason to refuse.
    model_config = ConfigDict(extra="ignore")


class TransactionAmount(_Resource):
    total: int = Field(ge=0, le=MAX_AMOUNT_FEN)
    currency: str = Field(max_length=16)


class Transaction(_Resource):
    """The decrypted resource of a ``TRANSACTION.*`` notification (the fields we use)."""

    appid: str = Field(max_length=64)
    mchid: str = Field(max_length=64)
    out_trade_no: str = Field(max_length=64)
    trade_state: str = Field(max_length=32)
    transaction_id: str | None = Field(default=None, min_length=1, max_length=64)
    amount: TransactionAmount | None = None


class RefundAmount(_Resource):
    total: int = Field(ge=0, le=MAX_AMOUNT_FEN)
    refund: int = Field(ge=0, le=MAX_AMOUNT_FEN)


class Refund(_Resource):
    """The decrypted resource of a ``REFUND.*`` notification (the fields we use)."""

    mchid: str = Field(max_length=64)
    out_trade_no: str = Field(max_length=64)
    out_refund_no: str = Field(max_length=64)
    refund_id: str = Field(min_length=1, max_length=64)
    refund_status: str = Field(max_length=32)
    amount: RefundAmount


R = TypeVar("R", bound=_Resource)


def _parse(model: type[R], resource: dict[str, Any]) -> R:
    try:
        return model.model_validate(resource)
    except ValidationError as exc:
        raise BadRequest(
            f"The notification's resource is not a {model.__name__.lower()}.",
            code="malformed_notification",
        ) from exc


def _our_id(number: str) -> uuid.UUID | None:
    """Our ids travel as 32 hex digits (out_trade_no, out_refund_no)."""
    if len(number) != 32:
        return None
    try:
        return uuid.UUID(hex=number)
    except ValueError:
        return None


def _check_merchant(provider: WeChatPayProvider, mchid: str, appid: str | None = None) -> None:
    if mchid != provider.config.mchid:
        raise Unprocessable("The notification is for another merchant.", code="mchid_mismatch")
    if appid is not None and appid != provider.config.appid:
        raise Unprocessable("The notification is for another app.", code="appid_mismatch")


async def accept_payment_notification(
    session: AsyncSession, provider: WeChatPayProvider, notification: Notification
) -> Outcome:
    """Record a successful payment once per WeChat Pay ``transaction_id``.

    Refuses (nothing changes) a notification for another merchant or app (422), for a
    payment we do not have (404 ``unknown_payment``), in another currency (422) or for
    another amount (409 ``amount_mismatch``). A trade state other than SUCCESS is ignored.
    """
    trade = _parse(Transaction, notification.resource)
    _check_merchant(provider, trade.mchid, trade.appid)
    if trade.trade_state != "SUCCESS":
        log.info("ignoring %s for out_trade_no %s", trade.trade_state, trade.out_trade_no)
        return "ignored"
    if trade.transaction_id is None or trade.amount is None:
        raise BadRequest(
            "A SUCCESS notification needs transaction_id and amount.",
            code="malformed_notification",
        )
    payment_id = _our_id(trade.out_trade_no)
    payment = None if payment_id is None else await session.get(Payment, payment_id)
    if payment is None or payment.provider != PROVIDER:
        raise NotFound(f"No WeChat Pay payment {trade.out_trade_no}.", code="unknown_payment")
    if trade.amount.currency != CURRENCY:
        raise Unprocessable(
            f"Paid in {trade.amount.currency}, not {CURRENCY}.", code="currency_mismatch"
        )
    if trade.amount.total != payment.amount_fen:
        raise Conflict(
            f"Paid {trade.amount.total} fen for a payment of {payment.amount_fen}.",
            code="amount_mismatch",
        )
    changed = await service.record_success(
        session,
        provider=PROVIDER,
        provider_event_id=trade.transaction_id,
        payment_id=payment.id,
        provider_txn_id=trade.transaction_id,
        amount_fen=trade.amount.total,
        event_type=notification.event_type or "TRANSACTION.SUCCESS",
        body={"notification_id": notification.id, "resource": notification.resource},
    )
    return "recorded" if changed else "duplicate"


async def accept_refund_notification(
    session: AsyncSession, provider: WeChatPayProvider, notification: Notification
) -> Outcome:
    """Settle a refund on WeChat Pay's final word (SUCCESS or CLOSED), once.

    Refuses (nothing changes) a notification for another merchant (422), for a refund we
    did not ask WeChat Pay for (404 ``unknown_refund``) or for other amounts (409
    ``amount_mismatch``). ABNORMAL (the payer's card refused the money; an operator must
    redirect it in the merchant platform) is logged and left pending.
    """
    answer = _parse(Refund, notification.resource)
    _check_merchant(provider, answer.mchid)
    refund_id = _our_id(answer.out_refund_no)
    refund = None if refund_id is None else await session.get(PaymentRefund, refund_id)
    payment = None if refund is None else await session.get(Payment, refund.payment_id)
    if (
        refund is None
        or payment is None
        or payment.provider != PROVIDER
        or answer.out_trade_no != payment.id.hex
    ):
        raise NotFound(f"No WeChat Pay refund {answer.out_refund_no}.", code="unknown_refund")
    if answer.amount.refund != refund.amount_fen or answer.amount.total != payment.amount_fen:
        raise Conflict(
            f"Refunded {answer.amount.refund} of {answer.amount.total} fen; we asked for "
            f"{refund.amount_fen} of {payment.amount_fen}.",
            code="amount_mismatch",
        )
    if answer.refund_status not in ("SUCCESS", "CLOSED"):
        log.warning(
            "refund %s is %s at WeChat Pay: an operator must handle it in the merchant platform",
            refund.id,
            answer.refund_status,
        )
        return "ignored"
    claimed = await service.claim_notification(
        session,
        provider=PROVIDER,
        provider_event_id=f"{answer.refund_id}:{answer.refund_status}",
        payment_id=payment.id,
        event_type=notification.event_type or f"REFUND.{answer.refund_status}",
        body={"notification_id": notification.id, "resource": notification.resource},
    )
    if not claimed:
        return "duplicate"
    succeeded = answer.refund_status == "SUCCESS"
    changed = await service.settle_refund_notification(
        session, refund_id=refund.id, provider_refund_id=answer.refund_id, succeeded=succeeded
    )
    if not changed and refund.status != ("succeeded" if succeeded else "failed"):
        log.error(
            "refund %s is %s here but %s at WeChat Pay: reconcile it by hand",
            refund.id,
            refund.status,
            answer.refund_status,
        )
    return "recorded" if changed else "duplicate"
