"""The one place where modules react to each other's domain events.

Read top to bottom, this file is the business flow across modules. Handlers run inside
the transaction that raised the event.
"""

from __future__ import annotations

from quanzi.core import events


def install() -> None:
    """Subscribe every cross-module reaction (idempotent)."""
    events.clear()
