from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from quanzi.core import db, outbox
from quanzi.webhooks import delivery
from tests.helpers import Account, operator, problem, register
from tests.webhooks.conftest import Configure

BASE = "/api/v1/admin/webhooks"
PUBLIC = "https://8.8.8.8/quanzi-hook"  # an IP literal: resolving it needs no DNS


async def create(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    response = await client.post(BASE, json={"url": PUBLIC, **body}, headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_create_list_get_without_leaking_the_secret(client: httpx.AsyncClient) -> None:
    op = await operator(client)
    created = await create(client, op, description="ERP")
    assert created["url"] == PUBLIC
    assert created["topics"] == ["*"]
    assert created["description"] == "ERP"
    assert created["active"] is True
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    second = await create(client, op, topics=["order.*", "order.paid", "order.*"])
    assert second["topics"] == ["order.*", "order.paid"]
    assert second["secret"] != secret

    listed = await client.get(BASE, headers=op.headers)
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json()["items"]} == {created["id"], second["id"]}
    one = await client.get(f"{BASE}/{created['id']}", headers=op.headers)
    assert one.status_code == 200
    for response in (listed, one):
        assert "secret" not in response.text
        assert secret not in response.text
        assert second["secret"] not in response.text
    assert {k: v for k, v in created.items() if k != "secret"} == one.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", BASE),
        ("GET", BASE),
        ("GET", f"{BASE}/{uuid.UUID(int=1)}"),
        ("PATCH", f"{BASE}/{uuid.UUID(int=1)}"),
        ("DELETE", f"{BASE}/{uuid.UUID(int=1)}"),
        ("POST", f"{BASE}/{uuid.UUID(int=1)}/rotate-secret"),
        ("GET", f"{BASE}/{uuid.UUID(int=1)}/deliveries"),
        ("POST", f"{BASE}/deliveries/{uuid.UUID(int=1)}/retry"),
        ("POST", f"{BASE}/{uuid.UUID(int=1)}/ping"),
    ],
)
async def test_operators_only(client: httpx.AsyncClient, method: str, path: str) -> None:
    body = {"url": PUBLIC} if method in ("POST", "PATCH") else None
    anonymous = await client.request(method, path, json=body)
    problem(anonymous, 401, "unauthorized")
    member = await register(client)
    refused = await client.request(method, path, json=body, headers=member.headers)
    problem(refused, 403, "forbidden")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://localhost:8000/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://192.168.1.20/hook",
        "http://172.16.5.4/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://2130706433/hook",  # 127.0.0.1 written as one number
        "http://0x7f.1/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",
        "ftp://8.8.8.8/hook",
        "file:///etc/passwd",
        "http://user:secret@8.8.8.8/hook",
        "not a url",
    ],
)
async def test_refuses_targets_that_are_not_public(client: httpx.AsyncClient, url: str) -> None:
    op = await operator(client)
    response = await client.post(BASE, json={"url": url}, headers=op.headers)
    problem(response, 422, "webhook_target_not_allowed")
    assert (await client.get(BASE, headers=op.headers)).json()["items"] == []


async def test_unresolvable_host_is_refused(client: httpx.AsyncClient) -> None:
    op = await operator(client)
    response = await client.post(
        BASE, json={"url": "https://no-such-host.invalid/hook"}, headers=op.headers
    )
    problem(response, 422, "webhook_target_unresolvable")


async def test_private_targets_allowed_by_setting(
    client: httpx.AsyncClient, configure: Configure
) -> None:
    configure(webhook_allow_private_targets=True)
    op = await operator(client)
    created = await create(client, op, url="http://127.0.0.1:9/hook")
    assert created["url"] == "http://127.0.0.1:9/hook"
    still = await client.post(BASE, json={"url": "ftp://127.0.0.1/"}, headers=op.headers)
    problem(still, 422, "webhook_target_not_allowed")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": PUBLIC, "topics": []}, "validation_error"),
        ({"url": PUBLIC, "topics": ["Order.Paid"]}, "invalid_topic"),
        ({"url": PUBLIC, "topics": ["*.paid"]}, "invalid_topic"),
        ({"url": PUBLIC, "topics": ["order."]}, "invalid_topic"),
        ({"url": PUBLIC, "topics": [""]}, "validation_error"),
        ({"url": PUBLIC, "topics": ["a" * 81]}, "validation_error"),
        ({"url": PUBLIC, "topics": [f"t{i}" for i in range(51)]}, "validation_error"),
        ({"url": PUBLIC, "secret": "mine"}, "validation_error"),
        ({"url": PUBLIC, "description": "x" * 201}, "validation_error"),
        ({"url": "https://8.8.8.8/" + "a" * 500}, "validation_error"),
        ({}, "validation_error"),
    ],
)
async def test_create_validation(
    client: httpx.AsyncClient, body: dict[str, Any], code: str
) -> None:
    op = await operator(client)
    problem(await client.post(BASE, json=body, headers=op.headers), 422, code)


async def test_patch_delete_rotate(client: httpx.AsyncClient) -> None:
    op = await operator(client)
    created = await create(client, op)
    path = f"{BASE}/{created['id']}"

    patched = await client.patch(
        path,
        json={"topics": ["order.*"], "description": "orders", "url": "https://1.1.1.1/h"},
        headers=op.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["topics"] == ["order.*"]
    assert patched.json()["description"] == "orders"
    assert patched.json()["url"] == "https://1.1.1.1/h"
    assert "secret" not in patched.text

    refused = await client.patch(
        path, json={"url": "http://169.254.169.254/", "description": "x"}, headers=op.headers
    )
    problem(refused, 422, "webhook_target_not_allowed")
    problem(
        await client.patch(path, json={"topics": ["nope!"]}, headers=op.headers),
        422,
        "invalid_topic",
    )
    problem(
        await client.patch(path, json={"name": "x"}, headers=op.headers), 422, "validation_error"
    )
    unchanged = (await client.get(path, headers=op.headers)).json()
    assert (unchanged["url"], unchanged["description"]) == ("https://1.1.1.1/h", "orders")

    rotated = await client.post(f"{path}/rotate-secret", headers=op.headers)
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]

    assert (await client.delete(path, headers=op.headers)).status_code == 204
    assert (await client.get(path, headers=op.headers)).json()["active"] is False
    assert (await client.delete(path, headers=op.headers)).status_code == 204
    again = await client.patch(path, json={"active": True}, headers=op.headers)
    assert again.json()["active"] is True


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    op = await operator(client)
    missing = uuid.uuid4()
    for method, path in [
        ("GET", f"{BASE}/{missing}"),
        ("PATCH", f"{BASE}/{missing}"),
        ("DELETE", f"{BASE}/{missing}"),
        ("POST", f"{BASE}/{missing}/rotate-secret"),
        ("GET", f"{BASE}/{missing}/deliveries"),
        ("POST", f"{BASE}/{missing}/ping"),
    ]:
        body: dict[str, Any] | None = {} if method == "PATCH" else None
        response = await client.request(method, path, json=body, headers=op.headers)
        problem(response, 404, "webhook_not_found")
    retry = await client.post(f"{BASE}/deliveries/{missing}/retry", headers=op.headers)
    problem(retry, 404, "webhook_delivery_not_found")


async def test_deactivating_fails_pending_deliveries_and_stops_new_ones(
    client: httpx.AsyncClient,
) -> None:
    op = await operator(client)
    created = await create(client, op, topics=["order.*"])
    path = f"{BASE}/{created['id']}"

    async def emit(session: Any) -> None:
        await outbox.emit(session, "order.paid", {"order_id": "o1"})

    await db.transaction(emit)
    assert await delivery.fan_out(50) == 1
    pending = (await client.get(f"{path}/deliveries", headers=op.headers)).json()["items"]
    assert [(d["status"], d["topic"], d["attempts"]) for d in pending] == [
        ("pending", "order.paid", 0)
    ]

    assert (await client.delete(path, headers=op.headers)).status_code == 204
    failed = (await client.get(f"{path}/deliveries", headers=op.headers)).json()["items"]
    assert [(d["status"], d["last_error"]) for d in failed] == [
        ("failed", "endpoint deactivated before delivery")
    ]
    assert await delivery.deliver_due(50) == 0
    await db.transaction(emit)
    assert await delivery.fan_out(50) == 1
    assert len((await client.get(f"{path}/deliveries", headers=op.headers)).json()["items"]) == 1

    retry = await client.post(f"{BASE}/deliveries/{failed[0]['id']}/retry", headers=op.headers)
    problem(retry, 409, "webhook_inactive")
    problem(await client.post(f"{path}/ping", headers=op.headers), 409, "webhook_inactive")

    await client.patch(path, json={"active": True}, headers=op.headers)
    requeued = await client.post(f"{BASE}/deliveries/{failed[0]['id']}/retry", headers=op.headers)
    assert requeued.status_code == 200, requeued.text
    assert (requeued.json()["status"], requeued.json()["attempts"]) == ("pending", 0)
    again = await client.post(f"{BASE}/deliveries/{failed[0]['id']}/retry", headers=op.headers)
    problem(again, 409, "webhook_delivery_not_failed")


async def test_deliveries_listing_filters_and_limits(client: httpx.AsyncClient) -> None:
    op = await operator(client)
    created = await create(client, op)
    path = f"{BASE}/{created['id']}/deliveries"

    async def emit(session: Any) -> None:
        for n in range(3):
            await outbox.emit(session, f"order.e{n}", {})

    await db.transaction(emit)
    assert await delivery.fan_out(50) == 3
    assert len((await client.get(path, headers=op.headers)).json()["items"]) == 3
    two = await client.get(path, params={"limit": 2}, headers=op.headers)
    assert len(two.json()["items"]) == 2
    none = await client.get(path, params={"status": "delivered"}, headers=op.headers)
    assert none.json()["items"] == []
    bad = await client.get(path, params={"status": "lost"}, headers=op.headers)
    problem(bad, 422, "validation_error")
    problem(
        await client.get(path, params={"limit": 0}, headers=op.headers), 422, "validation_error"
    )
    problem(
        await client.get(path, params={"limit": 201}, headers=op.headers), 422, "validation_error"
    )
