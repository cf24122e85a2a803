"""Real races on PostgreSQL: one member's concurrent withdrawals never spend more than the
balance, and concurrent approvals of one withdrawal pay it out once."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from quanzi.ledger import rules as accounts
from quanzi.payments import payouts
from quanzi.payments.payouts import SandboxPayouts
from tests.helpers import Account, operator, quick_accounts
from tests.wallet.support import balance, fund, ledger_sound, set_terms, wallet, withdraw

pytestmark = pytest.mark.postgres_only


@pytest.mark.parametrize(("amount", "fee_bp"), [(300, 0), (700, 100)])
async def test_fifty_concurrent_withdrawals_never_exceed_the_balance(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, amount: int, fee_bp: int
) -> None:
    op = await operator(client)
    await set_terms(client, op, min_amount_fen=100, fee_bp=fee_bp)
    (member,) = await quick_accounts(1, monkeypatch)
    await fund(member.id, 10_000)

    responses = await asyncio.gather(*(withdraw(client, member, amount) for _ in range(50)))
    codes = Counter(r.status_code if r.status_code == 201 else r.json()["code"] for r in responses)
    cost = amount + amount * fee_bp // 10_000
    fits = 10_000 // cost
    assert codes == {201: fits, "insufficient_balance": 50 - fits}
    state = await wallet(client, member)
    assert state["available_fen"] == 10_000 - fits * cost >= 0
    assert state["withdrawing_fen"] == fits * cost
    assert state["debt_fen"] == 0
    assert await balance(accounts.member_available(member.id)) <= 0
    await ledger_sound()


async def test_concurrent_approvals_pay_once(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = SandboxPayouts()
    monkeypatch.setitem(payouts._providers, "sandbox", sandbox)
    op = await operator(client)
    await set_terms(client, op)
    members: list[Account] = await quick_accounts(5, monkeypatch)
    ids = []
    for member in members:
        await fund(member.id, 2_000)
        ids.append((await withdraw(client, member, 1_500)).json()["id"])

    attempts = [
        client.post(f"/api/v1/admin/withdrawals/{wid}/approve", headers=op.headers)
        for wid in ids
        for _ in range(8)
    ]
    responses = await asyncio.gather(*attempts)
    assert {r.status_code for r in responses} == {200}
    assert sorted(sandbox.paid) == sorted(ids)
    assert sandbox.calls == len(ids)
    assert await balance(accounts.PAYOUT_CLEARING) == -1_500 * len(ids)
    assert await balance(accounts.WITHDRAWAL_PAYABLE) == 0
    await ledger_sound()
