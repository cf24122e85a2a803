"""Operator console words for setting the shop up: catalog, group campaigns and live groups,
production batches, membership plans and the commission plan editor."""

from __future__ import annotations

from collections.abc import Mapping

# key: (中文, English). Placeholders use str.format names.
MESSAGES: Mapping[str, tuple[str, str]] = {}

# Refusals by their stable problem code: what the operator reads instead of the API's detail.
PROBLEMS: Mapping[str, tuple[str, str]] = {}
