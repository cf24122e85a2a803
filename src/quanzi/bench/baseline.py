"""The raw baseline: the scenario's essential writes in ONE round trip.

Two measurements of the machine's own ceiling, taken in the same run as the scenario:

* a bare ASGI app (no framework, no ORM) served by uvicorn with the same worker count as
  the real server, answering ``POST /baseline`` with one statement through an asyncpg
  pool, driven by the same load generator;
* ``pgbench`` running the same statement straight against PostgreSQL.

The statements write into the real Quanzi tables (same indexes, foreign keys and ledger
triggers): for an order, the stock decrement, the payment, order and line rows and a
balanced ledger transfer; for a failed group, the group, seats, orders, refund rows, stock
and campaign counters and the refund transfers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from glob import glob
from pathlib import Path
from typing import Any

import asyncpg

# --- statements ------------------------------------------------------------------------

# $1 SKU id, $2 buyer id, $3 address (JSON). One SKU decremented, one paid order booked.
ORDER_PAID = """
WITH sku AS (
    UPDATE skus AS s SET stock = s.stock - 1, sold = s.sold + 1
    FROM products AS p
    WHERE s.id = {sku} AND s.stock >= 1 AND p.id = s.product_id
    RETURNING s.id AS sku_id, s.product_id, p.supplier_id, p.title, s.name,
              s.price_fen, s.supply_price_fen
), ids AS (
    SELECT gen_random_uuid() AS order_id, gen_random_uuid() AS payment_id,
           gen_random_uuid() AS transfer_id, sku.* FROM sku
), pay AS (
    INSERT INTO payments (id, payable_type, payable_id, user_id, provider, amount_fen,
                          refunded_fen, status, description, provider_txn_id, paid_at,
                          created_at)
    SELECT payment_id, 'order', order_id, {buyer}, 'sandbox', price_fen, 0, 'succeeded',
           'baseline', 'baseline-' || payment_id, now(), now()
    FROM ids
), ord AS (
    INSERT INTO orders (id, buyer_id, kind, status, goods_fen, discount_fen,
                        shipping_fee_fen, total_fen, refunded_fen, shipping_refunded_fen,
                        stock_state, payment_id, payment_provider, address, paid_at,
                        updated_at, created_at)
    SELECT order_id, {buyer}, 'regular', 'paid', price_fen, 0, 0, price_fen, 0, 0, 'sold',
           payment_id, 'sandbox', {address}::jsonb, now(), now(), now()
    FROM ids
), line AS (
    INSERT INTO order_lines (id, order_id, position, sku_id, product_id, supplier_id, title,
                             sku_name, unit_price_fen, supply_price_fen, quantity,
                             amount_fen, discount_fen, paid_fen, refunded_fen)
    SELECT gen_random_uuid(), order_id, 0, sku_id, product_id, supplier_id, title, name,
           price_fen, supply_price_fen, 1, price_fen, 0, price_fen, 0
    FROM ids
), xfer AS (
    INSERT INTO ledger_transfers (id, idempotency_key, kind, reference_type, reference_id,
                                  description, created_at)
    SELECT transfer_id, 'order-paid:' || order_id, 'order_paid', 'order', order_id::text,
           'order paid', now()
    FROM ids
), post AS (
    INSERT INTO ledger_postings (id, transfer_id, account_id, amount_fen, created_at)
    SELECT gen_random_uuid(), ids.transfer_id, a.id, leg.amount, now()
    FROM ids
    CROSS JOIN LATERAL (VALUES
        ('provider_clearing', ids.price_fen),
        ('supplier_payable:' || ids.supplier_id, -ids.supply_price_fen),
        ('sales_revenue', ids.supply_price_fen - ids.price_fen)
    ) AS leg(code, amount)
    JOIN ledger_accounts AS a ON a.code = leg.code
)
SELECT order_id FROM ids
"""

# $1 campaign id. The campaign's longest expired open group failed, its paid seats refunded.
GROUP_FAILED = """
WITH g AS (
    UPDATE groups SET status = 'failed', closed_at = now()
    WHERE id = (
        SELECT id FROM groups
        WHERE campaign_id = {campaign} AND status = 'open' AND expires_at <= now()
        ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    RETURNING id, campaign_id
), m AS (
    UPDATE group_members AS gm SET status = 'refunded'
    FROM g WHERE gm.group_id = g.id AND gm.status = 'paid'
    RETURNING gm.order_id, gm.user_id
), o AS (
    UPDATE orders SET status = 'refunded', refunded_fen = orders.total_fen,
                      stock_state = 'returned', updated_at = now()
    FROM m WHERE orders.id = m.order_id
    RETURNING orders.id, orders.total_fen, orders.payment_id
), ids AS (
    SELECT gen_random_uuid() AS refund_id, gen_random_uuid() AS transfer_id, o.* FROM o
), pay AS (
    UPDATE payments SET refunded_fen = payments.amount_fen
    FROM ids WHERE payments.id = ids.payment_id
), refunds AS (
    INSERT INTO order_refunds (id, order_id, amount_fen, reason, actor_id, payment_refund_id,
                               created_at)
    SELECT refund_id, id, total_fen, 'baseline', NULL, NULL, now() FROM ids
), lines AS (
    UPDATE order_lines SET refunded_fen = order_lines.paid_fen
    FROM ids WHERE order_lines.order_id = ids.id
    RETURNING order_lines.sku_id, order_lines.quantity, order_lines.supplier_id,
              order_lines.supply_price_fen, order_lines.paid_fen, ids.transfer_id
), sku AS (
    UPDATE skus SET sold = skus.sold - q.n, stock = skus.stock + q.n
    FROM (SELECT sku_id, sum(quantity) AS n FROM lines GROUP BY sku_id) AS q
    WHERE skus.id = q.sku_id
), seats AS (
    UPDATE group_campaigns SET seats_taken = seats_taken - (SELECT count(*) FROM m)
    WHERE id = (SELECT campaign_id FROM g)
), xfer AS (
    INSERT INTO ledger_transfers (id, idempotency_key, kind, reference_type, reference_id,
                                  description, created_at)
    SELECT transfer_id, 'order-refund:' || refund_id, 'order_refund', 'order', id::text,
           'baseline', now()
    FROM ids
), post AS (
    INSERT INTO ledger_postings (id, transfer_id, account_id, amount_fen, created_at)
    SELECT gen_random_uuid(), lines.transfer_id, a.id, leg.amount, now()
    FROM lines
    CROSS JOIN LATERAL (VALUES
        ('refunds_payable', -lines.paid_fen),
        ('supplier_accrued:' || lines.supplier_id, lines.supply_price_fen * lines.quantity),
        ('sales_revenue', lines.paid_fen - lines.supply_price_fen * lines.quantity)
    ) AS leg(code, amount)
    JOIN ledger_accounts AS a ON a.code = leg.code
)
SELECT count(*) AS refunded FROM ids
"""

# $1 number of days. The dashboard's rollup read (see quanzi.analytics).
DASHBOARD = """
SELECT day, gmv_fen, orders_paid, refunds_fen, buyers, membership_fen,
       groups_succeeded, groups_failed, member_gmv_fen
FROM analytics_daily
WHERE day > (now() AT TIME ZONE 'Asia/Shanghai')::date - {days}::int
ORDER BY day
"""

_ASYNCPG_PARAMS = {
    "sku": "$1::uuid",
    "buyer": "$2::uuid",
    "address": "$3",
    "campaign": "$1::uuid",
    "days": "$1",
}
_PGBENCH_PARAMS = {
    "sku": "(SELECT sku_id FROM bench_baseline_skus WHERE n = :n)",
    "buyer": "(SELECT user_id FROM bench_baseline_buyers WHERE n = :b)",
    "address": "'{}'",
    "campaign": "(SELECT campaign_id FROM bench_baseline_campaigns LIMIT 1)",
    "days": ":days",
}


@dataclass(frozen=True)
class Statement:
    name: str
    template: str
    # Result of one call: True if it did its work, False if it found nothing to do
    # (no stock left, no group left).
    did_work: Callable[[Any], bool]

    @property
    def asyncpg_sql(self) -> str:
        return self.template.format(**_ASYNCPG_PARAMS)

    @property
    def pgbench_sql(self) -> str:
        # pgbench reads one statement per line unless it ends in a semicolon.
        return " ".join(self.template.format(**_PGBENCH_PARAMS).split()) + ";"


STATEMENTS = {
    "order_paid": Statement("order_paid", ORDER_PAID, lambda value: value is not None),
    "group_failed": Statement("group_failed", GROUP_FAILED, lambda value: bool(value)),
    "dashboard": Statement("dashboard", DASHBOARD, lambda value: True),
}


# --- the ASGI app ----------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def _reply(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class BaselineApp:
    """``POST /baseline`` runs the configured statement once; ``GET /health`` answers ok."""

    def __init__(self, dsn: str, statement: Statement, pool_size: int) -> None:
        self.dsn = dsn
        self.statement = statement
        self.sql = statement.asyncpg_sql
        self.pool_size = pool_size
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/health":
            await _reply(send, 200, {"status": "ok"})
            return
        if scope["path"] != "/baseline" or scope["method"] != "POST":
            await _reply(send, 404, {"code": "not_found"})
            return
        params = json.loads(await _read_body(receive) or b"{}").get("params", [])
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            value = await conn.fetchval(self.sql, *params)
        if self.statement.did_work(value):
            await _reply(send, 200, {"result": str(value)})
        else:
            await _reply(send, 409, {"code": "nothing_left"})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await asyncpg.create_pool(
                    self.dsn, min_size=self.pool_size, max_size=self.pool_size
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app() -> BaselineApp:
    """uvicorn factory, configured by ``QUANZI_BENCH_BASELINE_*`` variables."""
    return BaselineApp(
        dsn=os.environ["QUANZI_BENCH_BASELINE_DSN"],
        statement=STATEMENTS[os.environ["QUANZI_BENCH_BASELINE_STATEMENT"]],
        pool_size=int(os.environ.get("QUANZI_BENCH_BASELINE_POOL", "10")),
    )


def server_args(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "quanzi.bench.baseline:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


# --- pgbench ---------------------------------------------------------------------------


def pgbench_path() -> str | None:
    """Debian's pgbench (``/usr/lib/postgresql/*/bin``) or the one on PATH."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/pgbench"))
    return found[-1] if found else shutil.which("pgbench")


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    transactions: int
    failed: int
    latency_ms: float | None
    command: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "tps": round(self.tps, 1),
            "transactions": self.transactions,
            "failed": self.failed,
            "latency_avg_ms": self.latency_ms,
            "command": self.command,
        }


def run_pgbench(
    dsn: str,
    statement: Statement,
    *,
    clients: int,
    seconds: int,
    variables: dict[str, int],
    prelude: str = "",
) -> PgbenchResult:
    """Run ``statement`` with ``clients`` connections for ``seconds`` (prepared mode)."""
    binary = pgbench_path()
    if binary is None:
        raise RuntimeError("pgbench is not installed (apt-get install postgresql-client)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(prelude + statement.pgbench_sql + "\n")
    threads = max(1, min(2, clients))
    args = [
        binary,
        "--no-vacuum",
        "-M",
        "prepared",
        "-c",
        str(clients),
        "-j",
        str(threads),
        "-T",
        str(seconds),
        "-f",
        script.name,
        *[f"-D{name}={value}" for name, value in variables.items()],
        dsn,
    ]
    try:
        completed = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120)
    finally:
        Path(script.name).unlink(missing_ok=True)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise RuntimeError(f"pgbench failed ({completed.returncode}):\n{output[-2000:]}")
    return PgbenchResult(
        tps=_number(r"tps = ([\d.]+)", output) or 0.0,
        transactions=int(_number(r"number of transactions actually processed: (\d+)", output) or 0),
        failed=int(_number(r"number of failed transactions: (\d+)", output) or 0),
        latency_ms=_number(r"latency average = ([\d.]+) ms", output),
        command=" ".join([*args[:-1], "<dsn>"]),
    )


def _number(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None
