"""The one-transaction-per-request rule: commit on success, nothing saved on any error,
retry on lost races, after-commit actions only after a commit."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import func, select

from quanzi.core import db
from quanzi.core.errors import Conflict, install_error_handlers
from quanzi.core.outbox import OutboxEvent, emit
from quanzi.identity.deps import Session


def build_app(calls: list[str]) -> FastAPI:
    router = APIRouter(route_class=db.TransactionalRoute)

    @router.post("/ok")
    async def ok(session: Session) -> dict[str, str]:
        await emit(session, "test.ok", {})

        async def note() -> None:
            calls.append("after-commit")

        db.after_commit(session, note)
        return {"status": "ok"}

    @router.post("/refused")
    async def refused(session: Session) -> None:
        await emit(session, "test.refused", {})

        async def note() -> None:
            calls.append("must-not-run")

        db.after_commit(session, note)
        raise Conflict("no", code="nope")

    @router.post("/crash")
    async def crash(session: Session) -> None:
        await emit(session, "test.crash", {})
        raise RuntimeError("boom")

    @router.post("/flaky")
    async def flaky(session: Session) -> dict[str, int]:
        await emit(session, "test.flaky", {"attempt": len(calls)})
        calls.append("attempt")
        if len(calls) < 3:
            raise db.RetryTransaction()
        return {"attempts": len(calls)}

    @router.post("/always-busy")
    async def always_busy(session: Session) -> None:
        await emit(session, "test.busy", {})
        raise db.RetryTransaction()

    @router.post("/text")
    async def text(session: Session, body: dict[str, str]) -> dict[str, str]:
        # No validator on purpose: whatever text arrives goes to the database.
        await emit(session, "test.text", {})
        await emit(session, body["topic"], {})
        return {"status": "stored"}

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    return app


async def count(topic: str) -> int:
    async def work(session: Session) -> int:
        return int(
            await session.scalar(select(func.count()).where(OutboxEvent.topic == topic)) or 0
        )

    return await db.transaction(work)


@pytest.fixture
async def client_and_calls(database: str):  # type: ignore[no-untyped-def]
    calls: list[str] = []
    transport = httpx.ASGITransport(app=build_app(calls), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, calls


async def test_commit_and_after_commit(client_and_calls) -> None:  # type: ignore[no-untyped-def]
    client, calls = client_and_calls
    assert (await client.post("/ok")).status_code == 200
    assert await count("test.ok") == 1
    assert calls == ["after-commit"]


async def test_problem_rolls_back_and_skips_after_commit(client_and_calls) -> None:  # type: ignore[no-untyped-def]
    client, calls = client_and_calls
    response = await client.post("/refused")
    assert response.status_code == 409
    assert await count("test.refused") == 0
    assert calls == []


async def test_crash_rolls_back_and_answers_problem_json(client_and_calls) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_and_calls
    response = await client.post("/crash")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert await count("test.crash") == 0


async def test_lost_race_is_retried_whole(client_and_calls) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_and_calls
    response = await client.post("/flaky")
    assert response.json() == {"attempts": 3}
    # Only the successful attempt's write survived.
    assert await count("test.flaky") == 1


async def test_endless_retry_ends_in_busy_not_500(client_and_calls) -> None:  # type: ignore[no-untyped-def]
    client, _ = client_and_calls
    response = await client.post("/always-busy")
    assert response.status_code == 503
    assert response.json()["code"] == "busy"
    assert await count("test.busy") == 0


@pytest.mark.postgres_only
async def test_text_the_database_cannot_store_is_a_422_and_nothing_is_saved(
    client_and_calls: tuple[httpx.AsyncClient, list[str]],
) -> None:
    client, _ = client_and_calls
    answer = await client.post("/text", json={"topic": "a\x00b"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_text"
    assert await count("test.text") == 0
    assert (await client.post("/text", json={"topic": "fine"})).status_code == 200
    assert await count("test.text") == 1
