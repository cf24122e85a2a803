"""The `quanzi` command line, run as a real process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.helpers import problem


def quanzi(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUANZI_DATABASE_URL": database}
    return subprocess.run(
        [sys.executable, "-m", "quanzi", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_create_operator_then_log_in(database: str, client: httpx.AsyncClient) -> None:
    made = quanzi(
        database, "create-operator", "--phone", "13811112222", "--password", "op-secret-1"
    )
    assert made.returncode == 0, made.stderr
    assert "operator 13811112222 is ready" in made.stdout
    login = await client.post(
        "/api/v1/auth/login", json={"phone": "13811112222", "password": "op-secret-1"}
    )
    assert login.status_code == 200, login.text
    assert "operator" in login.json()["user"]["roles"]

    # Running it again re-sets the password and keeps one account.
    again = quanzi(
        database, "create-operator", "--phone", "13811112222", "--password", "op-secret-2"
    )
    assert again.returncode == 0, again.stderr
    stale = await client.post(
        "/api/v1/auth/login", json={"phone": "13811112222", "password": "op-secret-1"}
    )
    problem(stale, 401, "invalid_credentials")


def test_bad_input_is_a_clear_error_not_a_traceback(database: str) -> None:
    bad = quanzi(database, "create-operator", "--phone", "12345", "--password", "op-secret-1")
    assert bad.returncode == 2
    assert "invalid_phone" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_migrate_is_idempotent(database: str) -> None:
    for _ in range(2):
        done = quanzi(database, "migrate")
        assert done.returncode == 0, done.stderr
        assert "database is up to date" in done.stdout


def test_help_lists_the_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "quanzi", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("serve", "migrate", "demo", "create-operator", "worker"):
        assert command in done.stdout
