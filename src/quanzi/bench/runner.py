"""``quanzi bench SCENARIO``: run one scenario, verify it, compare it to the raw baseline,
write ``bench/results/<scenario>-<timestamp>.json`` and print one JSON line last."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from quanzi.bench import harness, invariants
from quanzi.bench.common import Options, Outcome, write_json
from quanzi.core import clock

Runner = Callable[[Options], Awaitable[Outcome]]

# The targets, as a share of the raw baseline (HTTP through the bare ASGI app).
TARGET_RATIOS = {"checkout": 0.33, "hot-group": 0.33, "hot-sku": 0.5}


# Scenario → "module:function" (imported only when run).
SCENARIOS = {
    "checkout": "checkout:run_checkout",
    "hot-sku": "checkout:run_hot_sku",
    "hot-group": "hot_group:run",
    "expiry": "expiry:run",
    "dashboard": "dashboard:run",
    "commission": "commission:run",
}


def scenario_runner(name: str) -> Runner:
    module_name, _, function = SCENARIOS[name].partition(":")
    module = importlib.import_module(f"quanzi.bench.scenarios.{module_name}")
    runner: Runner = getattr(module, function)
    return runner


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Options()
    parser.add_argument("scenario", choices=list(SCENARIOS))
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="measured window")
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--server-workers", type=int, default=defaults.server_workers)
    parser.add_argument("--warmup", type=float, default=defaults.warmup)
    parser.add_argument(
        "--baseline-seconds", type=float, default=None, help="default: min(seconds, 10)"
    )
    parser.add_argument("--max-requests", type=int, default=defaults.max_requests)
    parser.add_argument("--loadgen-processes", type=int, default=defaults.loadgen_processes)
    parser.add_argument(
        "--pool-size", type=int, default=defaults.pool_size, help="DB pool per server worker"
    )
    parser.add_argument(
        "--size",
        type=int,
        default=None,
        help="the scenario's data size: members (checkout, hot-sku, hot-group), "
        "groups (expiry), orders (dashboard), tree members (commission)",
    )
    parser.add_argument("--profile", action="store_true", help="record the server with py-spy")
    parser.add_argument("--results-dir", type=Path, default=defaults.results_dir)


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        seconds=args.seconds,
        connections=args.connections,
        server_workers=args.server_workers,
        warmup=args.warmup,
        baseline_seconds=args.baseline_seconds,
        max_requests=args.max_requests,
        loadgen_processes=args.loadgen_processes,
        pool_size=args.pool_size,
        size=args.size,
        profile=args.profile,
        results_dir=args.results_dir,
    )


async def _postgres_version() -> str:
    conn = await asyncpg.connect(harness.admin_dsn())
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def run(name: str, options: Options) -> tuple[dict[str, Any], Path]:
    """Run scenario ``name``; returns its summary and where the full result was written."""
    runner = scenario_runner(name)
    started = clock.now()
    outcome = await runner(options)
    finished = clock.now()
    summary = summarize(name, outcome)
    full = {
        **summary,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres": await _postgres_version(),
        },
        "options": options.as_dict(),
        "invariants": [check.as_dict() for check in outcome.checks],
        "quanzi": outcome.quanzi,
        "baseline": outcome.baseline,
        **outcome.extra,
    }
    path = options.results_dir / f"{name}-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    write_json(path, full)
    return summary, path


def summarize(name: str, outcome: Outcome) -> dict[str, Any]:
    baseline_per_s = outcome.baseline_per_s
    pgbench_tps = float(outcome.baseline.get("pgbench", {}).get("tps", 0.0))
    ratio = round(outcome.throughput_per_s / baseline_per_s, 3) if baseline_per_s else None
    summary: dict[str, Any] = {
        "scenario": name,
        "unit": outcome.unit,
        "throughput_per_s": round(outcome.throughput_per_s, 1),
        "baseline_per_s": round(baseline_per_s, 1),
        "ratio": ratio,
        "pgbench_tps": round(pgbench_tps, 1),
        "ratio_to_pgbench": (
            round(outcome.throughput_per_s / pgbench_tps, 3) if pgbench_tps else None
        ),
        "p99_ms": round(outcome.p99_ms, 1),
        "errors": outcome.errors,
        "invariants_ok": invariants.all_ok(outcome.checks),
    }
    if name in TARGET_RATIOS:
        summary["target_ratio"] = TARGET_RATIOS[name]
        summary["target_met"] = ratio is not None and ratio >= TARGET_RATIOS[name]
    if "targets" in outcome.extra:
        summary["target_met"] = all(target["ok"] for target in outcome.extra["targets"])
    for key in ("refunds_per_s", "dashboard_p99_ms", "accrual_ms_per_order"):
        if key in outcome.extra:
            summary[key] = outcome.extra[key]
    return summary


def describe(summary: dict[str, Any], outcome_path: Path) -> str:
    lines = [
        f"scenario        {summary['scenario']}",
        f"throughput      {summary['throughput_per_s']}/s ({summary['unit']})",
        f"raw baseline    {summary['baseline_per_s']}/s over HTTP, "
        f"pgbench {summary['pgbench_tps']} tps",
        f"ratio           {summary['ratio']} (to pgbench {summary['ratio_to_pgbench']})",
        f"p99             {summary['p99_ms']} ms",
        f"errors          {summary['errors']}",
        f"invariants ok   {summary['invariants_ok']}",
        f"full result     {outcome_path}",
    ]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Entry point for ``quanzi bench``; non-zero if an invariant failed."""
    options = options_from(args)
    summary, path = asyncio.run(run(args.scenario, options))
    print(describe(summary, path), file=sys.stderr)
    print(json.dumps(summary, separators=(",", ":")))
    return 0 if summary["invariants_ok"] else 1
