"""Payments: asking for money, recording that it arrived (once), and refunds.

The payable's owner (orders) decides what a payment or refund means for the shop; this
module only keeps the provider-facing state and publishes :class:`PaymentSucceeded`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from quanzi.core import clock, db, events
from quanzi.core.errors import Conflict, NotFound, Unprocessable
from quanzi.core.ids import new_id
from quanzi.ledger import rules as accounts
from quanzi.ledger import service as ledger
from quanzi.ledger.rules import Leg
from quanzi.payments import registry
from quanzi.payments.events import PaymentSucceeded, RefundSettled
from quanzi.payments.models import Payment, PaymentNotification, PaymentRefund
from quanzi.payments.provider import Payer

log = logging.getLogger("quanzi.payments")

# A refund stuck "pending" at the provider is asked about again after this long.
REFUND_RETRY_AFTER = timedelta(minutes=5)


async def create_payment(
    session: AsyncSession,
    *,
    payable_type: str,
    payable_id: uuid.UUID,
    user_id: uuid.UUID,
    amount_fen: int,
    description: str,
    provider: str | None = None,
) -> Payment:
    """Open a pending payment for ``payable``; nothing is sent to the provider yet."""
    if amount_fen <= 0:
        raise Unprocessable("A payment must be for a positive amount.", code="invalid_amount")
    payment = Payment(
        payable_type=payable_type,
        payable_id=payable_id,
        user_id=user_id,
        provider=provider or registry.default_name(),
        amount_fen=amount_fen,
        refunded_fen=0,
        status="pending",
        description=description[:120],
        created_at=clock.now(),
    )
    session.add(payment)
    await session.flush()
    return payment


async def get_payment(
    session: AsyncSession, payment_id: uuid.UUID, *, user_id: uuid.UUID | None = None
) -> Payment:
    """A payment; with ``user_id``, only if it is that user's (else 404, not 403)."""
    payment = await session.get(Payment, payment_id)
    if payment is None or (user_id is not None and payment.user_id != user_id):
        raise NotFound("No such payment.", code="payment_not_found")
    return payment


async def payment_for(
    session: AsyncSession, payable_type: str, payable_id: uuid.UUID
) -> Payment | None:
    """The latest payment opened for a payable."""
    return await session.scalar(
        select(Payment)
        .where(Payment.payable_type == payable_type, Payment.payable_id == payable_id)
        .order_by(Payment.created_at.desc())
        .limit(1)
    )


async def prepare(
    session: AsyncSession, payment_id: uuid.UUID, *, user_id: uuid.UUID, payer: Payer, channel: str
) -> dict[str, Any]:
    """Provider parameters the client needs to pay.

    Reads only; the read transaction is ended before the provider is called, so no lock
    (on SQLite: the database write lock) is held while the provider answers.
    """
    payment = await get_payment(session, payment_id, user_id=user_id)
    if payment.status != "pending":
        raise Conflict(f"This payment is {payment.status}.", code="payment_not_pending")
    provider = registry.get(payment.provider)
    session.expunge(payment)
    await session.rollback()
    return await provider.prepare(payment, payer, channel)


async def close_payment(session: AsyncSession, payment_id: uuid.UUID) -> bool:
    """Stop accepting a pending payment (its order expired or was cancelled)."""
    result = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == "pending")
        .values(status="closed", closed_at=clock.now())
        .returning(Payment.id)
    )
    return result.first() is not None


async def claim_notification(
    session: AsyncSession,
    *,
    provider: str,
    provider_event_id: str,
    payment_id: uuid.UUID | None,
    event_type: str,
    body: dict[str, Any] | None = None,
) -> bool:
    """Keep a provider notification once per provider event id; ``False`` if it was kept
    before (a replay, or a concurrent duplicate that committed first: the unique key makes
    the second insert wait for the first and then skip)."""
    insert = pg_insert if db.is_postgres(session) else sqlite_insert
    kept = await session.execute(
        insert(PaymentNotification)
        .values(
            id=new_id(),
            provider=provider,
            provider_event_id=provider_event_id,
            payment_id=payment_id,
            event_type=event_type,
            body=body or {},
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["provider", "provider_event_id"])
        .returning(PaymentNotification.id)
    )
    return kept.first() is not None


async def record_success(
    session: AsyncSession,
    *,
    provider: str,
    provider_event_id: str,
    payment_id: uuid.UUID,
    provider_txn_id: str,
    amount_fen: int,
    event_type: str = "payment.succeeded",
    body: dict[str, Any] | None = None,
) -> bool:
    """Record that the provider took the money; ``True`` if this changed anything.

    Idempotent twice over: a notification is accepted once per provider event id, and a
    payment moves to ``succeeded`` once. Money that arrives for a closed payment (its order
    expired meanwhile) is still recorded: the order's owner refunds it.
    """
    payment = await session.get(Payment, payment_id)
    if payment is None or payment.provider != provider:
        raise NotFound("No such payment.", code="payment_not_found")
    if amount_fen != payment.amount_fen:
        raise Conflict(
            f"Notified amount {amount_fen} does not match the payment's {payment.amount_fen}.",
            code="amount_mismatch",
        )
    if not await claim_notification(
        session,
        provider=provider,
        provider_event_id=provider_event_id,
        payment_id=payment_id,
        event_type=event_type,
        body=body,
    ):
        return False
    paid_at = clock.now()
    changed = await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(("pending", "closed")))
        .values(status="succeeded", provider_txn_id=provider_txn_id, paid_at=paid_at)
        .returning(Payment.id)
        .execution_options(synchronize_session=False)
    )
    if changed.first() is None:
        return False
    # What the UPDATE wrote, without reading the row back.
    set_committed_value(payment, "status", "succeeded")
    set_committed_value(payment, "provider_txn_id", provider_txn_id)
    set_committed_value(payment, "paid_at", paid_at)
    await events.publish(
        session,
        PaymentSucceeded(
            payment_id=payment.id,
            payable_type=payment.payable_type,
            payable_id=payment.payable_id,
            amount_fen=payment.amount_fen,
            provider=provider,
        ),
    )
    return True


async def confirm_sandbox(
    session: AsyncSession, payment_id: uuid.UUID, user_id: uuid.UUID
) -> Payment:
    """The sandbox's stand-in for the provider's notification, by the payer."""
    payment = await get_payment(session, payment_id, user_id=user_id)
    if payment.provider != "sandbox":
        raise NotFound("No such sandbox payment.", code="payment_not_found")
    if payment.status == "closed":
        raise Conflict(
            "This payment was closed: its order is no longer payable.", code="payment_closed"
        )
    await record_success(
        session,
        provider="sandbox",
        provider_event_id=f"sandbox-{payment.id}",
        payment_id=payment.id,
        provider_txn_id=f"sandbox-{payment.id}",
        amount_fen=payment.amount_fen,
    )
    return payment


async def request_refund(
    session: AsyncSession, *, payment_id: uuid.UUID, amount_fen: int, reason: str, key: str
) -> PaymentRefund:
    """Reserve ``amount_fen`` of a succeeded payment for refund and submit it after commit.

    The refundable amount is taken with one conditional UPDATE, so concurrent refunds can
    never add up to more than was paid. A repeat of ``key`` returns the first refund.
    """
    existing = await session.scalar(
        select(PaymentRefund).where(PaymentRefund.idempotency_key == key)
    )
    if existing is not None:
        return existing
    if amount_fen <= 0:
        raise Unprocessable("A refund must be for a positive amount.", code="invalid_amount")
    taken = await session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id,
            Payment.status == "succeeded",
            Payment.refunded_fen + amount_fen <= Payment.amount_fen,
        )
        .values(refunded_fen=Payment.refunded_fen + amount_fen)
        .returning(Payment.refunded_fen)
        .execution_options(synchronize_session=False)
    )
    refunded_fen = taken.scalar_one_or_none()
    if refunded_fen is None:
        raise Conflict(
            "The refund exceeds what is left of the payment.", code="refund_exceeds_payment"
        )
    # A payment this session holds shows the new total without being read again.
    held = session.identity_map.get(identity_key(Payment, payment_id))
    if held is not None:
        set_committed_value(held, "refunded_fen", refunded_fen)
    refund = PaymentRefund(
        payment_id=payment_id,
        idempotency_key=key,
        amount_fen=amount_fen,
        reason=reason[:200],
        status="pending",
        attempts=0,
        created_at=clock.now(),
    )
    session.add(refund)
    await session.flush()
    refund_id = refund.id
    db.after_commit(session, lambda: submit_refund(refund_id))
    return refund


async def _finish_refund(
    session: AsyncSession,
    refund_id: uuid.UUID,
    *,
    succeeded: bool,
    provider_refund_id: str | None,
    error: str = "",
) -> bool:
    """Move a pending refund to its final status; ``True`` for the one caller that did.

    One conditional UPDATE decides, so the sweep and a provider notification racing on the
    same refund settle it (ledger transfer, event) exactly once.
    """
    values: dict[str, Any] = {"status": "succeeded" if succeeded else "failed"}
    if succeeded:
        values.update(provider_refund_id=provider_refund_id, completed_at=clock.now())
    else:
        values.update(last_error=(error or "refused by the provider")[:300])
    won = await session.execute(
        update(PaymentRefund)
        .where(PaymentRefund.id == refund_id, PaymentRefund.status == "pending")
        .values(**values)
        .returning(PaymentRefund.payment_id, PaymentRefund.amount_fen)
        .execution_options(synchronize_session=False)
    )
    row = won.first()
    if row is None:
        return False
    payment_id, amount_fen = row
    if succeeded:
        await ledger.transfer(
            session,
            key=f"refund-paid:{refund_id}",
            kind="refund_paid",
            legs=[
                Leg(accounts.REFUNDS_PAYABLE, amount_fen),
                Leg(accounts.PROVIDER_CLEARING, -amount_fen),
            ],
            reference_type="payment_refund",
            reference_id=refund_id,
            description="refund paid out by the provider",
        )
    await events.publish(
        session,
        RefundSettled(refund_id, payment_id, amount_fen, "succeeded" if succeeded else "failed"),
    )
    return True


async def submit_refund(refund_id: uuid.UUID) -> str:
    """Send one pending refund to its provider and record the outcome.

    Three short transactions: claim (mark the attempt), call the provider with no
    transaction open, record. Safe to run twice or to crash in between: the provider call is
    idempotent by refund id and the ledger transfer by its key.
    """

    async def claim(session: AsyncSession) -> tuple[PaymentRefund, Payment] | None:
        stmt = select(PaymentRefund).where(
            PaymentRefund.id == refund_id, PaymentRefund.status == "pending"
        )
        if db.is_postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        refund = await session.scalar(stmt)
        if refund is None:
            return None
        refund.attempts += 1
        refund.last_attempt_at = clock.now()
        payment = await session.get(Payment, refund.payment_id)
        assert payment is not None
        await session.flush()
        return refund, payment

    claimed = await db.transaction(claim)
    if claimed is None:
        return "skipped"
    refund, payment = claimed
    try:
        outcome = await registry.get(payment.provider).refund(payment, refund)
    except Exception as exc:  # the provider is unreachable: keep it pending, retry later
        log.warning("refund %s: provider call failed: %s", refund_id, exc)
        error = str(exc)[:300]

        async def note_error(session: AsyncSession) -> str:
            await session.execute(
                update(PaymentRefund).where(PaymentRefund.id == refund_id).values(last_error=error)
            )
            return "pending"

        return await db.transaction(note_error)

    async def record(session: AsyncSession) -> str:
        if outcome.status == "pending":
            # Still processing at the provider (bank-card refunds can take days): keep asking.
            await session.execute(
                update(PaymentRefund)
                .where(PaymentRefund.id == refund_id, PaymentRefund.status == "pending")
                .values(provider_refund_id=outcome.provider_refund_id)
            )
        else:
            await _finish_refund(
                session,
                refund_id,
                succeeded=outcome.status == "succeeded",
                provider_refund_id=outcome.provider_refund_id,
                error=outcome.detail,
            )
        current = await session.get(PaymentRefund, refund_id)
        assert current is not None
        return current.status

    return await db.transaction(record)


async def settle_refund_notification(
    session: AsyncSession, *, refund_id: uuid.UUID, provider_refund_id: str, succeeded: bool
) -> bool:
    """A provider's asynchronous word on a refund; ``True`` if it changed the refund."""
    if await session.get(PaymentRefund, refund_id) is None:
        raise NotFound("No such refund.", code="refund_not_found")
    return await _finish_refund(
        session, refund_id, succeeded=succeeded, provider_refund_id=provider_refund_id
    )


async def retry_refunds(limit: int) -> int:
    """Worker sweep: submit refunds never submitted or stuck pending; returns how many."""
    cutoff = clock.now() - REFUND_RETRY_AFTER

    async def due(session: AsyncSession) -> list[uuid.UUID]:
        result = await session.execute(
            select(PaymentRefund.id)
            .where(
                PaymentRefund.status == "pending",
                or_(
                    PaymentRefund.last_attempt_at.is_(None), PaymentRefund.last_attempt_at < cutoff
                ),
            )
            .order_by(PaymentRefund.created_at)
            .limit(limit)
        )
        return list(result.scalars())

    refund_ids = await db.transaction(due)
    for refund_id in refund_ids:
        await submit_refund(refund_id)
    return len(refund_ids)
