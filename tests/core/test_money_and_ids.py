from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanzi.core import money
from quanzi.core.ids import new_id


@pytest.mark.parametrize(
    ("base", "rate", "expected"),
    [(10000, 1000, 1000), (999, 1000, 99), (1, 9999, 0), (0, 500, 0), (12345, 10000, 12345)],
)
def test_apply_rate_rounds_down(base: int, rate: int, expected: int) -> None:
    assert money.apply_rate(base, rate) == expected


def test_apply_rate_refuses_negatives() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        money.apply_rate(-1, 100)


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_spread_always_adds_up(total: int, weights: list[int]) -> None:
    parts = money.spread(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    if sum(weights) > 0:
        assert all(part >= 0 for part in parts)


def test_spread_last_takes_remainder() -> None:
    assert money.spread(100, [1, 1, 1]) == [33, 33, 34]
    assert money.spread(7, [0, 0]) == [0, 7]


def test_format_yuan() -> None:
    assert money.format_yuan(12345) == "¥123.45"
    assert money.format_yuan(-5) == "-¥0.05"


def test_ids_are_time_ordered_uuid7() -> None:
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(value.version == 7 for value in ids)
    # Same-millisecond ids are random within the millisecond; across milliseconds they sort.
    assert ids[0].int >> 80 <= ids[-1].int >> 80
