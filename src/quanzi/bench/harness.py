"""Throwaway databases and the processes under test (server, workers, baseline app).

Every process is started by this module in its own process group and stopped by that
group's id, so a benchmark never leaves a server behind and never touches processes it
did not start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from quanzi.bench.http import HttpClient, TransportError

log = logging.getLogger("quanzi.bench")

DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "quanzi_bench_"


def admin_dsn() -> str:
    return os.environ.get("QUANZI_BENCH_PG_ADMIN", DEFAULT_ADMIN_DSN)


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    dsn: str  # asyncpg / libpq form

    @property
    def sqlalchemy_url(self) -> str:
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(admin_dsn())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def throwaway_database(scenario: str) -> AsyncIterator[BenchDatabase]:
    """A new, migrated ``quanzi_bench_*`` database, dropped afterwards whatever happens."""
    from quanzi.core.migrate import upgrade

    name = f"{DATABASE_PREFIX}{scenario.replace('-', '_')}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base = admin_dsn().rsplit("/", 1)[0]
    database = BenchDatabase(name=name, dsn=f"{base}/{name}")
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        logging.getLogger("alembic").setLevel(logging.WARNING)
        await asyncio.to_thread(upgrade, database.sqlalchemy_url)
        yield database
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Process:
    """A child process in its own group, with its output in a log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    port: int | None = None
    pids: list[int] = field(default_factory=list)

    def start(self) -> Process:
        with open(self.log_path, "wb") as out:
            self.popen = subprocess.Popen(
                self.args,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        """SIGINT the group (graceful shutdown), then SIGKILL it if it lingers."""
        if self.popen is None or self.popen.poll() is not None:
            return
        group = os.getpgid(self.popen.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGINT)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            self.popen.wait(timeout=5)


def base_env(database: BenchDatabase, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("QUANZI_") or key.startswith("QUANZI_BENCH_")
    }
    env.update(
        QUANZI_DATABASE_URL=database.sqlalchemy_url,
        QUANZI_RUN_WORKER_IN_PROCESS="false",
        QUANZI_PAYMENT_PROVIDER="sandbox",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class ProcessSet:
    """The processes of one run; all stopped on exit, in reverse start order."""

    def __init__(self, log_dir: Path | None = None) -> None:
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="quanzi-bench-"))
        self.processes: list[Process] = []

    def spawn(
        self, name: str, args: Sequence[str], env: dict[str, str], port: int | None = None
    ) -> Process:
        process = Process(name, list(args), env, self.log_dir / f"{name}.log", port=port)
        self.processes.append(process.start())
        return process

    def stop(self, process: Process) -> None:
        process.stop()
        if process in self.processes:
            self.processes.remove(process)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


@contextlib.contextmanager
def process_set() -> Iterator[ProcessSet]:
    processes = ProcessSet()
    try:
        yield processes
    finally:
        processes.stop_all()


async def wait_healthy(process: Process, path: str, *, within: float = 60.0) -> None:
    """Poll ``path`` on the process's port until it answers 200."""
    assert process.port is not None
    deadline = time.monotonic() + within
    client = HttpClient(process.port, timeout=2.0)
    try:
        while time.monotonic() < deadline:
            if not process.running():
                raise RuntimeError(f"{process.name} exited early:\n{process.log_tail()}")
            try:
                response = await client.request("GET", path)
                if response.status == 200:
                    return
            except TransportError:
                pass
            await asyncio.sleep(0.2)
    finally:
        await client.close()
    raise RuntimeError(f"{process.name} did not become healthy:\n{process.log_tail()}")


async def start_server(
    processes: ProcessSet, database: BenchDatabase, *, workers: int, pool_size: int
) -> Process:
    """``quanzi serve --workers W`` on a free port, background sweeps off."""
    port = free_port()
    process = processes.spawn(
        "server",
        [
            sys.executable,
            "-m",
            "quanzi",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        base_env(database, QUANZI_DATABASE_POOL_SIZE=str(pool_size)),
        port=port,
    )
    await wait_healthy(process, "/api/v1/health")
    return process


def start_workers(
    processes: ProcessSet, database: BenchDatabase, count: int, **env: str
) -> list[Process]:
    """``count`` separate ``quanzi worker`` processes."""
    return [
        processes.spawn(
            f"worker-{index}",
            [sys.executable, "-m", "quanzi", "worker"],
            base_env(database, **env),
        )
        for index in range(count)
    ]
