"""A minimal HTTP/1.1 keep-alive client for the load generator.

A general client (httpx) spends more CPU per request than the server's own framework; on
a two-core machine that CPU is taken from the system under test. This one writes the
request bytes directly and parses only the status line and the framing headers.
Connections go to 127.0.0.1 only: the benchmarks never send load anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

LOOPBACK = "127.0.0.1"


class TransportError(Exception):
    """The connection broke or the answer could not be parsed (counted as an error)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def problem_code(self) -> str | None:
        """The RFC 9457 ``code`` member of an error answer, if any."""
        if self.status < 400:
            return None
        try:
            data = self.json()
        except ValueError:
            return None
        code = data.get("code") if isinstance(data, dict) else None
        return str(code) if code is not None else None


class HttpClient:
    """One keep-alive connection; reconnects after an error or ``Connection: close``."""

    def __init__(self, port: int, *, host: str = LOOPBACK, timeout: float = 30.0) -> None:
        if host != LOOPBACK:
            raise ValueError("the load generator only talks to 127.0.0.1")
        self.host = host
        self.port = port
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if json_body is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body)}")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        try:
            return await asyncio.wait_for(self._exchange(head + body), self.timeout)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError) as exc:
            await self.close()
            raise TransportError(type(exc).__name__) from exc
        except TransportError:
            await self.close()
            raise

    async def _exchange(self, payload: bytes) -> Response:
        reader, writer = await self._connect()
        writer.write(payload)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = head.decode("latin-1").partition("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise TransportError(f"bad status line {status_line!r}")
        status = int(parts[1])
        length: int | None = None
        chunked = False
        close = False
        for line in header_block.split("\r\n"):
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.strip().lower() == "close"
        if chunked:
            body = await _read_chunked(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            close = True
        if close:
            await self.close()
        return Response(status, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
