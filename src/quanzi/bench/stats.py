"""Latency and throughput statistics (pure functions, tested without a server)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values: the smallest value such that at
    least ``fraction`` of all values are ≤ it. ``0.0`` for no values."""
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    if not sorted_values:
        return 0.0
    rank = math.ceil(fraction * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


@dataclass(frozen=True)
class LatencySummary:
    count: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "count": self.count,
            "mean_ms": round(self.mean_ms, 2),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
        }


def summarize(latencies_ms: Iterable[float]) -> LatencySummary:
    values = sorted(latencies_ms)
    if not values:
        return LatencySummary(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    return LatencySummary(
        count=len(values),
        mean_ms=sum(values) / len(values),
        p50_ms=percentile(values, 0.50),
        p95_ms=percentile(values, 0.95),
        p99_ms=percentile(values, 0.99),
        max_ms=values[-1],
    )


def rate(count: int, seconds: float) -> float:
    """Events per second over a window; ``0.0`` for an empty window."""
    return count / seconds if seconds > 0 else 0.0


def ratio(value: float, baseline: float) -> float | None:
    """``value / baseline`` rounded to 3 places; ``None`` when there is no baseline."""
    return round(value / baseline, 3) if baseline > 0 else None
