from __future__ import annotations

import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi import worker
from quanzi.core import db, outbox
from quanzi.core.clock import FrozenClock
from quanzi.webhooks.rules import verify_signature
from tests.helpers import operator
from tests.webhooks.conftest import Configure, Receiver


async def test_one_worker_round_fans_out_and_delivers(
    client: httpx.AsyncClient, receiver: Receiver, configure: Configure, clock: FrozenClock
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    created = await client.post(
        "/api/v1/admin/webhooks", json={"url": receiver.url("/hook")}, headers=op.headers
    )
    secret = created.json()["secret"]

    async def emit(session: AsyncSession) -> None:
        await outbox.emit(session, "order.completed", {"order_id": "o-9"})

    await db.transaction(emit)
    done = await worker.run_once()
    assert done["webhooks.fan_out"] == 1
    assert done["webhooks.deliver_due"] == 1
    [request] = receiver.requests
    assert json.loads(request.body)["topic"] == "order.completed"
    assert verify_signature(
        secret,
        request.headers["quanzi-webhook-timestamp"],
        request.body,
        request.headers["quanzi-webhook-signature"],
        clock.now(),
    )

    again = await worker.run_once()
    assert (again["webhooks.fan_out"], again["webhooks.deliver_due"]) == (0, 0)
    assert len(receiver.requests) == 1
