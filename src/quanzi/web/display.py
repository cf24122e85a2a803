"""Pure display helpers for the pages: money, durations, local times, initials."""

from __future__ import annotations

from datetime import datetime

from quanzi.core.config import get_settings


def yuan(fen: int) -> str:
    """``29800`` → ``¥298``; ``6990`` → ``¥69.90`` (integer arithmetic, no floats)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}" if cents == 0 else f"{sign}¥{whole:,}.{cents:02d}"


def clock_text(seconds: int) -> str:
    """Time left as ``H:MM:SS`` (hours may pass 24); never negative."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def duration_text(lang: str, minutes: int) -> str:
    """A campaign's group duration in words: ``24小时`` / ``24 hours``, ``30分钟``."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours}小时" if lang == "zh" else f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes}分钟" if lang == "zh" else f"{minutes} minutes"


def local_time(value: datetime | None) -> str:
    """An instant in the shop's time zone, to the minute."""
    if value is None:
        return ""
    return value.astimezone(get_settings().timezone).strftime("%Y-%m-%d %H:%M")


def initials(name: str) -> str:
    """The avatar text of a display name: the first Chinese character, or up to two
    initials of Latin words (``Li Wei`` → ``LW``)."""
    words = name.split()
    if not words:
        return "?"
    first = words[0][0]
    if first.isascii() and len(words) > 1 and words[1][:1].isascii():
        return (first + words[1][0]).upper()
    return first.upper()
