"""A tiny ``checkout`` run end to end: real server processes, load generator process,
invariants, raw baseline and pgbench (PostgreSQL only, a few seconds)."""

from __future__ import annotations

import json

import pytest

from quanzi.bench import runner
from quanzi.bench.common import Options

pytestmark = pytest.mark.postgres_only


async def test_tiny_checkout_run_keeps_its_invariants(tmp_path) -> None:  # type: ignore[no-untyped-def]
    options = Options(
        seconds=2,
        connections=4,
        server_workers=1,
        warmup=1,
        baseline_seconds=1,
        size=50,
        pool_size=4,
        results_dir=tmp_path,
    )
    summary, path = await runner.run("checkout", options)
    assert summary["invariants_ok"] is True, summary
    assert summary["errors"] == 0
    assert summary["throughput_per_s"] > 0
    assert summary["baseline_per_s"] > 0
    assert summary["ratio"] is not None
    assert summary["ratio"] > 0
    full = json.loads(path.read_text())
    assert {check["name"] for check in full["invariants"]} >= {
        "stock conserved (stock + reserved + sold)",
        "ledger trial balance is 0",
        "each paid order booked once in the ledger",
    }
    assert full["baseline"]["pgbench"]["transactions"] > 0
