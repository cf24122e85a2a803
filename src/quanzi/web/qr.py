"""QR codes of share links, drawn server-side as inline SVG (no image requests, no JS)."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, *, title: str) -> Markup:
    """An inline ``<svg>`` of ``url`` with an accessible title; medium error correction
    so a slightly blurred phone photo still scans."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=4, border=2, dark="#111", light="#fff", title=title, svgclass="qr")
    return Markup(svg)
