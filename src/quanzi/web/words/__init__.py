"""The pages' words, one module per area, merged into ``quanzi.web.i18n``."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from quanzi.web.words import console, console_setup, owner, storefront, supplier

AREAS: tuple[ModuleType, ...] = (storefront, owner, supplier, console, console_setup)


def merge(name: str) -> dict[str, tuple[str, str]]:
    """One catalogue from every area's ``name`` mapping; a key defined twice is a mistake."""
    merged: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        catalogue: Mapping[str, tuple[str, str]] = getattr(area, name)
        twice = merged.keys() & catalogue.keys()
        if twice:
            raise RuntimeError(f"{name} defined twice: {sorted(twice)} ({area.__name__})")
        merged.update(catalogue)
    return merged
