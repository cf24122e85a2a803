"""Storefront and console faces: templates and static files served by the app."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
