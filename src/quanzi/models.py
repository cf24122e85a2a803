"""Import every module's tables so ``Base.metadata`` knows the whole schema (Alembic)."""

from __future__ import annotations

import importlib
import pkgutil

import quanzi


def import_all_models() -> None:
    for info in pkgutil.iter_modules(quanzi.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"quanzi.{info.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"quanzi.{info.name}.models":
                    raise
    importlib.import_module("quanzi.core.outbox")
    importlib.import_module("quanzi.core.idempotency")
