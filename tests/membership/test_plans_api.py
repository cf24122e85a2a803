"""Plans through the API: the operator creates, lists, changes and deactivates them; the
public sees only plans on sale; bad input is refused without writing anything."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from quanzi.membership import rules
from tests.helpers import Account, problem
from tests.membership.support import PLANS, create_plan, plan_body


async def test_create_and_read_plan(client: httpx.AsyncClient, op: Account) -> None:
    plan = await create_plan(
        client,
        op,
        benefits={
            "member_prices": True,
            "free_shipping_threshold_fen": 0,
            "partner_benefits": [
                {"partner": "瑞幸咖啡", "description": "免费咖啡券", "code_pool": ["LK1", "LK2"]},
                {"partner": "Keep", "description": "30 天会员"},
            ],
        },
    )
    assert plan["name"] == "Shop owner"
    assert (plan["price_fen"], plan["duration_days"], plan["active"]) == (39800, 365, True)
    benefits = plan["benefits"]
    assert benefits["member_prices"] is True
    assert benefits["free_shipping_threshold_fen"] == 0
    assert [
        (b["partner"], b["codes_available"], b["codes_issued"], b["grants_waiting"])
        for b in benefits["partner_benefits"]
    ] == [("瑞幸咖啡", 2, 0, 0), ("Keep", 0, 0, 0)]

    fetched = await client.get(f"{PLANS}/{plan['id']}", headers=op.headers)
    assert fetched.status_code == 200
    assert fetched.json() == plan
    listed = await client.get(PLANS, headers=op.headers)
    assert [p["id"] for p in listed.json()["items"]] == [plan["id"]]

    public = await client.get("/api/v1/membership-plans")
    assert public.status_code == 200
    (shown,) = public.json()["items"]
    # The public never sees pool sizes or codes.
    assert shown["benefits"]["partner_benefits"] == [
        {"id": b["id"], "partner": b["partner"], "description": b["description"]}
        for b in benefits["partner_benefits"]
    ]
    single = await client.get(f"/api/v1/membership-plans/{plan['id']}")
    assert single.json() == shown


async def test_defaults_when_benefits_are_left_out(client: httpx.AsyncClient, op: Account) -> None:
    plan = await create_plan(client, op)
    assert plan["benefits"] == {
        "member_prices": True,
        "free_shipping_threshold_fen": None,
        "partner_benefits": [],
    }


async def test_patch_changes_only_what_is_sent(client: httpx.AsyncClient, op: Account) -> None:
    plan = await create_plan(
        client,
        op,
        benefits={
            "free_shipping_threshold_fen": 5000,
            "partner_benefits": [
                {"partner": "瑞幸咖啡", "code_pool": ["LK1"]},
                {"partner": "Keep"},
            ],
        },
    )
    response = await client.patch(
        f"{PLANS}/{plan['id']}",
        json={
            "price_fen": 29900,
            "benefits": {
                "partner_benefits": [
                    {"partner": "Keep", "description": "健身月卡"},
                    {"partner": "网易云音乐"},
                ]
            },
        },
        headers=op.headers,
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["price_fen"], changed["duration_days"]) == (
        "Shop owner",
        29900,
        365,
    )
    assert changed["benefits"]["free_shipping_threshold_fen"] == 5000
    partners = [
        (b["partner"], b["description"], b["active"], b["codes_available"])
        for b in changed["benefits"]["partner_benefits"]
    ]
    # Keep is matched by name (same id), the new partner added, the one left out retired
    # with its pool kept.
    assert sorted(partners) == sorted(
        [("Keep", "健身月卡", True, 0), ("网易云音乐", "", True, 0), ("瑞幸咖啡", "", False, 1)]
    )
    keep_before = next(b for b in plan["benefits"]["partner_benefits"] if b["partner"] == "Keep")
    keep_after = next(b for b in changed["benefits"]["partner_benefits"] if b["partner"] == "Keep")
    assert keep_before["id"] == keep_after["id"]
    public = (await client.get(f"/api/v1/membership-plans/{plan['id']}")).json()
    assert [b["partner"] for b in public["benefits"]["partner_benefits"]] == ["Keep", "网易云音乐"]

    cleared = await client.patch(
        f"{PLANS}/{plan['id']}",
        json={"benefits": {"free_shipping_threshold_fen": None, "member_prices": False}},
        headers=op.headers,
    )
    assert cleared.json()["benefits"]["free_shipping_threshold_fen"] is None
    assert cleared.json()["benefits"]["member_prices"] is False
    assert cleared.json()["price_fen"] == 29900


async def test_deactivated_plan_leaves_the_public_list(
    client: httpx.AsyncClient, op: Account
) -> None:
    cheap = await create_plan(client, op, name="Trial", price_fen=990, duration_days=30)
    owner = await create_plan(client, op)
    response = await client.patch(
        f"{PLANS}/{cheap['id']}", json={"active": False}, headers=op.headers
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    public = (await client.get("/api/v1/membership-plans")).json()["items"]
    assert [p["id"] for p in public] == [owner["id"]]
    problem(await client.get(f"/api/v1/membership-plans/{cheap['id']}"), 404, "plan_not_found")
    # The operator still sees it, after the plans on sale.
    listed = (await client.get(PLANS, headers=op.headers)).json()["items"]
    assert [p["id"] for p in listed] == [owner["id"], cheap["id"]]


@pytest.mark.parametrize(
    "overrides",
    [
        {"price_fen": 0},
        {"price_fen": -39800},
        {"price_fen": rules.MAX_PLAN_PRICE_FEN + 1},
        {"price_fen": 10**30},
        {"price_fen": 398.5},
        {"duration_days": 0},
        {"duration_days": rules.MAX_DURATION_DAYS + 1},
        {"name": ""},
        {"name": "x" * 81},
        {"surprise": True},
        {"benefits": {"free_shipping_threshold_fen": -1}},
        {"benefits": {"partner_benefits": [{"partner": ""}]}},
        {"benefits": {"partner_benefits": [{"partner": "Keep", "extra": 1}]}},
    ],
)
async def test_bad_plans_refused(
    client: httpx.AsyncClient, op: Account, overrides: dict[str, Any]
) -> None:
    response = await client.post(PLANS, json=plan_body(**overrides), headers=op.headers)
    problem(response, 422, "validation_error")
    assert (await client.get(PLANS, headers=op.headers)).json()["items"] == []


async def test_bad_plans_refused_by_the_rules(client: httpx.AsyncClient, op: Account) -> None:
    twice = plan_body(benefits={"partner_benefits": [{"partner": "Keep"}, {"partner": "KEEP"}]})
    problem(await client.post(PLANS, json=twice, headers=op.headers), 422, "duplicate_partner")
    blank = plan_body(name="   ")
    problem(await client.post(PLANS, json=blank, headers=op.headers), 422, "invalid_plan")
    bad_code = plan_body(benefits={"partner_benefits": [{"partner": "K", "code_pool": [" "]}]})
    problem(await client.post(PLANS, json=bad_code, headers=op.headers), 422, "invalid_code")
    assert (await client.get(PLANS, headers=op.headers)).json()["items"] == []

    await create_plan(client, op)
    same = await client.post(PLANS, json=plan_body(name=" Shop  owner "), headers=op.headers)
    problem(same, 409, "plan_name_taken")
    other = await create_plan(client, op, name="Trial")
    renamed = await client.patch(
        f"{PLANS}/{other['id']}", json={"name": "Shop owner"}, headers=op.headers
    )
    problem(renamed, 409, "plan_name_taken")
    bad_patch = await client.patch(
        f"{PLANS}/{other['id']}", json={"price_fen": 0}, headers=op.headers
    )
    problem(bad_patch, 422, "validation_error")


async def test_plans_are_for_operators(
    client: httpx.AsyncClient, op: Account, buyer: Account
) -> None:
    plan = await create_plan(client, op)
    problem(
        await client.post(PLANS, json=plan_body(name="x"), headers=buyer.headers), 403, "forbidden"
    )
    problem(await client.get(PLANS, headers=buyer.headers), 403, "forbidden")
    problem(
        await client.patch(f"{PLANS}/{plan['id']}", json={"active": False}, headers=buyer.headers),
        403,
        "forbidden",
    )
    problem(await client.post(PLANS, json=plan_body(name="y")), 401, "unauthorized")
    unknown = "0190f3a1-0000-7000-8000-000000000000"
    problem(await client.get(f"{PLANS}/{unknown}", headers=op.headers), 404, "plan_not_found")
    problem(
        await client.patch(f"{PLANS}/{unknown}", json={"active": False}, headers=op.headers),
        404,
        "plan_not_found",
    )
