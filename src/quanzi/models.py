"""Import every module's tables so ``Base.metadata`` knows the whole schema (Alembic)."""

from __future__ import annotations

import importlib
import pkgutil

import quanzi


def import_all_models() -> None:
    """Every ``models`` module under ``quanzi`` (sub-packages included)."""
    for info in pkgutil.walk_packages(quanzi.__path__, prefix="quanzi."):
        if info.name.endswith(".models") and info.name != "quanzi.models":
            importlib.import_module(info.name)
    importlib.import_module("quanzi.core.outbox")
    importlib.import_module("quanzi.core.idempotency")
