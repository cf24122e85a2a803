"""A ceiling on request bodies, for every route, and no NUL in any text they carry.

Handlers read the whole body into memory (the transactional route reads it before the
handler runs), so a body is bounded before it is read: a declared ``Content-Length``
above the limit, or a streamed body that grows past it, fails the read with
:class:`~quanzi.core.errors.PayloadTooLarge`. The app's own error handlers answer it
(problem+json for the API, a page for the pages), and nothing the handler would have
written happens.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quanzi.core.errors import PayloadTooLarge, Unprocessable

# How a NUL character travels in a JSON string (an escape not itself escaped: ``\\u0000``
# is the six characters of a text about NUL) and in a URL-encoded form.
_NUL_SPELLINGS = {
    "application/json": re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00"),
    "application/x-www-form-urlencoded": re.compile(rb"%00|\x00"),
}


def refuse_nul_text(content_type: str, body: bytes) -> None:
    """Refuse a JSON or form body whose text holds a NUL character: PostgreSQL cannot
    store one (the insert would fail with a 500) and no honest client sends it."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    spelling = _NUL_SPELLINGS.get(media_type)
    if spelling is not None and spelling.search(body):
        raise Unprocessable("Text must not contain NUL characters.", code="invalid_text")


class BodyLimit:
    """ASGI middleware refusing request bodies larger than ``limit`` bytes."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_large = declared is not None and (not declared.isdigit() or int(declared) > self.limit)
        seen = 0

        async def bounded() -> Message:
            nonlocal seen
            if too_large:
                raise self._refusal()
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise self._refusal()
            return message

        await self.app(scope, bounded, send)

    def _refusal(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"Send at most {self.limit // 1024} KiB in one request.")
