"""End to end: outbox event → fan_out → deliver_due → a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db, outbox
from quanzi.core.clock import FrozenClock
from quanzi.webhooks import delivery
from quanzi.webhooks.models import WebhookDelivery
from quanzi.webhooks.rules import verify_signature
from tests.helpers import Account, operator, problem
from tests.webhooks.conftest import Configure, Received, Receiver

BASE = "/api/v1/admin/webhooks"


async def register_endpoint(
    client: httpx.AsyncClient, op: Account, url: str, topics: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url}
    if topics is not None:
        body["topics"] = topics
    response = await client.post(BASE, json=body, headers=op.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def emit(topic: str, payload: dict[str, Any]) -> uuid.UUID:
    async def work(session: AsyncSession) -> uuid.UUID:
        return (await outbox.emit(session, topic, payload)).id

    return await db.transaction(work)


async def deliveries(
    client: httpx.AsyncClient, op: Account, endpoint_id: str
) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/{endpoint_id}/deliveries", headers=op.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def signed_by(request: Received, secret: str, now: datetime) -> bool:
    return verify_signature(
        secret,
        request.headers["quanzi-webhook-timestamp"],
        request.body,
        request.headers["quanzi-webhook-signature"],
        now,
    )


async def test_event_is_delivered_once_with_a_valid_signature(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"), ["order.*"])
    event_id = await emit("order.paid", {"order_id": "o-1", "total_fen": 9900, "note": "拼团"})
    await emit("member.joined", {"user_id": "u-1"})  # not subscribed

    assert await delivery.fan_out(100) == 2
    assert await delivery.deliver_due(100) == 1
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["quanzi-webhook-id"] == str(event_id)
    assert request.headers["quanzi-webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert json.loads(request.body) == {
        "id": str(event_id),
        "topic": "order.paid",
        "created_at": clock.now().isoformat(),
        "data": {"order_id": "o-1", "total_fen": 9900, "note": "拼团"},
    }
    assert signed_by(request, endpoint["secret"], clock.now())
    assert not signed_by(request, "whsec_someone-else", clock.now())

    # Nothing is sent twice, however often the sweeps run.
    clock.advance(timedelta(hours=7))
    assert await delivery.fan_out(100) == 0
    assert await delivery.deliver_due(100) == 0
    assert len(receiver.requests) == 1

    [row] = await deliveries(client, op, endpoint["id"])
    assert row["event_id"] == str(event_id)
    assert row["topic"] == "order.paid"
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 1, 200)
    assert row["last_error"] is None
    assert row["delivered_at"] is not None


async def test_host_name_target_keeps_its_host_header(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook", host="localhost"))
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    assert await delivery.deliver_due(10) == 1
    [request] = receiver.requests
    # The connection went to the address checked, the request still names the host.
    assert request.headers["host"] == f"localhost:{receiver.port}"
    assert signed_by(request, endpoint["secret"], clock.now())


async def test_every_matching_endpoint_gets_its_own_signed_copy(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    first = await register_endpoint(client, op, receiver.url("/a"), ["order.paid"])
    second = await register_endpoint(client, op, receiver.url("/b"), ["*"])
    await register_endpoint(client, op, receiver.url("/c"), ["group.*"])
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    assert await delivery.deliver_due(10) == 2
    by_path = {request.path: request for request in receiver.requests}
    assert set(by_path) == {"/a", "/b"}
    assert signed_by(by_path["/a"], first["secret"], clock.now())
    assert signed_by(by_path["/b"], second["secret"], clock.now())
    assert not signed_by(by_path["/a"], second["secret"], clock.now())


async def test_failing_receiver_is_retried_on_schedule_then_failed(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True, webhook_max_attempts=3)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"))
    event_id = await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    receiver.status = 500
    sent_at = []

    for attempt, first_retry in [(1, 30), (2, 60)]:
        sent_at.append(clock.now())
        assert await delivery.deliver_due(10) == 1
        assert len(receiver.requests) == attempt
        [row] = await deliveries(client, op, endpoint["id"])
        assert (row["status"], row["attempts"]) == ("pending", attempt)
        assert (row["last_status_code"], row["last_error"]) == (500, "HTTP 500")
        due = datetime.fromisoformat(row["next_attempt_at"])
        earliest = clock.now() + timedelta(seconds=first_retry)
        assert earliest <= due <= earliest + timedelta(seconds=first_retry / 10)
        # Not a moment early ...
        clock.set(earliest - timedelta(seconds=1))
        assert await delivery.deliver_due(10) == 0
        assert len(receiver.requests) == attempt
        clock.set(due)  # ... and due exactly when scheduled.

    sent_at.append(clock.now())
    assert await delivery.deliver_due(10) == 1
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("failed", 3, 500)
    clock.advance(timedelta(hours=7))
    assert await delivery.deliver_due(10) == 0
    assert len(receiver.requests) == 3

    # Every attempt carried the same event id, its own timestamp and a valid signature.
    for request, when in zip(receiver.requests, sent_at, strict=True):
        assert request.headers["quanzi-webhook-id"] == str(event_id)
        assert request.headers["quanzi-webhook-timestamp"] == str(int(when.timestamp()))
        assert signed_by(request, endpoint["secret"], when)

    # An operator re-queues it once the receiver is fixed.
    receiver.status = 204
    retried = await client.post(f"{BASE}/deliveries/{row['id']}/retry", headers=op.headers)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert await delivery.deliver_due(10) == 1
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 1, 204)
    again = await client.post(f"{BASE}/deliveries/{row['id']}/retry", headers=op.headers)
    problem(again, 409, "webhook_delivery_not_failed")


async def test_worker_dying_mid_attempt_is_redelivered_after_the_lease(
    client: httpx.AsyncClient,
    receiver: Receiver,
    configure: Configure,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(webhook_allow_private_targets=True, webhook_timeout_seconds=10)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"))
    event_id = await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)

    async def crash(*_: object) -> int:
        raise RuntimeError("worker lost mid-request")

    with monkeypatch.context() as patch:
        patch.setattr(delivery, "_post", crash)
        assert await delivery.deliver_due(10) == 1  # claimed, outcome never recorded
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"]) == ("pending", 1)
    lease_end = datetime.fromisoformat(row["next_attempt_at"])
    # 3 addresses × 10 s, 5 s to resolve, 60 s margin: nobody else may take it meanwhile.
    assert lease_end == clock.now() + timedelta(seconds=95)
    clock.set(lease_end - timedelta(seconds=1))
    assert await delivery.deliver_due(10) == 0
    clock.set(lease_end)
    assert await delivery.deliver_due(10) == 1
    [request] = receiver.requests
    assert request.headers["quanzi-webhook-id"] == str(event_id)
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"]) == ("delivered", 2)


async def test_delivery_past_the_attempt_limit_is_given_up_unsent(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True, webhook_max_attempts=5)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"))
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    receiver.status = 503
    assert await delivery.deliver_due(10) == 1
    configure(webhook_allow_private_targets=True, webhook_max_attempts=1)
    clock.advance(timedelta(minutes=5))
    assert await delivery.deliver_due(10) == 0
    assert len(receiver.requests) == 1
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert (row["last_status_code"], row["last_error"]) == (503, "HTTP 503")


async def test_worker_dying_during_the_last_attempt_gives_up_after_the_lease(
    client: httpx.AsyncClient,
    receiver: Receiver,
    configure: Configure,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(webhook_allow_private_targets=True, webhook_max_attempts=1)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"))
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)

    async def crash(*_: object) -> int:
        raise RuntimeError("worker lost mid-request")

    with monkeypatch.context() as patch:
        patch.setattr(delivery, "_post", crash)
        assert await delivery.deliver_due(10) == 1
    clock.advance(timedelta(hours=1))
    assert await delivery.deliver_due(10) == 0
    assert receiver.requests == []
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"] == "attempt limit reached with no outcome recorded"


async def test_receiver_down_schedules_a_retry(
    client: httpx.AsyncClient, closed_port: int, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, f"http://127.0.0.1:{closed_port}/hook")
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    assert await delivery.deliver_due(10) == 1
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, None)
    assert row["last_error"].startswith("ConnectError")
    assert datetime.fromisoformat(row["next_attempt_at"]) >= clock.now() + timedelta(seconds=30)
    assert await delivery.deliver_due(10) == 0


async def test_slow_receiver_times_out_and_is_retried(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure
) -> None:
    configure(webhook_allow_private_targets=True, webhook_timeout_seconds=0.2)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hang"))
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    assert await delivery.deliver_due(10) == 1
    assert receiver.paths() == ["/hang"]
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, None)
    assert "Timeout" in row["last_error"] or row["last_error"] == "timed out"


async def test_redirects_are_not_followed(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/redirect"))
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    assert await delivery.deliver_due(10) == 1
    assert receiver.paths() == ["/redirect"]
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["last_status_code"], row["last_error"]) == (
        "pending",
        307,
        "HTTP 307",
    )


async def test_target_is_checked_again_at_delivery(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"))
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    configure(webhook_allow_private_targets=False)
    assert await delivery.deliver_due(10) == 1
    assert receiver.requests == []
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("failed", 1, None)
    assert row["last_error"].startswith("webhook_target_not_allowed")
    assert "127.0.0.1" in row["last_error"]


async def test_rotated_secret_signs_from_then_on(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"))
    await emit("order.paid", {"order_id": "o-1"})
    await delivery.fan_out(10)
    rotated = await client.post(f"{BASE}/{endpoint['id']}/rotate-secret", headers=op.headers)
    new_secret = rotated.json()["secret"]
    assert await delivery.deliver_due(10) == 1
    [request] = receiver.requests
    assert signed_by(request, new_secret, clock.now())
    assert not signed_by(request, endpoint["secret"], clock.now())


async def test_ping_reaches_only_its_endpoint(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"), ["order.paid"])
    await register_endpoint(client, op, receiver.url("/everything"), ["*"])
    pinged = await client.post(f"{BASE}/{endpoint['id']}/ping", headers=op.headers)
    assert pinged.status_code == 202, pinged.text
    assert pinged.json()["topic"] == "webhook.ping"

    assert await delivery.fan_out(10) == 1
    assert await delivery.deliver_due(10) == 1
    [request] = receiver.requests
    assert request.path == "/hook"
    body = json.loads(request.body)
    assert body["id"] == pinged.json()["event_id"]
    assert (body["topic"], body["data"]) == ("webhook.ping", {"endpoint_id": endpoint["id"]})
    assert signed_by(request, endpoint["secret"], clock.now())
    [row] = await deliveries(client, op, endpoint["id"])
    assert (row["topic"], row["status"]) == ("webhook.ping", "delivered")


async def test_fan_out_respects_its_limit_and_skips_events_without_subscribers(
    client: httpx.AsyncClient, configure: Configure
) -> None:
    configure(webhook_allow_private_targets=True)
    for n in range(5):
        await emit(f"order.e{n}", {})  # before any endpoint: relayed to nobody
    assert await delivery.fan_out(3) == 3
    assert await delivery.fan_out(3) == 2
    assert await delivery.fan_out(3) == 0

    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0)

    assert await db.transaction(count) == 0


@pytest.mark.postgres_only
async def test_concurrent_sweeps_deliver_each_event_exactly_once(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    endpoint = await register_endpoint(client, op, receiver.url("/hook"))
    events = 40
    emitted = {str(await emit("order.paid", {"n": n})) for n in range(events)}

    async def drain(sweep: Any, batch: int) -> int:
        total = 0
        while handled := await sweep(batch):
            total += handled
        return total

    fanned = await asyncio.gather(*(drain(delivery.fan_out, 3) for _ in range(4)))
    assert sum(fanned) == events  # SKIP LOCKED: no event was taken by two workers

    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0)

    assert await db.transaction(count) == events

    sent = await asyncio.gather(*(drain(delivery.deliver_due, 4) for _ in range(4)))
    assert sum(sent) == events
    received = Counter(request.headers["quanzi-webhook-id"] for request in receiver.requests)
    assert set(received) == emitted
    assert set(received.values()) == {1}
    assert all(signed_by(request, endpoint["secret"], clock.now()) for request in receiver.requests)
    rows = await deliveries(client, op, endpoint["id"])
    assert {row["status"] for row in rows} == {"delivered"}
