"""Storefront and console faces: server-rendered pages (Jinja2 + htmx), static files."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"
TEMPLATES_DIR = _HERE / "templates"
