from __future__ import annotations

import pytest

from quanzi.bench import loadgen, stats
from quanzi.bench.baseline import STATEMENTS
from quanzi.bench.common import top_frames


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert stats.percentile(values, 0.50) == 50.0
    assert stats.percentile(values, 0.95) == 95.0
    assert stats.percentile(values, 0.99) == 99.0
    assert stats.percentile(values, 1.0) == 100.0
    assert stats.percentile([7.0], 0.99) == 7.0
    assert stats.percentile([], 0.5) == 0.0
    with pytest.raises(ValueError, match="fraction"):
        stats.percentile(values, 0)


def test_summary_of_unsorted_latencies() -> None:
    summary = stats.summarize([30.0, 10.0, 20.0, 40.0])
    assert (summary.count, summary.mean_ms, summary.p50_ms, summary.max_ms) == (4, 25.0, 20.0, 40.0)
    assert summary.p99_ms == 40.0
    assert stats.summarize([]).count == 0
    assert stats.rate(50, 10.0) == 5.0
    assert stats.rate(1, 0.0) == 0.0
    assert stats.ratio(1.0, 4.0) == 0.25
    assert stats.ratio(1.0, 0.0) is None


def test_merging_processes_pools_latencies_and_adds_counts() -> None:
    part = {
        "latencies": {"place": [1.0, 3.0]},
        "outcomes": {"place ok": 2, "place error:500:internal_error": 1},
        "units": {"orders_paid": 2},
        "all_units": {"orders_paid": 3},
        "unanswered": 1,
        "requests": 3,
        "window_seconds": 2.0,
    }
    other = {
        "latencies": {"place": [2.0], "pay": [4.0]},
        "outcomes": {"place ok": 1, "pay ok": 1},
        "units": {"orders_paid": 1},
        "all_units": {"orders_paid": 1},
        "unanswered": 0,
        "requests": 2,
        "window_seconds": 2.0,
    }
    merged = loadgen.merge([part, other])
    assert merged.units == {"orders_paid": 3}
    assert merged.throughput("orders_paid") == 1.5
    assert merged.errors == 1
    assert merged.errors_by_code == {"place error:500:internal_error": 1}
    assert merged.latency["place"].p50_ms == 2.0
    assert merged.overall.count == 4
    assert merged.all_units == {"orders_paid": 4}
    assert merged.unanswered == 1


def test_pgbench_gets_one_line_statements() -> None:
    for statement in STATEMENTS.values():
        script = statement.pgbench_sql
        assert "\n" not in script
        assert script.endswith(";")
        assert "$1" not in script
        assert "$1" in statement.asyncpg_sql


def test_top_frames_from_collapsed_stacks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "process 1;main (app.py:1);place (/src/quanzi/orders/placement.py:10) 3\n"
        "process 1;main (app.py:1);pay (/src/quanzi/payments/service.py:20) 1\n"
    )
    found = top_frames(raw)
    assert found["samples"] == 4
    assert found["self"][0] == {"frame": "place (quanzi/orders/placement.py)", "percent": 75.0}
    assert {"frame": "main (app.py)", "percent": 100.0} in found["inclusive"]
