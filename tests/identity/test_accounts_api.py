from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from quanzi.core.clock import FrozenClock
from tests.helpers import PASSWORD, new_phone, problem, register


async def test_register_login_me_logout(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    created = await client.post(
        "/api/v1/auth/register",
        json={
            "phone": f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}",
            "password": PASSWORD,
            "display_name": "  Xiao Li ",
        },
    )
    assert created.status_code == 201, created.text
    user = created.json()["user"]
    assert user["phone"] == phone
    assert user["display_name"] == "Xiao Li"
    assert user["roles"] == ["member"]
    assert len(user["invite_code"]) == 8

    login = await client.post("/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {**user, "membership": None, "rank": "member"}

    out = await client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 204
    again = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    problem(again, 401, "token_revoked")
    # The registration token is a separate session and still works.
    first = created.json()["token"]
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
    ).status_code == 200


async def test_duplicate_phone_is_409(client: httpx.AsyncClient) -> None:
    account = await register(client)
    again = await client.post(
        "/api/v1/auth/register",
        json={"phone": account.phone, "password": PASSWORD, "display_name": "Twin"},
    )
    problem(again, 409, "phone_taken")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"phone": "12345", "password": PASSWORD, "display_name": "A"}, 422, "invalid_phone"),
        ({"phone": "12800138000", "password": PASSWORD, "display_name": "A"}, 422, "invalid_phone"),
        (
            {"phone": "138001380001", "password": PASSWORD, "display_name": "A"},
            422,
            "invalid_phone",
        ),
        ({"phone": "13800138000", "password": "short", "display_name": "A"}, 422, "weak_password"),
        (
            {"phone": "13800138000", "password": "11111111", "display_name": "A"},
            422,
            "weak_password",
        ),
        (
            {"phone": "13800138000", "password": PASSWORD, "display_name": "   "},
            422,
            "invalid_display_name",
        ),
        ({"phone": "13800138000", "password": PASSWORD}, 422, "validation_error"),
        (
            {
                "phone": "13800138000",
                "password": PASSWORD,
                "display_name": "A",
                "invite_code": "NOPE2345",
            },
            422,
            "invite_code_unknown",
        ),
        (
            {"phone": "13800138000", "password": PASSWORD, "display_name": "A", "admin": True},
            422,
            "validation_error",
        ),
    ],
)
async def test_register_refusals(
    client: httpx.AsyncClient, body: dict[str, object], status: int, code: str
) -> None:
    problem(await client.post("/api/v1/auth/register", json=body), status, code)


async def test_validation_errors_list_fields(client: httpx.AsyncClient) -> None:
    body = problem(
        await client.post("/api/v1/auth/register", json={"phone": 1}), 422, "validation_error"
    )
    fields = {error["field"] for error in body["errors"]}
    assert {"phone", "password", "display_name"} <= fields


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register", content=b'{"phone": ', headers={"content-type": "application/json"}
    )
    problem(response, 400, "malformed_json")


async def test_wrong_password_and_unknown_phone_look_the_same(client: httpx.AsyncClient) -> None:
    account = await register(client)
    wrong = await client.post(
        "/api/v1/auth/login", json={"phone": account.phone, "password": "nope-nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"phone": new_phone(), "password": PASSWORD}
    )
    assert (
        problem(wrong, 401, "invalid_credentials")["detail"]
        == problem(unknown, 401, "invalid_credentials")["detail"]
    )


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer not-a-token", "Basic abc", "bearer    "]
)
async def test_me_needs_a_valid_token(client: httpx.AsyncClient, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] in {"unauthorized", "invalid_token"}


async def test_expired_token(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    account = await register(client)
    clock.advance(timedelta(days=31))
    problem(await client.get("/api/v1/me", headers=account.headers), 401, "token_expired")


async def test_logout_all_revokes_every_session(client: httpx.AsyncClient) -> None:
    account = await register(client)
    second = (
        await client.post("/api/v1/auth/login", json={"phone": account.phone, "password": PASSWORD})
    ).json()["token"]
    assert (
        await client.post("/api/v1/auth/logout-all", headers=account.headers)
    ).status_code == 204
    problem(
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}),
        401,
        "token_revoked",
    )


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.json() == {"status": "ok"}


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    problem(await client.get("/api/v1/nope"), 404, "not_found")
