"""The commission plan over HTTP: the default version 1, new versions, the compliance
refusals (422 plan_not_compliant naming the rule) and warnings, operator only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.referral.commission import plans
from tests.helpers import Account, operator, problem, register

URL = "/api/v1/admin/commission-plan"


@pytest.fixture
async def op(client: httpx.AsyncClient) -> Account:
    return await operator(client)


def body(**changes: Any) -> dict[str, Any]:
    return {"share_rate_bp": 1_200, "override_rates_bp": [300]} | changes


async def test_the_default_plan_is_version_one(client: httpx.AsyncClient, op: Account) -> None:
    response = await client.get(URL, headers=op.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "version": 1,
        "share_rate_bp": 1_000,
        "override_rates_bp": [300],
        "depth": 2,
        "freeze_days": 7,
        "rank_thresholds": {"sales_manager": 90, "service_manager": 900},
        "rank_counting": "team",
        "base_pay_fen": {"sales_manager": 50_000, "service_manager": 300_000},
        "category_rates_bp": {},
        "sku_rates_bp": {},
        "rank_override_bp": {"sales_manager": 0, "service_manager": 0},
        "earning": "members",
        "team_volume_rule": None,
        "membership_fee_rate_bp": 0,
        "recruit_reward_fen": 0,
        "created_at": None,
        "warnings": [],
    }


async def test_put_stores_a_new_version_and_get_returns_it(
    client: httpx.AsyncClient, op: Account
) -> None:
    sku = "0190f0f0-0000-7000-8000-000000000001"
    sent = body(
        override_rates_bp=[300, 100],
        freeze_days=10,
        rank_thresholds={"sales_manager": 3, "service_manager": 30},
        rank_counting="direct",
        base_pay_fen={"sales_manager": 10_000, "service_manager": 60_000},
        category_rates_bp={"茶": 1_500},
        sku_rates_bp={sku: 2_000},
        earning="everyone",
    )
    stored = await client.put(URL, json=sent, headers=op.headers)
    assert stored.status_code == 200, stored.text
    got = (await client.get(URL, headers=op.headers)).json()
    assert got == stored.json()
    assert (got["version"], got["depth"], got["warnings"]) == (2, 3, [])
    assert {k: got[k] for k in sent} == sent
    assert got["created_at"] is not None

    again = await client.put(URL, json=body(), headers=op.headers)
    assert again.json()["version"] == 3
    assert again.json()["freeze_days"] == 7  # a PUT is a whole plan: defaults fill the gaps

    # older versions stay readable: orders keep the version they were paid under
    old = await client.get(f"{URL}/versions/2", headers=op.headers)
    assert old.json()["override_rates_bp"] == [300, 100]
    assert (await client.get(f"{URL}/versions/1", headers=op.headers)).json()[
        "share_rate_bp"
    ] == 1_000
    problem(
        await client.get(f"{URL}/versions/9", headers=op.headers), 404, "plan_version_not_found"
    )

    async def read(session: AsyncSession) -> tuple[int, int, int]:
        current = await plans.current_plan(session)
        second = await plans.plan_version(session, 2)
        return current.version, second.depth, second.sku_rates_bp[sku]

    assert await db.transaction(read) == (3, 3, 2_000)


async def test_four_levels_are_refused_naming_the_rule(
    client: httpx.AsyncClient, op: Account
) -> None:
    refused = problem(
        await client.put(URL, json=body(override_rates_bp=[300, 100, 50]), headers=op.headers),
        422,
        "plan_not_compliant",
    )
    assert refused["rule"] == "max_depth"
    assert "max_depth" in refused["detail"]
    assert "禁止传销条例" in refused["detail"]
    assert "pyramid" in refused["detail"]
    assert [v["rule"] for v in refused["violations"]] == ["max_depth"]
    # nothing was stored
    assert (await client.get(URL, headers=op.headers)).json()["version"] == 1


@pytest.mark.parametrize("field", [{"membership_fee_rate_bp": 500}, {"recruit_reward_fen": 2_000}])
async def test_paying_for_recruiting_is_refused(
    client: httpx.AsyncClient, op: Account, field: dict[str, int]
) -> None:
    refused = problem(
        await client.put(URL, json=body(**field), headers=op.headers), 422, "plan_not_compliant"
    )
    assert refused["rule"] == "no_entry_fee_reward"
    assert "入门费" in refused["detail"]


async def test_over_the_cap_is_refused_and_all_violations_listed(
    client: httpx.AsyncClient, op: Account
) -> None:
    refused = problem(
        await client.put(
            URL,
            json=body(share_rate_bp=4_900, override_rates_bp=[100, 100, 100], recruit_reward_fen=1),
            headers=op.headers,
        ),
        422,
        "plan_not_compliant",
    )
    assert [v["rule"] for v in refused["violations"]] == [
        "max_depth",
        "no_entry_fee_reward",
        "max_total_rate",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"share_rate_bp": -1},
        {"override_rates_bp": [10_001]},
        {"freeze_days": -1},
        {"rank_counting": "all"},
        {"rank_thresholds": {"sales_manager": 1}},
        {"unknown": 1},
    ],
)
async def test_malformed_input_is_a_validation_error(
    client: httpx.AsyncClient, op: Account, bad: dict[str, Any]
) -> None:
    problem(await client.put(URL, json=body(**bad), headers=op.headers), 422, "validation_error")


async def test_bad_thresholds_are_refused(client: httpx.AsyncClient, op: Account) -> None:
    refused = problem(
        await client.put(
            URL,
            json=body(rank_thresholds={"sales_manager": 50, "service_manager": 50}),
            headers=op.headers,
        ),
        422,
        "plan_not_compliant",
    )
    assert refused["rule"] == "rank_thresholds"


async def test_team_volume_rules_are_stored_with_warnings(
    client: httpx.AsyncClient, op: Account
) -> None:
    stored = await client.put(
        URL,
        json=body(
            rank_override_bp={"sales_manager": 100, "service_manager": 200},
            team_volume_rule={"min_monthly_team_sales_fen": 1_000_000},
            freeze_days=3,
        ),
        headers=op.headers,
    )
    assert stored.status_code == 200, stored.text
    warnings = stored.json()["warnings"]
    assert [w["rule"] for w in warnings] == ["team_volume", "rank_override", "short_freeze"]
    assert "团队计酬" in warnings[0]["message"]
    got = (await client.get(URL, headers=op.headers)).json()
    assert got["warnings"] == warnings
    assert got["team_volume_rule"] == {"min_monthly_team_sales_fen": 1_000_000}


async def test_only_operators(client: httpx.AsyncClient) -> None:
    member = await register(client)
    problem(await client.get(URL, headers=member.headers), 403, "forbidden")
    problem(await client.put(URL, json=body(), headers=member.headers), 403, "forbidden")
    problem(await client.get(URL), 401, "unauthorized")
