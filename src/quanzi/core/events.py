"""In-process domain events.

A lower module publishes an event inside its transaction; handlers registered in
``quanzi.wiring`` run in that same transaction (same session), so a reaction either
happens with the change or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")
Handler = Callable[[AsyncSession, Any], Awaitable[None]]

_handlers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[AsyncSession, E], Awaitable[None]]) -> None:
    """Register ``handler`` for ``event_type`` (idempotent: the same handler once)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


async def publish(session: AsyncSession, event: object) -> None:
    """Run every handler of ``type(event)``, in registration order, in this transaction."""
    for handler in _handlers.get(type(event), ()):
        await handler(session, event)


def clear() -> None:
    _handlers.clear()
