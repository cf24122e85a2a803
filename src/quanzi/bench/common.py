"""What every scenario shares: options, the load run, the raw baseline, profiling."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quanzi.bench import baseline, harness
from quanzi.bench.harness import BenchDatabase, Process
from quanzi.bench.invariants import Check
from quanzi.bench.loadgen import LoadResult, LoadSpec, run_load

FLOWS = "quanzi.bench.flows"


@dataclass
class Options:
    """Knobs of one run (``quanzi bench SCENARIO --help`` lists them)."""

    seconds: float = 20.0
    connections: int = 64
    server_workers: int = 2
    warmup: float = 3.0
    baseline_seconds: float | None = None
    max_requests: int = 5_000_000
    loadgen_processes: int = 1
    pool_size: int = 10
    size: int | None = None
    profile: bool = False
    results_dir: Path = field(default_factory=lambda: Path("bench/results"))

    @property
    def baseline_window(self) -> float:
        return self.baseline_seconds or min(self.seconds, 10.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "connections": self.connections,
            "server_workers": self.server_workers,
            "warmup": self.warmup,
            "baseline_seconds": self.baseline_window,
            "max_requests": self.max_requests,
            "loadgen_processes": self.loadgen_processes,
            "pool_size": self.pool_size,
            "size": self.size,
            "profile": self.profile,
        }


@dataclass
class Outcome:
    """What a scenario hands back to the runner."""

    unit: str
    throughput_per_s: float
    p99_ms: float
    errors: int
    checks: list[Check]
    quanzi: dict[str, Any]
    baseline: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def baseline_per_s(self) -> float:
        value: float = self.baseline.get("http", {}).get("throughput_per_s", 0.0)
        return value


async def load(
    port: int,
    flow: str,
    options: Options,
    *,
    inputs: list[dict[str, Any]],
    shared: dict[str, Any],
    seconds: float | None = None,
    warmup: float | None = None,
    connections: int | None = None,
) -> LoadResult:
    spec = LoadSpec(
        flow=f"{FLOWS}:{flow}",
        port=port,
        connections=connections or options.connections,
        seconds=seconds or options.seconds,
        warmup_seconds=options.warmup if warmup is None else warmup,
        max_requests=options.max_requests,
        processes=options.loadgen_processes,
        inputs=inputs,
        shared=shared,
    )
    return await asyncio.to_thread(run_load, spec)


def split_tokens(tokens: list[str], users: int) -> list[dict[str, Any]]:
    """One input per virtual user, each with its own disjoint slice of member tokens."""
    return [{"tokens": tokens[i::users] or tokens[:1]} for i in range(users)]


def load_summary(result: LoadResult, unit: str) -> dict[str, Any]:
    return {"unit": unit, "throughput_per_s": round(result.throughput(unit), 1), **result.as_dict()}


async def measure_baseline(
    database: BenchDatabase,
    options: Options,
    statement: str,
    *,
    shared: dict[str, Any],
    pgbench_variables: dict[str, int],
    pgbench_prelude: str = "",
    connections: int | None = None,
    pgbench_clients: int | None = None,
) -> dict[str, Any]:
    """The raw ceiling for ``statement``: through the bare ASGI app under the same load
    generator, then through pgbench."""
    with harness.process_set() as processes:
        port = harness.free_port()
        env = harness.base_env(
            database,
            QUANZI_BENCH_BASELINE_DSN=database.dsn,
            QUANZI_BENCH_BASELINE_STATEMENT=statement,
            QUANZI_BENCH_BASELINE_POOL=str(options.pool_size),
        )
        app = processes.spawn(
            "baseline", baseline.server_args(port, options.server_workers), env, port=port
        )
        await harness.wait_healthy(app, "/health")
        result = await load(
            port,
            "baseline",
            options,
            inputs=[{}],
            shared={**shared, "baseline": statement},
            seconds=options.baseline_window,
            warmup=min(options.warmup, 2.0),
            connections=connections,
        )
    clients = pgbench_clients or options.server_workers * options.pool_size
    pgbench = await asyncio.to_thread(
        baseline.run_pgbench,
        database.dsn,
        baseline.STATEMENTS[statement],
        clients=clients,
        seconds=max(1, round(options.baseline_window)),
        variables=pgbench_variables,
        prelude=pgbench_prelude,
    )
    http = load_summary(result, "baseline")
    return {
        "statement": statement,
        "sql": " ".join(baseline.STATEMENTS[statement].asyncpg_sql.split()),
        "http": http,
        "pgbench": pgbench.as_dict(),
    }


# --- profiling -------------------------------------------------------------------------


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


@dataclass
class Profiler:
    """py-spy sampling the server's processes (all uvicorn workers) during the load."""

    process: subprocess.Popen[bytes] | None
    output: Path

    @classmethod
    def start(cls, target: Process, seconds: float, output: Path) -> Profiler:
        binary = py_spy()
        if binary is None:
            raise RuntimeError("py-spy is not installed (pip install py-spy)")
        output.parent.mkdir(parents=True, exist_ok=True)
        popen = subprocess.Popen(
            [
                binary,
                "record",
                "--pid",
                str(target.pid),
                "--subprocesses",
                "--nonblocking",
                "--rate",
                "97",
                "--duration",
                str(max(1, round(seconds))),
                "--format",
                "raw",
                "--output",
                str(output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return cls(popen, output)

    def finish(self, top: int = 20) -> dict[str, Any]:
        if self.process is not None:
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return top_frames(self.output, top)


def maybe_profile(options: Options, server: Process, scenario: str) -> Profiler | None:
    """A py-spy recording of ``server`` over warm-up and window, if ``--profile``."""
    if not options.profile:
        return None
    stamp = uuid.uuid4().hex[:6]
    return Profiler.start(
        server,
        options.warmup + options.seconds,
        options.results_dir / f"{scenario}-{stamp}.pyspy.txt",
    )


def top_frames(path: Path, top: int = 20) -> dict[str, Any]:
    """Self and inclusive sample shares per function from py-spy's collapsed stacks."""
    if not path.exists():
        return {"error": "no profile written"}
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(frame) for frame in stack.split(";")]
        frames = [frame for frame in frames if not frame.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
            if "(quanzi/" in frame and "(quanzi/bench/" not in frame:
                ours[frame] += count

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"frame": frame, "percent": round(100 * count / total, 1)}
            for frame, count in counter.most_common(top)
        ]

    return {
        "samples": total,
        "self": share(own),
        "inclusive": share(inclusive),
        # Quanzi's own functions, inclusive: where the application spends its share.
        "quanzi": share(ours),
        "raw": str(path),
    }


def _frame_name(frame: str) -> str:
    # py-spy writes "function (path/to/file.py:line)": keep the function and the module path
    # from site-packages or src on, without the line (one entry per function).
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    file_part = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in file_part:
            file_part = file_part.split(marker, 1)[1]
            break
    return f"{name} ({file_part})" if file_part else name


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
