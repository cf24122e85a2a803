"""Wallet and withdrawals over HTTP: balances, history, requests with minimum, daily limit
and fee, replays, approval with a payout exactly once, rejection, and who may see what."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from quanzi.core.clock import FrozenClock
from quanzi.ledger import rules as accounts
from quanzi.payments import payouts
from quanzi.payments.payouts import PayoutOutcome, PayoutRequest, SandboxPayouts
from quanzi.wallet import service as wallet_service
from tests.helpers import Account, operator, problem, register
from tests.wallet.support import balance, fund, ledger_sound, set_terms, wallet, withdraw


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> SandboxPayouts:
    """A fresh sandbox payout provider per test, to count what was paid."""
    fresh = SandboxPayouts()
    monkeypatch.setitem(payouts._providers, "sandbox", fresh)
    return fresh


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


@pytest.fixture
async def member(client: httpx.AsyncClient) -> Account:
    return await register(client, name="Shop owner")


async def test_a_new_wallet_is_empty(client: httpx.AsyncClient, member: Account) -> None:
    assert await wallet(client, member) == {
        "pending_fen": 0,
        "available_fen": 0,
        "withdrawn_fen": 0,
        "debt_fen": 0,
        "withdrawing_fen": 0,
    }
    history = await client.get("/api/v1/me/wallet/history", headers=member.headers)
    assert history.json() == {"items": [], "next_cursor": None}
    assert (await client.get("/api/v1/me/wallet")).status_code == 401


async def test_default_settings_and_operator_only(
    client: httpx.AsyncClient, op: Account, member: Account
) -> None:
    got = await client.get("/api/v1/admin/withdrawal-settings", headers=op.headers)
    assert got.json() == {
        "min_amount_fen": 1_000,
        "daily_limit_fen": 500_000,
        "fee_bp": 0,
        "fee_min_fen": 0,
    }
    body = {"min_amount_fen": 500, "daily_limit_fen": 20_000, "fee_bp": 60, "fee_min_fen": 10}
    problem(
        await client.put("/api/v1/admin/withdrawal-settings", json=body, headers=member.headers),
        403,
        "forbidden",
    )
    problem(
        await client.put(
            "/api/v1/admin/withdrawal-settings", json={**body, "fee_bp": -1}, headers=op.headers
        ),
        422,
        "validation_error",
    )
    problem(
        await client.put(
            "/api/v1/admin/withdrawal-settings",
            json={**body, "daily_limit_fen": 499},
            headers=op.headers,
        ),
        422,
        "validation_error",
    )
    assert await set_terms(client, op, **body) == body
    got = await client.get("/api/v1/admin/withdrawal-settings", headers=op.headers)
    assert got.json() == body
    problem(await client.get("/api/v1/admin/withdrawals", headers=member.headers), 403, "forbidden")


async def test_withdrawal_takes_amount_and_fee_at_request(
    client: httpx.AsyncClient, op: Account, member: Account, sandbox: SandboxPayouts
) -> None:
    await set_terms(client, op, min_amount_fen=1_000, fee_bp=60, fee_min_fen=50)
    await fund(member.id, 20_000)
    response = await withdraw(client, member, 10_000)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["amount_fen"], created["fee_fen"], created["status"]) == (
        10_000,
        60,
        "requested",
    )
    assert await wallet(client, member) == {
        "pending_fen": 0,
        "available_fen": 9_940,
        "withdrawn_fen": 0,
        "debt_fen": 0,
        "withdrawing_fen": 10_060,
    }
    assert await balance(accounts.WITHDRAWAL_PAYABLE) == -10_060
    # the same money cannot be asked for twice
    problem(await withdraw(client, member, 9_900), 409, "insufficient_balance")
    problem(await withdraw(client, member, 999), 422, "withdrawal_below_minimum")
    assert sandbox.calls == 0
    await ledger_sound()


async def test_approval_pays_out_once(
    client: httpx.AsyncClient, op: Account, member: Account, sandbox: SandboxPayouts
) -> None:
    await set_terms(client, op, fee_bp=100)
    await fund(member.id, 30_000)
    created = (await withdraw(client, member, 20_000)).json()
    url = f"/api/v1/admin/withdrawals/{created['id']}"
    listed = await client.get("/api/v1/admin/withdrawals?status=requested", headers=op.headers)
    assert [w["id"] for w in listed.json()["items"]] == [created["id"]]

    approved = await client.post(f"{url}/approve", headers=op.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    # the payout ran after the commit
    assert sandbox.calls == 1
    assert list(sandbox.paid) == [created["id"]]
    ((request, _),) = sandbox.paid.values()
    assert (request.amount_fen, request.user_id) == (20_000, member.id)
    mine = await client.get(f"/api/v1/me/withdrawals/{created['id']}", headers=member.headers)
    assert mine.json()["status"] == "paid"
    assert mine.json()["provider_payout_id"] == f"sandbox-payout-{created['id']}"
    assert await wallet(client, member) == {
        "pending_fen": 0,
        "available_fen": 9_800,
        "withdrawn_fen": 20_000,
        "debt_fen": 0,
        "withdrawing_fen": 0,
    }
    assert await balance(accounts.PAYOUT_CLEARING) == -20_000
    assert await balance(accounts.WITHDRAWAL_FEE_REVENUE) == -200
    assert await balance(accounts.WITHDRAWAL_PAYABLE) == 0

    # approving again answers the same and pays nothing more; rejecting is too late
    again = await client.post(f"{url}/approve", headers=op.headers)
    assert again.status_code == 200
    assert again.json()["status"] == "paid"
    assert sandbox.calls == 1
    problem(
        await client.post(f"{url}/reject", json={"reason": "late"}, headers=op.headers),
        409,
        "withdrawal_not_pending",
    )
    # the worker finds nothing to retry
    assert await wallet_service.retry_payouts(10) == 0
    await ledger_sound()


async def test_rejection_gives_the_money_back(
    client: httpx.AsyncClient, op: Account, member: Account, sandbox: SandboxPayouts
) -> None:
    await set_terms(client, op, fee_min_fen=100)
    await fund(member.id, 5_000)
    created = (await withdraw(client, member, 4_900)).json()
    assert (await wallet(client, member))["available_fen"] == 0
    url = f"/api/v1/admin/withdrawals/{created['id']}"
    problem(
        await client.post(f"{url}/reject", json={}, headers=op.headers), 422, "validation_error"
    )
    rejected = await client.post(
        f"{url}/reject", json={"reason": "账户信息不符"}, headers=op.headers
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "账户信息不符")
    assert await wallet(client, member) == {
        "pending_fen": 0,
        "available_fen": 5_000,
        "withdrawn_fen": 0,
        "debt_fen": 0,
        "withdrawing_fen": 0,
    }
    problem(await client.post(f"{url}/approve", headers=op.headers), 409, "withdrawal_not_pending")
    again = await client.post(f"{url}/reject", json={"reason": "again"}, headers=op.headers)
    assert again.status_code == 200
    assert again.json()["reason"] == "账户信息不符"
    assert sandbox.calls == 0
    history = (await client.get("/api/v1/me/wallet/history", headers=member.headers)).json()
    assert [(e["kind"], e["pending_fen"], e["available_fen"]) for e in history["items"]] == [
        ("withdrawal_returned", 0, 5_000),
        ("withdrawal", 0, -5_000),
        ("base_pay", 0, 5_000),
    ]
    await ledger_sound()


async def test_daily_limit_resets_at_shop_midnight(
    client: httpx.AsyncClient, op: Account, member: Account, clock: FrozenClock
) -> None:
    await set_terms(client, op, daily_limit_fen=10_000)
    await fund(member.id, 50_000)
    assert (await withdraw(client, member, 6_000)).status_code == 201
    refused = problem(await withdraw(client, member, 4_001), 409, "daily_limit_exceeded")
    assert refused["remaining_today_fen"] == 4_000
    assert (await withdraw(client, member, 4_000)).status_code == 201
    # START is 10:00 in Shanghai; 14 hours later it is the next shop day
    clock.advance(timedelta(hours=14))
    assert (await withdraw(client, member, 10_000)).status_code == 201


async def test_a_rejected_withdrawal_frees_the_daily_limit(
    client: httpx.AsyncClient, op: Account, member: Account
) -> None:
    await set_terms(client, op, daily_limit_fen=10_000)
    await fund(member.id, 50_000)
    created = (await withdraw(client, member, 10_000)).json()
    problem(await withdraw(client, member, 100), 409, "daily_limit_exceeded")
    url = f"/api/v1/admin/withdrawals/{created['id']}/reject"
    assert (await client.post(url, json={"reason": "no"}, headers=op.headers)).status_code == 200
    assert (await withdraw(client, member, 10_000)).status_code == 201


async def test_replays_and_key_reuse(
    client: httpx.AsyncClient, op: Account, member: Account
) -> None:
    await set_terms(client, op)
    await fund(member.id, 10_000)
    first = await withdraw(client, member, 3_000, key="w-1")
    replay = await withdraw(client, member, 3_000, key="w-1")
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    problem(await withdraw(client, member, 4_000, key="w-1"), 409, "idempotency_key_reused")
    assert (await wallet(client, member))["available_fen"] == 7_000
    listed = (await client.get("/api/v1/me/withdrawals", headers=member.headers)).json()
    assert [w["id"] for w in listed["items"]] == [first.json()["id"]]


async def test_someone_elses_withdrawal_is_not_found(
    client: httpx.AsyncClient, op: Account, member: Account
) -> None:
    await set_terms(client, op)
    await fund(member.id, 10_000)
    created = (await withdraw(client, member, 3_000)).json()
    stranger = await register(client, name="Stranger")
    problem(
        await client.get(f"/api/v1/me/withdrawals/{created['id']}", headers=stranger.headers),
        404,
        "withdrawal_not_found",
    )
    assert (await client.get("/api/v1/me/withdrawals", headers=stranger.headers)).json()[
        "items"
    ] == []
    problem(
        await client.post(f"/api/v1/admin/withdrawals/{uuid.uuid4()}/approve", headers=op.headers),
        404,
        "withdrawal_not_found",
    )
    problem(
        await client.post(
            f"/api/v1/admin/withdrawals/{created['id']}/approve", headers=stranger.headers
        ),
        403,
        "forbidden",
    )


async def test_history_pages(client: httpx.AsyncClient, op: Account, member: Account) -> None:
    await set_terms(client, op)
    for amount in (100, 200, 300, 400, 500):
        await fund(member.id, amount)
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (
            await client.get("/api/v1/me/wallet/history", params=params, headers=member.headers)
        ).json()
        seen += [e["available_fen"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [500, 400, 300, 200, 100]
    problem(
        await client.get(
            "/api/v1/me/wallet/history", params={"cursor": "nope"}, headers=member.headers
        ),
        422,
        "invalid_cursor",
    )


class FlakyPayouts:
    """Says "pending" the first time, then what ``then`` says."""

    name = "sandbox"

    def __init__(self, then: PayoutOutcome) -> None:
        self.then = then
        self.calls: list[str] = []

    async def pay_out(self, request: PayoutRequest) -> PayoutOutcome:
        self.calls.append(request.payout_id)
        if len(self.calls) == 1:
            return PayoutOutcome("pending")
        return self.then


@pytest.mark.parametrize(
    ("then", "final", "available"),
    [
        (PayoutOutcome("succeeded", "p-1"), "paid", 2_000),
        (PayoutOutcome("failed", detail="收款账户异常"), "failed", 5_000),
    ],
)
async def test_pending_payouts_are_asked_again_by_the_worker(
    client: httpx.AsyncClient,
    op: Account,
    member: Account,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    then: PayoutOutcome,
    final: str,
    available: int,
) -> None:
    flaky = FlakyPayouts(then)
    monkeypatch.setitem(payouts._providers, "sandbox", flaky)
    await set_terms(client, op)
    await fund(member.id, 5_000)
    created = (await withdraw(client, member, 3_000)).json()
    url = f"/api/v1/admin/withdrawals/{created['id']}"
    await client.post(f"{url}/approve", headers=op.headers)
    assert (await client.get(url, headers=op.headers)).json()["status"] == "approved"
    assert await wallet_service.retry_payouts(10) == 0  # not yet due
    clock.advance(timedelta(minutes=6))
    assert await wallet_service.retry_payouts(10) == 1
    assert flaky.calls == [created["id"], created["id"]]
    assert (await client.get(url, headers=op.headers)).json()["status"] == final
    assert (await wallet(client, member))["available_fen"] == available
    clock.advance(timedelta(minutes=6))
    assert await wallet_service.retry_payouts(10) == 0
    await ledger_sound()
