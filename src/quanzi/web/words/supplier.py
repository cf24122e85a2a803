"""Supplier portal words: production batches, produced, tracking upload."""

from __future__ import annotations

from collections.abc import Mapping

# key: (中文, English). Placeholders use str.format names.
MESSAGES: Mapping[str, tuple[str, str]] = {}

# Refusals by their stable problem code: what the reader sees instead of the API's detail.
PROBLEMS: Mapping[str, tuple[str, str]] = {}
