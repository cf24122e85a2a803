"""The pages' words in Simplified Chinese (the default) and English.

A page picks its language from ``?lang=`` (which also sets the ``lang`` cookie), else the
cookie, else Chinese. Templates call ``_('key')``; refusals from the services are shown
through :data:`PROBLEMS` by their stable ``code``, falling back to the service's own
(English) detail for a code this catalogue does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quanzi.web import words

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}

# Each area keeps its words in its own module of ``quanzi.web.words``; a key means one text.
MESSAGES: Mapping[str, tuple[str, str]] = words.merge("MESSAGES")
PROBLEMS: Mapping[str, tuple[str, str]] = words.merge("PROBLEMS")


def pick_lang(query: str | None, cookie: str | None) -> str:
    """The page language: an explicit ``?lang=`` wins, then the cookie, then Chinese."""
    for candidate in (query, cookie):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG


def translate(lang: str, key: str, **values: Any) -> str:
    """The text of ``key`` in ``lang``; unknown keys raise (a test checks the templates)."""
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def problem_text(lang: str, code: str, detail: str) -> str:
    """What a shopper reads for a refusal with ``code``."""
    known = PROBLEMS.get(code)
    if known is None:
        return detail
    return known[1] if lang == "en" else known[0]
