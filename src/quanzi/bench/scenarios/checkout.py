"""``checkout`` and ``hot-sku``: members place and pay orders.

* ``checkout``: many members, orders spread over many SKUs with ample stock; the unit is
  an order placed **and** paid (two requests: ``POST /api/v1/orders``, then the sandbox
  confirmation of its payment).
* ``hot-sku``: a flash sale, every member on ONE SKU with limited stock; the unit is an
  attempt resolved (paid, or refused ``insufficient_stock``). No oversell, ever.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from quanzi.bench import common, harness, invariants, seed
from quanzi.bench.common import Options, Outcome
from quanzi.bench.flows import ADDRESS

PAID_ORDERS = "SELECT count(*) FROM orders WHERE paid_at IS NOT NULL"


@dataclass(frozen=True)
class Shape:
    scenario: str
    skus: int
    stock: int
    unit: str
    refusals: tuple[str, ...]
    hot: bool


CHECKOUT = Shape("checkout", 1000, 1_000_000, "orders_paid", (), hot=False)
# 500 units: sold out within seconds at the rates measured here, so the run measures both the
# rush and the refusals that follow it.
HOT_SKU = Shape("hot-sku", 1, 500, "attempts_resolved", ("insufficient_stock",), hot=True)


async def run_checkout(options: Options) -> Outcome:
    return await _run(options, CHECKOUT)


async def run_hot_sku(options: Options) -> Outcome:
    return await _run(options, HOT_SKU)


async def _run(options: Options, shape: Shape) -> Outcome:
    member_count = options.size or 10_000
    async with harness.throwaway_database(shape.scenario) as database:
        conn = await asyncpg.connect(database.dsn)
        try:
            members = await seed.members(conn, member_count)
            shop = await seed.catalog(conn, skus=shape.skus, stock=shape.stock)
            # The baseline's own SKUs: the same shape, unlimited stock so every call writes.
            base = await seed.catalog(conn, skus=shape.skus, stock=100_000_000, label="baseline")
            await seed.ledger_accounts(
                conn, ["provider_clearing", "sales_revenue", f"supplier_payable:{base.supplier_id}"]
            )
            await seed.baseline_lookup(conn, sku_ids=base.sku_ids, buyer_ids=members.ids)
            await seed.vacuum_analyze(database.dsn)
            initial = {sku_id: shape.stock for sku_id in shop.sku_ids}

            extra: dict[str, Any] = {"members": member_count, "skus": shape.skus}
            with harness.process_set() as processes:
                server = await harness.start_server(
                    processes, database, workers=options.server_workers, pool_size=options.pool_size
                )
                assert server.port is not None
                profiler = common.maybe_profile(options, server, shape.scenario)
                result = await common.load(
                    server.port,
                    "checkout",
                    options,
                    inputs=common.split_tokens(members.tokens, options.connections),
                    shared={
                        "skus": [str(sku_id) for sku_id in shop.sku_ids],
                        "refusals": shape.refusals,
                    },
                )
                if profiler is not None:
                    extra["profile"] = profiler.finish()
                processes.stop(server)

            checks = await invariants.stock_conserved(conn, initial)
            checks += await invariants.ledger_balanced(conn)
            checks += await invariants.payments_booked_once(conn)
            checks.append(
                await invariants.client_successes_committed(
                    conn,
                    result.all_units.get("orders_paid", 0),
                    result.unanswered,
                    PAID_ORDERS,
                    "paid order",
                )
            )
            if shape.hot:
                sold = await conn.fetchval("SELECT sold FROM skus WHERE id = $1", shop.sku_ids[0])
                checks.append(
                    invariants.Check(
                        "no oversell", sold <= shape.stock, f"sold {sold} of {shape.stock}"
                    )
                )
                extra["sold"] = sold
                extra["stock"] = shape.stock

            baseline = await common.measure_baseline(
                database,
                options,
                "order_paid",
                shared={
                    "skus": [str(sku_id) for sku_id in base.sku_ids],
                    "buyers": [str(member_id) for member_id in members.ids],
                    "address_json": json.dumps(ADDRESS),
                },
                pgbench_variables={"nskus": len(base.sku_ids), "nbuyers": len(members.ids)},
                pgbench_prelude="\\set n random(1, :nskus)\n\\set b random(1, :nbuyers)\n",
            )
        finally:
            await conn.close()
    summary = common.load_summary(result, shape.unit)
    if shape.hot:
        extra["orders_paid_per_s"] = round(result.throughput("orders_paid"), 1)
    return Outcome(
        unit=shape.unit,
        throughput_per_s=result.throughput(shape.unit),
        p99_ms=result.overall.p99_ms,
        errors=result.errors,
        checks=checks,
        quanzi=summary,
        baseline=baseline,
        extra=extra,
    )
