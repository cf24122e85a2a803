"""Delivering the outbox to webhook endpoints. Two worker sweeps:

* :func:`fan_out` turns outbox events not yet relayed into one pending delivery per active
  endpoint that wants the event, and marks the events relayed, in one transaction per batch.
* :func:`deliver_due` POSTs due deliveries, signed (see :mod:`quanzi.webhooks.rules`), in
  three steps per small batch: claim (a short transaction marks the attempt and leases the
  row), send (no transaction open, no lock held), record the outcome (a short transaction).

Delivery is at least once: a worker that dies after sending but before recording leaves
the delivery leased, and it is sent again once the lease runs out. Receivers deduplicate
on ``Quanzi-Webhook-Id``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import clock, db
from quanzi.core.config import Settings, get_settings
from quanzi.core.ids import new_id
from quanzi.core.outbox import OutboxEvent
from quanzi.webhooks import rules, targets
from quanzi.webhooks.models import WebhookDelivery, WebhookEndpoint
from quanzi.webhooks.rules import TargetRefused
from quanzi.webhooks.targets import ResolvedTarget, TargetUnresolvable

log = logging.getLogger("quanzi.webhooks")

# Deliveries sent at once; also the size of one claim, so a lease covers one round of sends.
CONCURRENCY = 10
# Resolved addresses tried in turn when connecting fails (nothing was sent yet).
MAX_ADDRESSES = 3
LEASE_MARGIN = timedelta(seconds=60)
GAVE_UP = "attempt limit reached with no outcome recorded"


# --- fan-out -------------------------------------------------------------------------


async def fan_out(limit: int) -> int:
    """Worker sweep: relay up to ``limit`` outbox events to the endpoints that want them.

    Returns how many events were relayed. On PostgreSQL the events are claimed with
    ``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint batches; the unique
    (endpoint, event) constraint, met with ``ON CONFLICT DO NOTHING``, is the backstop.
    """

    async def work(session: AsyncSession) -> int:
        stmt = (
            select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
            .where(OutboxEvent.relayed_at.is_(None))
            .order_by(OutboxEvent.created_at, OutboxEvent.id)
            .limit(limit)
        )
        if db.is_postgres(session):
            stmt = stmt.with_for_update(skip_locked=True)
        events = (await session.execute(stmt)).all()
        if not events:
            return 0
        endpoints = (
            await session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.topics)
                .where(WebhookEndpoint.active.is_(True))
                .order_by(WebhookEndpoint.id)
            )
        ).all()
        now = clock.now()
        rows = [
            {
                "id": new_id(),
                "endpoint_id": endpoint.id,
                "event_id": event.id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event in events
            for endpoint in endpoints
            if rules.wants(str(endpoint.id), endpoint.topics, event.topic, event.payload)
        ]
        if rows:
            await session.execute(_insert_new_deliveries(session), rows)
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([event.id for event in events]))
            .values(relayed_at=now)
            .execution_options(synchronize_session=False)
        )
        return len(events)

    return await db.transaction(work)


def _insert_new_deliveries(session: AsyncSession) -> Any:
    table = cast(Table, WebhookDelivery.__table__)
    insert = postgresql.insert(table) if db.is_postgres(session) else sqlite.insert(table)
    return insert.on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])


# --- delivery ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    delivery_id: uuid.UUID
    attempt: int
    url: str
    secret: str
    event_id: uuid.UUID
    topic: str
    created_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Outcome:
    status_code: int | None = None
    error: str | None = None
    refused: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _send_budget(settings: Settings) -> float:
    """Longest one attempt may take: trying each address, then waiting for the answer."""
    return settings.webhook_timeout_seconds * MAX_ADDRESSES


def _lease(settings: Settings) -> timedelta:
    """How long a claimed delivery stays invisible to other workers."""
    seconds = _send_budget(settings) + targets.RESOLVE_TIMEOUT_SECONDS
    return timedelta(seconds=seconds) + LEASE_MARGIN


async def _claim(session: AsyncSession, size: int, settings: Settings) -> list[_Claim]:
    now = clock.now()
    lease_until = now + _lease(settings)
    stmt = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            OutboxEvent.id.label("event_id"),
            OutboxEvent.topic,
            OutboxEvent.created_at,
            OutboxEvent.payload,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(size)
    )
    if db.is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    claims: list[_Claim] = []
    for row in (await session.execute(stmt)).all():
        # The WHERE repeats what was selected: without row locks (SQLite) it is what makes
        # a claim exclusive, since the winner moves next_attempt_at past now.
        guard = update(WebhookDelivery).where(
            WebhookDelivery.id == row.id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.attempts == row.attempts,
            WebhookDelivery.next_attempt_at <= now,
        )
        if row.attempts >= settings.webhook_max_attempts:
            # A worker died during the last allowed attempt, or the limit was lowered: give
            # up, keeping the last recorded error if there is one.
            await session.execute(
                guard.values(
                    status="failed", last_error=func.coalesce(WebhookDelivery.last_error, GAVE_UP)
                )
            )
            continue
        taken = await session.execute(
            guard.values(
                attempts=row.attempts + 1, last_attempt_at=now, next_attempt_at=lease_until
            ).returning(WebhookDelivery.id)
        )
        if taken.first() is not None:
            claims.append(
                _Claim(
                    delivery_id=row.id,
                    attempt=row.attempts + 1,
                    url=row.url,
                    secret=row.secret,
                    event_id=row.event_id,
                    topic=row.topic,
                    created_at=row.created_at,
                    payload=row.payload,
                )
            )
    return claims


class _Resolver:
    """Checks targets once per sweep run (many deliveries usually share one endpoint)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._seen: dict[str, ResolvedTarget | TargetRefused | TargetUnresolvable] = {}

    async def check(self, url: str) -> ResolvedTarget:
        if url not in self._seen:
            try:
                self._seen[url] = await targets.check_target(url, allow_private=self.allow_private)
            except (TargetRefused, TargetUnresolvable) as exc:
                self._seen[url] = exc
        found = self._seen[url]
        if isinstance(found, Exception):
            raise found
        return found


async def _post(
    client: httpx.AsyncClient, resolved: ResolvedTarget, body: bytes, headers: dict[str, str]
) -> int:
    target = resolved.target
    url = httpx.URL(target.url)
    failure: httpx.HTTPError | None = None
    for address in resolved.addresses[:MAX_ADDRESSES]:
        # Connect to the address that was checked rather than resolving again (DNS
        # rebinding); Host, SNI and the certificate check still use the name.
        try:
            async with client.stream(
                "POST",
                url.copy_with(host=address),
                content=body,
                headers={**headers, "Host": target.netloc},
                extensions={"sni_hostname": target.host},
            ) as response:
                return response.status_code
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            failure = exc
    assert failure is not None
    raise failure


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


async def _attempt(
    client: httpx.AsyncClient, resolver: _Resolver, claim: _Claim, settings: Settings
) -> _Outcome:
    try:
        resolved = await resolver.check(claim.url)
    except TargetRefused as exc:
        return _Outcome(error=f"webhook_target_not_allowed: {exc}"[:500], refused=True)
    except TargetUnresolvable as exc:
        return _Outcome(error=f"webhook_target_unresolvable: {exc}"[:500])
    timestamp = int(clock.now().timestamp())
    event_id = str(claim.event_id)
    body = rules.encode_body(event_id, claim.topic, claim.created_at, claim.payload)
    headers = rules.delivery_headers(claim.secret, event_id, timestamp, body)
    try:
        async with asyncio.timeout(_send_budget(settings)):
            status_code = await _post(client, resolved, body, headers)
    except TimeoutError:
        return _Outcome(error="timed out")
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return _Outcome(error=_describe(exc))
    if 200 <= status_code < 300:
        return _Outcome(status_code=status_code)
    return _Outcome(status_code=status_code, error=f"HTTP {status_code}")


async def _record(
    session: AsyncSession, claim: _Claim, outcome: _Outcome, max_attempts: int
) -> str:
    now = clock.now()
    values: dict[str, Any] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.delivered:
        values.update(status="delivered", delivered_at=now)
    elif outcome.refused or claim.attempt >= max_attempts:
        values.update(status="failed")
    else:
        values.update(next_attempt_at=now + rules.retry_delay(claim.attempt, random.random()))
    # Only the attempt that was claimed may record; if its lease ran out and another worker
    # claimed the delivery again, that worker records instead.
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claim.delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.attempts == claim.attempt,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return str(values.get("status", "pending"))


async def _deliver(
    client: httpx.AsyncClient, resolver: _Resolver, claim: _Claim, settings: Settings
) -> None:
    outcome = await _attempt(client, resolver, claim, settings)

    async def record(session: AsyncSession) -> str:
        return await _record(session, claim, outcome, settings.webhook_max_attempts)

    status = await db.transaction(record)
    if not outcome.delivered:
        log.warning(
            "webhook delivery %s attempt %d: %s (%s)",
            claim.delivery_id,
            claim.attempt,
            outcome.error,
            status,
        )


async def deliver_due(limit: int) -> int:
    """Worker sweep: send up to ``limit`` due deliveries; returns how many were attempted.

    2xx marks a delivery ``delivered``; any other answer, a timeout or a connection error
    schedules a retry (:func:`quanzi.webhooks.rules.retry_delay`) until
    ``webhook_max_attempts`` attempts were made, then it is ``failed``. A target that is
    no longer allowed (checked again before each attempt) fails at once, unsent. Redirects
    are not followed; proxies from the environment are not used.
    """
    settings = get_settings()
    done = 0

    async def claim(session: AsyncSession) -> list[_Claim]:
        return await _claim(session, min(CONCURRENCY, limit - done), settings)

    claims = await db.transaction(claim)
    if not claims:
        return 0
    resolver = _Resolver(settings.webhook_allow_private_targets)
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        # No connection reuse: a pooled connection is keyed by the pinned address, and
        # one verified for one host name must never carry a request for another.
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        while claims:
            results = await asyncio.gather(
                *(_deliver(client, resolver, item, settings) for item in claims),
                return_exceptions=True,
            )
            for item, result in zip(claims, results, strict=True):
                if isinstance(result, BaseException):
                    log.error(
                        "webhook delivery %s: outcome not recorded; retried after its lease",
                        item.delivery_id,
                        exc_info=result,
                    )
            done += len(claims)
            claims = await db.transaction(claim) if done < limit else []
    return done
