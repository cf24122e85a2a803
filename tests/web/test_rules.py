"""Pure helpers of the pages: money and time display, languages, redirects, templates."""

from __future__ import annotations

import re

import pytest

from quanzi.orders.rules import STATUSES
from quanzi.web import TEMPLATES_DIR, display, i18n
from quanzi.web.auth import safe_next


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (29800, "¥298"),
        (6990, "¥69.90"),
        (5, "¥0.05"),
        (0, "¥0"),
        (198000, "¥1,980"),
        (-1050, "-¥10.50"),
    ],
)
def test_yuan(fen: int, text: str) -> None:
    assert display.yuan(fen) == text


def test_clock_and_duration_text() -> None:
    assert display.clock_text(86400) == "24:00:00"
    assert display.clock_text(3661) == "1:01:01"
    assert display.clock_text(-5) == "0:00:00"
    assert display.duration_text("zh", 1440) == "24小时"
    assert display.duration_text("en", 60) == "1 hour"
    assert display.duration_text("en", 90) == "90 minutes"


@pytest.mark.parametrize(
    ("name", "avatar"), [("王小梅", "王"), ("Li Wei", "LW"), ("anna", "A"), ("", "?"), ("  ", "?")]
)
def test_initials(name: str, avatar: str) -> None:
    assert display.initials(name) == avatar


def test_language_choice() -> None:
    assert i18n.pick_lang(None, None) == "zh"
    assert i18n.pick_lang("en", "zh") == "en"
    assert i18n.pick_lang(None, "en") == "en"
    assert i18n.pick_lang("fr", "de") == "zh"
    assert i18n.translate("en", "seats_missing", n=2) == "2 more needed"
    assert i18n.problem_text("zh", "group_full", "full").startswith("这个团已经满员")
    assert i18n.problem_text("en", "some_new_code", "Detail from the service.") == (
        "Detail from the service."
    )


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("/orders", "/orders"),
        ("/checkout?group=1&x=2", "/checkout?group=1&x=2"),
        (None, "/"),
        ("", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("orders", "/"),
        ("/a\r\nSet-Cookie: x", "/"),
    ],
)
def test_safe_next(raw: str | None, safe: str) -> None:
    assert safe_next(raw) == safe


def test_every_text_the_templates_use_is_in_both_languages() -> None:
    used: set[str] = set()
    prefixes: set[str] = set()
    for template in TEMPLATES_DIR.rglob("*.html"):
        source = template.read_text()
        used |= set(re.findall(r"_\('([a-z0-9_]+)'", source))
        prefixes |= set(re.findall(r"_\('([a-z0-9_]+_)' ~", source))
    assert used, "no texts found"
    missing = used - prefixes - set(i18n.MESSAGES)
    assert not missing, missing
    for key, (zh, en) in i18n.MESSAGES.items():
        assert zh.strip(), key
        assert en.strip(), key
        assert sorted(re.findall(r"{(\w+)}", zh)) == sorted(re.findall(r"{(\w+)}", en)), key
    # Texts picked by a status or mode (``_('status_' ~ order.status)``) exist for each.
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in i18n.MESSAGES), prefix
    for status in STATUSES:
        assert f"status_{status}" in i18n.MESSAGES
    for status in ("pending", "open", "succeeded", "failed"):
        assert f"group_status_{status}" in i18n.MESSAGES
        assert f"money_{status}" in i18n.MESSAGES
    for mode in ("solo", "open", "join"):
        assert f"checkout_{mode}" in i18n.MESSAGES
