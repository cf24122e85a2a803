from __future__ import annotations

import pytest

from quanzi.identity import rules


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("19912345678", "19912345678"),
        ("12800138000", None),
        ("1380013800", None),
        ("23800138000", None),
        ("１３８００１３８０００", None),
        ("", None),
        ("+1 415 555 0100", None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert rules.normalize_phone(raw) == expected


def test_invite_codes_avoid_ambiguous_characters() -> None:
    codes = {rules.new_invite_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and not set(code) & set("01OIL") for code in codes)


def test_mask_phone() -> None:
    assert rules.mask_phone("13800138000") == "138****8000"
