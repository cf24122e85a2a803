"""The whole distribution journey over HTTP: A buys a membership and shares a product, B
opens the link in their own browser, registers, is bound to A and buys; the order
completes, the freeze passes (the real worker round), A withdraws and the operator
approves; the payout is made once."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from quanzi import worker
from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.payments import payouts
from quanzi.payments.payouts import SandboxPayouts
from tests.helpers import operator, register
from tests.orders.support import ADDRESS, ship
from tests.referral.commission.support import Goods, ledger_sound
from tests.wallet.support import balance, wallet


async def test_share_buy_complete_withdraw(
    app: FastAPI,
    client: httpx.AsyncClient,
    goods: Goods,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox = SandboxPayouts()
    monkeypatch.setitem(payouts._providers, "sandbox", sandbox)
    op = await operator(client)
    plan = await client.post(
        "/api/v1/admin/membership-plans",
        json={"name": "Shop owner", "price_fen": 39_800, "duration_days": 365},
        headers=op.headers,
    )
    assert plan.status_code == 201, plan.text

    # A becomes a shop owner: the fee is an order paid like any other
    a = await register(client, name="A")
    bought = await client.post(
        "/api/v1/memberships", json={"plan_id": plan.json()["id"]}, headers=a.headers
    )
    assert bought.status_code == 201, bought.text
    fee_order = bought.json()["order"]
    confirmed = await client.post(
        f"/api/v1/payments/{fee_order['payment']['id']}/sandbox/confirm", headers=a.headers
    )
    assert confirmed.status_code == 200, confirmed.text
    me = (await client.get("/api/v1/me", headers=a.headers)).json()
    assert me["membership"]["status"] == "active"

    # A shares a product
    shared = await client.post(
        "/api/v1/shares", json={"product_id": goods.product_id}, headers=a.headers
    )
    assert shared.status_code == 201, shared.text
    code = shared.json()["code"]

    # B opens the link in their own browser, registers and arrives through it
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        landed = await browser.get(f"/s/{code}")
        assert landed.status_code == 302
        share_cookie = browser.cookies["qz_share"]
        assert share_cookie == code
        b = await register(browser, name="B")
        bound = await browser.post(
            "/api/v1/me/referrer", json={"code": share_cookie}, headers=b.headers
        )
        assert bound.status_code == 200, bound.text
        assert bound.json()["referrer"]["id"] == a.id

        # B buys one tea cake (10000 fen, free shipping) with the share code
        placed = await browser.post(
            "/api/v1/orders",
            json={
                "lines": [{"sku_id": goods.sku, "quantity": 1}],
                "share_code": share_cookie,
                "address": ADDRESS,
            },
            headers={**b.headers, "Idempotency-Key": "journey-order"},
        )
        assert placed.status_code == 201, placed.text
        order = placed.json()
        assert order["total_fen"] == 10_000
        paid = await browser.post(
            f"/api/v1/payments/{order['payment']['id']}/sandbox/confirm", headers=b.headers
        )
        assert paid.status_code == 200, paid.text

        # A earns 10 % of the paid line, pending
        state = await wallet(client, a)
        assert (state["pending_fen"], state["available_fen"]) == (1_000, 0)

        # shipped, received: the freeze starts
        assert (await ship(client, op, order["id"])).status_code == 200
        received = await browser.post(
            f"/api/v1/orders/{order['id']}/confirm-receipt", headers=b.headers
        )
        assert received.status_code == 200, received.text

    clock.advance(timedelta(days=6))
    await worker.run_once()
    assert (await wallet(client, a))["available_fen"] == 0
    clock.advance(timedelta(days=1, seconds=1))
    done = await worker.run_once()
    assert done["commission.release_due"] == 1
    state = await wallet(client, a)
    assert (state["pending_fen"], state["available_fen"]) == (0, 1_000)

    # A withdraws it all; a retried request does not withdraw twice
    headers = {**a.headers, "Idempotency-Key": "journey-withdrawal"}
    asked = await client.post("/api/v1/me/withdrawals", json={"amount_fen": 1_000}, headers=headers)
    again = await client.post("/api/v1/me/withdrawals", json={"amount_fen": 1_000}, headers=headers)
    assert asked.status_code == again.status_code == 201, asked.text
    assert asked.json()["id"] == again.json()["id"]
    withdrawal = asked.json()
    assert (await wallet(client, a))["withdrawing_fen"] == 1_000

    # the operator approves; the payout is made once, after the approval committed
    queue = await client.get("/api/v1/admin/withdrawals?status=requested", headers=op.headers)
    assert [w["id"] for w in queue.json()["items"]] == [withdrawal["id"]]
    approved = await client.post(
        f"/api/v1/admin/withdrawals/{withdrawal['id']}/approve", headers=op.headers
    )
    assert approved.status_code == 200, approved.text
    mine = await client.get(f"/api/v1/me/withdrawals/{withdrawal['id']}", headers=a.headers)
    assert mine.json()["status"] == "paid"
    assert sandbox.calls == 1
    assert await wallet(client, a) == {
        "pending_fen": 0,
        "available_fen": 0,
        "withdrawn_fen": 1_000,
        "debt_fen": 0,
        "withdrawing_fen": 0,
    }
    history = (await client.get("/api/v1/me/wallet/history", headers=a.headers)).json()
    assert [e["kind"] for e in history["items"]] == [
        "withdrawal",
        "commission_release",
        "commission",
    ]
    # the money left through the payout provider; the fee order paid no commission
    assert await balance(accounts.PAYOUT_CLEARING) == -1_000
    assert await balance(accounts.COMMISSION_EXPENSE) == 1_000
    await worker.run_once()
    assert sandbox.calls == 1
    await ledger_sound()
