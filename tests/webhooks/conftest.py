"""A real HTTP receiver on 127.0.0.1 (uvicorn in the test's event loop) and settings control."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quanzi.core.config import reset_settings


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every request. ``/hook`` answers ``status``; ``/redirect`` answers 307 to
    ``/hook``; ``/hang`` never answers until the receiver stops."""

    port: int = 0
    status: int = 200
    requests: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.requests.append(Received(request.url.path, dict(request.headers), body))
        if request.url.path == "/redirect":
            return Response(status_code=307, headers={"Location": self.url("/hook")})
        if request.url.path == "/hang":
            await self.release.wait()
        return Response(status_code=self.status)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    app = Starlette(routes=[Route("/{path:path}", recv.handle, methods=["POST", "GET"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    recv.port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=2
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    try:
        yield recv
    finally:
        recv.release.set()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


Configure = Callable[..., None]


@pytest.fixture
def configure(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Configure]:
    """``configure(webhook_max_attempts=3, ...)`` sets ``QUANZI_*`` for this test only."""

    def apply(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"QUANZI_{name.upper()}", str(value).lower())
        reset_settings()

    yield apply
    monkeypatch.undo()
    reset_settings()
