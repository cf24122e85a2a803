"""The load generator: virtual users running a scenario's flow over keep-alive HTTP.

It runs in its own process(es) (``multiprocessing``, spawn), never inside the server or
the orchestrator, so its CPU shows up as a separate process on the machine. Each process
runs ``connections / processes`` virtual users on one event loop; each virtual user owns
one connection and repeats the flow until the time is up or the request budget is spent.

A flow is an ``async def flow(vu: VirtualUser) -> None`` importable by name
(``"package.module:function"``). It makes requests through :meth:`VirtualUser.call`,
which times them and classifies the answer: ``ok`` (2xx/3xx), ``refused`` (a 4xx whose
problem ``code`` the flow expects, e.g. ``insufficient_stock`` in a flash sale) or
``error`` (anything else, transport failures included). The flow calls
:meth:`VirtualUser.done` for each unit of work it completes (an order placed and paid,
an attempt resolved): the throughput is units per second of the measured window.

Requests that start during the warm-up are not measured.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from queue import Empty
from typing import Any

from quanzi.bench import stats
from quanzi.bench.http import HttpClient, Response, TransportError

Flow = Callable[["VirtualUser"], Awaitable[None]]

STOP_GRACE_SECONDS = 30.0


class FlowAborted(Exception):
    """The flow cannot go on with this iteration (an error was already recorded)."""


@dataclass(frozen=True)
class LoadSpec:
    """What to run: ``flow`` (``"module:function"``) with one ``inputs`` item per virtual
    user (cycled if there are fewer), against ``port`` on 127.0.0.1."""

    flow: str
    port: int
    connections: int
    seconds: float
    warmup_seconds: float = 2.0
    max_requests: int = 1_000_000
    processes: int = 1
    inputs: list[dict[str, Any]] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)
    seed: int = 1


@dataclass
class _Recorder:
    window_start: float
    window_end: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    # Over the whole run, warm-up included: what clients were told, for the invariants.
    all_units: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0

    def measured(self, started: float) -> bool:
        return self.window_start <= started < self.window_end


class VirtualUser:
    """One simulated client: a connection, its input, and the process's shared state."""

    def __init__(
        self,
        index: int,
        client: HttpClient,
        data: dict[str, Any],
        shared: dict[str, Any],
        recorder: _Recorder,
        budget: list[int],
        rng: random.Random,
    ) -> None:
        self.index = index
        self.client = client
        self.data = data
        self.shared = shared
        # The flow's own memory for this virtual user (e.g. which member acts next).
        self.state: dict[str, Any] = {}
        self.rng = rng
        self._recorder = recorder
        self._budget = budget

    @property
    def out_of_budget(self) -> bool:
        return self._budget[0] <= 0 or time.monotonic() >= self._recorder.window_end

    async def call(
        self,
        label: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        refusals: Iterable[str] = (),
    ) -> Response | None:
        """Make one request; the response if it succeeded or was an expected refusal,
        ``None`` after an error (already counted)."""
        self._budget[0] -= 1
        started = time.monotonic()
        try:
            response = await self.client.request(method, path, json_body=json_body, headers=headers)
        except TransportError as exc:
            self._recorder.unanswered += 1
            self._record(label, started, f"error:transport:{exc}")
            return None
        if response.status < 400:
            outcome = "ok"
        else:
            code = response.problem_code or "-"
            kind = "refused" if code in set(refusals) else "error"
            outcome = f"{kind}:{response.status}:{code}"
        self._record(label, started, outcome)
        return None if outcome.startswith("error") else response

    def _record(self, label: str, started: float, outcome: str) -> None:
        recorder = self._recorder
        if not recorder.measured(started):
            return
        elapsed_ms = (time.monotonic() - started) * 1000
        recorder.latencies.setdefault(label, []).append(elapsed_ms)
        recorder.outcomes[f"{label} {outcome}"] += 1
        recorder.requests += 1

    def done(self, unit: str = "unit", count: int = 1) -> None:
        """Count ``count`` completed units of work (in the throughput if the iteration ends
        in the measured window)."""
        self._recorder.all_units[unit] += count
        if self._recorder.measured(time.monotonic()):
            self._recorder.units[unit] += count


def load_flow(name: str) -> Flow:
    module_name, _, attribute = name.partition(":")
    flow: Flow = getattr(importlib.import_module(module_name), attribute)
    return flow


async def _run_process(spec: LoadSpec, part: int, start_at: float) -> dict[str, Any]:
    flow = load_flow(spec.flow)
    per_process = _split(spec.connections, spec.processes)[part]
    first = sum(_split(spec.connections, spec.processes)[:part])
    # Sleep until the common start so every process measures the same window.
    await asyncio.sleep(max(0.0, start_at - time.time()))
    now = time.monotonic()
    recorder = _Recorder(
        window_start=now + spec.warmup_seconds, window_end=now + spec.warmup_seconds + spec.seconds
    )
    budget = [_split(spec.max_requests, spec.processes)[part]]
    shared = dict(spec.shared)
    inputs = spec.inputs or [{}]

    async def user(index: int) -> None:
        vu = VirtualUser(
            index,
            HttpClient(spec.port),
            inputs[index % len(inputs)],
            shared,
            recorder,
            budget,
            random.Random(spec.seed * 1_000_003 + index),
        )
        try:
            while not vu.out_of_budget:
                try:
                    await flow(vu)
                except FlowAborted:
                    continue
        finally:
            await vu.client.close()

    await asyncio.gather(*(user(first + i) for i in range(per_process)))
    ended = time.monotonic()
    return {
        "latencies": recorder.latencies,
        "outcomes": dict(recorder.outcomes),
        "units": dict(recorder.units),
        "requests": recorder.requests,
        "all_units": dict(recorder.all_units),
        "unanswered": recorder.unanswered,
        "window_seconds": max(0.0, min(ended, recorder.window_end) - recorder.window_start),
    }


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _process_main(spec: LoadSpec, part: int, start_at: float, out: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        out.put((part, asyncio.run(_run_process(spec, part, start_at))))
    except BaseException as exc:
        out.put((part, {"crash": repr(exc)}))
        raise


@dataclass(frozen=True)
class LoadResult:
    seconds: float
    units: dict[str, int]
    requests: int
    outcomes: dict[str, int]
    latency: dict[str, stats.LatencySummary]
    overall: stats.LatencySummary
    all_units: dict[str, int] = field(default_factory=dict)
    unanswered: int = 0

    def throughput(self, unit: str = "unit") -> float:
        return stats.rate(self.units.get(unit, 0), self.seconds)

    @property
    def errors(self) -> int:
        return sum(count for key, count in self.outcomes.items() if " error:" in key)

    @property
    def errors_by_code(self) -> dict[str, int]:
        return {key: count for key, count in self.outcomes.items() if " error:" in key}

    def as_dict(self) -> dict[str, Any]:
        return {
            "window_seconds": round(self.seconds, 3),
            "units": self.units,
            "requests": self.requests,
            "all_units": self.all_units,
            "unanswered": self.unanswered,
            "requests_per_s": round(stats.rate(self.requests, self.seconds), 1),
            "outcomes": dict(sorted(self.outcomes.items())),
            "errors": self.errors,
            "latency": {label: s.as_dict() for label, s in sorted(self.latency.items())},
            "latency_all": self.overall.as_dict(),
        }


def run_load(spec: LoadSpec) -> LoadResult:
    """Run ``spec`` in ``spec.processes`` fresh processes and merge what they measured."""
    if spec.connections < 1 or spec.processes < 1 or spec.seconds <= 0:
        raise ValueError("connections, processes and seconds must be positive")
    processes = min(spec.processes, spec.connections)
    spec = LoadSpec(**{**spec.__dict__, "processes": processes})
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    # Spawning takes about a second per process on this machine: start together later.
    start_at = time.time() + 1.5 + 0.5 * processes
    workers = [
        context.Process(target=_process_main, args=(spec, part, start_at, out), daemon=True)
        for part in range(processes)
    ]
    for worker in workers:
        worker.start()
    deadline = start_at + spec.warmup_seconds + spec.seconds + STOP_GRACE_SECONDS + 30
    parts: dict[int, dict[str, Any]] = {}
    try:
        while len(parts) < processes:
            try:
                part, data = out.get(timeout=max(1.0, deadline - time.time()))
            except Empty:
                raise RuntimeError("the load generator did not finish in time") from None
            if "crash" in data:
                raise RuntimeError(f"load generator process {part} crashed: {data['crash']}")
            parts[part] = data
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
    return merge(list(parts.values()))


def merge(parts: list[dict[str, Any]]) -> LoadResult:
    """Combine the processes' measurements (same window, added counts, pooled latencies)."""
    latencies: dict[str, list[float]] = {}
    outcomes: Counter[str] = Counter()
    units: Counter[str] = Counter()
    all_units: Counter[str] = Counter()
    requests = 0
    unanswered = 0
    for part in parts:
        for label, values in part["latencies"].items():
            latencies.setdefault(label, []).extend(values)
        outcomes.update(part["outcomes"])
        units.update(part["units"])
        all_units.update(part["all_units"])
        requests += part["requests"]
        unanswered += part["unanswered"]
    seconds = max((part["window_seconds"] for part in parts), default=0.0)
    return LoadResult(
        seconds=seconds,
        units=dict(units),
        requests=requests,
        outcomes=dict(outcomes),
        latency={label: stats.summarize(values) for label, values in latencies.items()},
        overall=stats.summarize(value for values in latencies.values() for value in values),
        all_units=dict(all_units),
        unanswered=unanswered,
    )
