"""Partner benefit codes (商务合作): one code per benefit on each activation, from the
operator's pool, each code handed out once; an empty pool leaves the grant waiting until
codes arrive."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.membership import codes
from quanzi.membership import service as membership
from quanzi.membership.models import BenefitGrant
from tests.helpers import Account, problem, quick_accounts, register
from tests.membership.support import (
    PLANS,
    become_member,
    bought,
    create_plan,
    issued_codes,
    my_membership,
    outbox_count,
)
from tests.orders.support import refund


async def _plan_with_pool(
    client: httpx.AsyncClient, op: Account, pool: list[str]
) -> dict[str, Any]:
    return await create_plan(
        client,
        op,
        benefits={
            "partner_benefits": [
                {"partner": "瑞幸咖啡", "description": "咖啡券", "code_pool": pool},
            ]
        },
    )


async def _grants(client: httpx.AsyncClient, who: Account) -> list[tuple[str, str | None]]:
    mine = await my_membership(client, who)
    assert mine is not None
    return [(g["status"], g["code"]) for g in mine["partner_benefits"]]


async def _upload(
    client: httpx.AsyncClient, op: Account, plan_id: str, benefit: str, codes_in: list[str]
) -> httpx.Response:
    return await client.post(
        f"{PLANS}/{plan_id}/partner-codes",
        json={"benefit": benefit, "codes": codes_in},
        headers=op.headers,
    )


async def test_codes_handed_out_once_then_waiting_then_served(
    client: httpx.AsyncClient, op: Account
) -> None:
    plan = await _plan_with_pool(client, op, ["LK-1", "LK-2"])
    members = [await register(client, name=f"M{i}") for i in range(3)]
    for member in members:
        await become_member(client, member, plan["id"])
    first, second, third = [await _grants(client, m) for m in members]
    assert sorted([*first, *second]) == [("issued", "LK-1"), ("issued", "LK-2")]
    # The pool ran dry: the activation still succeeded, the code is owed.
    assert third == [("pending_code", None)]
    third_membership = await my_membership(client, members[2])
    assert third_membership is not None
    assert third_membership["status"] == "active"
    admin = (await client.get(f"{PLANS}/{plan['id']}", headers=op.headers)).json()
    (benefit,) = admin["benefits"]["partner_benefits"]
    assert (benefit["codes_available"], benefit["codes_issued"], benefit["grants_waiting"]) == (
        0,
        2,
        1,
    )

    # An upload by partner name: the code already in the pool is skipped, the new one goes
    # straight to the member who was waiting.
    response = await _upload(client, op, plan["id"], "瑞幸咖啡", ["LK-2", " LK-3 ", "LK-4"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["benefit_id"], body["added"], body["duplicates"], body["issued_now"]) == (
        benefit["id"],
        2,
        1,
        1,
    )
    (after,) = body["plan"]["benefits"]["partner_benefits"]
    assert (after["codes_available"], after["codes_issued"], after["grants_waiting"]) == (1, 3, 0)
    ((status, code),) = await _grants(client, members[2])
    assert status == "issued"
    assert code in {"LK-3", "LK-4"}
    # Uploading by id works the same; repeating an upload adds nothing.
    again = await _upload(client, op, plan["id"], benefit["id"], ["LK-3", "LK-4"])
    assert (again.json()["added"], again.json()["duplicates"]) == (0, 2)
    assert await outbox_count("membership.partner_code_issued") == 3


async def test_renewal_grants_again_and_refund_cancels_waiting_grant(
    client: httpx.AsyncClient, op: Account, buyer: Account
) -> None:
    plan = await _plan_with_pool(client, op, ["LK-1"])
    await become_member(client, buyer, plan["id"])
    renewal = await become_member(client, buyer, plan["id"])
    assert await _grants(client, buyer) == [("issued", "LK-1"), ("pending_code", None)]
    # The renewal is refunded before a code came: its grant is cancelled, not served later.
    assert (await refund(client, op, renewal["id"])).status_code == 200
    assert await _grants(client, buyer) == [("issued", "LK-1"), ("cancelled", None)]
    response = await _upload(client, op, plan["id"], "瑞幸咖啡", ["LK-2"])
    assert response.json()["issued_now"] == 0
    assert await _grants(client, buyer) == [("issued", "LK-1"), ("cancelled", None)]


async def test_retired_benefit_is_not_granted(
    client: httpx.AsyncClient, op: Account, buyer: Account
) -> None:
    plan = await _plan_with_pool(client, op, ["LK-1"])
    await client.patch(
        f"{PLANS}/{plan['id']}",
        json={"benefits": {"partner_benefits": [{"partner": "Keep", "code_pool": ["K-1"]}]}},
        headers=op.headers,
    )
    await become_member(client, buyer, plan["id"])
    mine = await my_membership(client, buyer)
    assert mine is not None
    assert [(g["partner"], g["code"]) for g in mine["partner_benefits"]] == [("Keep", "K-1")]


async def test_sweep_serves_grants_left_waiting(
    client: httpx.AsyncClient, op: Account, buyer: Account
) -> None:
    plan = await _plan_with_pool(client, op, [])
    await become_member(client, buyer, plan["id"])
    benefit_id = uuid.UUID(plan["benefits"]["partner_benefits"][0]["id"])

    # Codes that reached the pool without serving anyone (as when an upload raced an
    # activation): the worker finds the waiting grant.
    async def stock_pool(session: AsyncSession) -> int:
        return await codes.add_codes(session, benefit_id, ["LATE-1", "LATE-2"])

    assert await db.transaction(stock_pool) == 2
    assert await membership.issue_waiting(100) == 1
    assert await membership.issue_waiting(100) == 0
    ((status, code),) = await _grants(client, buyer)
    assert status == "issued"
    assert code in {"LATE-1", "LATE-2"}


async def test_upload_refusals(client: httpx.AsyncClient, op: Account, buyer: Account) -> None:
    plan = await _plan_with_pool(client, op, [])
    other = await create_plan(
        client, op, name="Other", benefits={"partner_benefits": [{"partner": "Keep"}]}
    )
    other_benefit = other["benefits"]["partner_benefits"][0]["id"]
    problem(await _upload(client, op, plan["id"], "Nobody", ["X"]), 404, "benefit_not_found")
    problem(await _upload(client, op, plan["id"], other_benefit, ["X"]), 404, "benefit_not_found")
    problem(await _upload(client, op, str(uuid.uuid4()), "瑞幸咖啡", ["X"]), 404, "plan_not_found")
    problem(await _upload(client, op, plan["id"], "瑞幸咖啡", ["ok", "  "]), 422, "invalid_code")
    problem(await _upload(client, op, plan["id"], "瑞幸咖啡", []), 422, "validation_error")
    problem(await _upload(client, buyer, plan["id"], "瑞幸咖啡", ["X"]), 403, "forbidden")
    assert await issued_codes() == []


@pytest.mark.postgres_only
async def test_concurrent_activations_never_share_a_code(
    client: httpx.AsyncClient, op: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = [f"CODE-{i}" for i in range(5)]
    plan = await _plan_with_pool(client, op, pool)
    members = await quick_accounts(12, monkeypatch)
    orders = [await bought(client, member, plan["id"]) for member in members]
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/payments/{order['payment']['id']}/sandbox/confirm",
                headers=member.headers,
            )
            for member, order in zip(members, orders, strict=True)
        )
    )
    assert [r.status_code for r in responses] == [200] * 12

    async def grants(session: AsyncSession) -> list[tuple[str, str | None]]:
        rows = await session.execute(select(BenefitGrant.status, BenefitGrant.code))
        return [(status, code) for status, code in rows.all()]

    # Every activation succeeded with one grant; no code went to two grants.
    found = await db.transaction(grants)
    assert len(found) == 12
    handed = [code for _, code in found if code is not None]
    assert len(handed) == len(set(handed)) <= 5
    assert set(handed) <= set(pool)
    # A grant that found the free codes momentarily locked is served by the sweep.
    await membership.issue_waiting(100)
    found = await db.transaction(grants)
    assert Counter(status for status, _ in found) == {"issued": 5, "pending_code": 7}
    assert sorted(code for _, code in found if code is not None) == pool
    taken = await issued_codes()
    assert len({grant for _, grant in taken}) == 5

    async def active(session: AsyncSession) -> int:
        from quanzi.membership.models import Membership

        count = await session.scalar(select(func.count()).select_from(Membership))
        return int(count or 0)

    assert await db.transaction(active) == 12
