"""A ceiling on request bodies, for every route.

Handlers read the whole body into memory (the transactional route reads it before the
handler runs), so a body is bounded before it is read: a declared ``Content-Length``
above the limit, or a streamed body that grows past it, fails the read with
:class:`~quanzi.core.errors.PayloadTooLarge`. The app's own error handlers answer it
(problem+json for the API, a page for the pages), and nothing the handler would have
written happens.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quanzi.core.errors import PayloadTooLarge


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
