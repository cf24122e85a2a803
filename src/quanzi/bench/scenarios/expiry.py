"""``expiry``: 100k groups fail at once; two ``quanzi worker`` processes refund them.

The groups are seeded by SQL in the state the API would have left them in: each open
group of 3 past its deadline holds 2 paid seats (leader and one joiner), each with its
paid ``grouping`` order, succeeded payment, order line, the SKU units sold, the campaign
seat and the per-member seat counted, and the order's payment booked in the ledger. Then
two worker processes run their sweeps; the unit is a paid seat refunded (an order
refunded in full). After the window the workers are stopped and every group must be
either untouched (still open, nothing refunded) or failed with each paid seat refunded
exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import asyncpg

from quanzi.bench import common, harness, invariants, seed
from quanzi.bench.common import Options, Outcome
from quanzi.bench.scenarios.hot_group import GROUP_PRICE_FEN, campaign

SEATS_PAID = 2
GROUP_SIZE = 3
STOCK = 10_000_000
REFUNDED = "SELECT count(*) FROM order_refunds"


async def failing_groups(
    conn: asyncpg.Connection,
    *,
    campaign_id: uuid.UUID,
    sku_id: uuid.UUID,
    product_id: uuid.UUID,
    supplier_id: uuid.UUID,
    members: list[uuid.UUID],
    groups: int,
    supply_price_fen: int,
    expired_minutes: int = 1,
) -> None:
    """``groups`` open groups of the campaign, expired ``expired_minutes`` ago (spread
    over a minute), each with ``SEATS_PAID`` paid seats, consistent across orders,
    payments, stock and ledger."""
    await conn.execute("CREATE TEMP TABLE seed_members (n int PRIMARY KEY, id uuid)")
    await conn.executemany("INSERT INTO seed_members VALUES ($1, $2)", list(enumerate(members)))
    await conn.execute(
        """
        CREATE TEMP TABLE seed_seats AS
        SELECT g AS group_n, s AS seat, gen_random_uuid() AS order_id,
               gen_random_uuid() AS payment_id, gen_random_uuid() AS transfer_id,
               m.id AS user_id
        FROM generate_series(1, $1::int) AS g
        CROSS JOIN generate_series(0, $2::int - 1) AS s
        JOIN seed_members m ON m.n = ((g * $2::int) + s) % $3::int
        """,
        groups,
        SEATS_PAID,
        len(members),
    )
    await conn.execute(
        """
        CREATE TEMP TABLE seed_groups AS
        SELECT g AS group_n, gen_random_uuid() AS group_id
        FROM generate_series(1, $1::int) AS g
        """,
        groups,
    )
    # Deadlines spread over the last minute, as groups opened over an hour would be.
    await conn.execute(
        """
        INSERT INTO groups (id, campaign_id, leader_id, status, group_size, seats_taken,
                            paid_count, platform_filled, expires_at, opened_at, closed_at,
                            created_at)
        SELECT sg.group_id, $1, ss.user_id, 'open', $2, $3, $3, 0,
               now() - $4::int * interval '1 minute' + (sg.group_n % 60) * interval '1 second',
               now() - interval '61 minutes', NULL, now() - interval '61 minutes'
        FROM seed_groups sg JOIN seed_seats ss ON ss.group_n = sg.group_n AND ss.seat = 0
        """,
        campaign_id,
        GROUP_SIZE,
        SEATS_PAID,
        expired_minutes,
    )
    await conn.execute(
        """
        INSERT INTO payments (id, payable_type, payable_id, user_id, provider, amount_fen,
                              refunded_fen, status, description, provider_txn_id, paid_at,
                              created_at)
        SELECT payment_id, 'order', order_id, user_id, 'sandbox', $1, 0, 'succeeded',
               '压测拼团', 'sandbox-' || payment_id, now() - interval '60 minutes',
               now() - interval '61 minutes'
        FROM seed_seats
        """,
        GROUP_PRICE_FEN,
    )
    await conn.execute(
        """
        INSERT INTO orders (id, buyer_id, kind, status, goods_fen, discount_fen,
                            shipping_fee_fen, total_fen, refunded_fen, shipping_refunded_fen,
                            stock_state, payment_id, payment_provider, address,
                            payment_deadline, paid_at, updated_at, created_at)
        SELECT order_id, user_id, 'group', 'grouping', $1, 0, 0, $1, 0, 0, 'sold', payment_id,
               'sandbox', $2::jsonb, now() - interval '46 minutes',
               now() - interval '60 minutes', now() - interval '60 minutes',
               now() - interval '61 minutes'
        FROM seed_seats
        """,
        GROUP_PRICE_FEN,
        '{"name": "压测用户", "phone": "13800138000", "province": "浙江省", '
        '"city": "杭州市", "district": "西湖区", "line1": "文三路 1 号", "line2": null}',
    )
    await conn.execute(
        """
        INSERT INTO order_lines (id, order_id, position, sku_id, product_id, supplier_id, title,
                                 sku_name, unit_price_fen, supply_price_fen, quantity,
                                 amount_fen, discount_fen, paid_fen, refunded_fen)
        SELECT gen_random_uuid(), order_id, 0, $1, $2, $3, '压测拼团', '标准装', $4, $5, 1, $4,
               0, $4, 0
        FROM seed_seats
        """,
        sku_id,
        product_id,
        supplier_id,
        GROUP_PRICE_FEN,
        supply_price_fen,
    )
    await conn.execute(
        """
        INSERT INTO group_members (id, group_id, campaign_id, user_id, order_id, is_leader,
                                   status, paid_at, created_at)
        SELECT gen_random_uuid(), sg.group_id, $1, ss.user_id, ss.order_id, ss.seat = 0,
               'paid', now() - interval '60 minutes', now() - interval '61 minutes'
        FROM seed_seats ss JOIN seed_groups sg ON sg.group_n = ss.group_n
        """,
        campaign_id,
    )
    await conn.execute(
        """
        INSERT INTO group_campaign_participants (campaign_id, user_id, seats)
        SELECT $1, user_id, count(*) FROM seed_seats GROUP BY user_id
        ON CONFLICT (campaign_id, user_id)
        DO UPDATE SET seats = group_campaign_participants.seats + excluded.seats
        """,
        campaign_id,
    )
    seats = groups * SEATS_PAID
    await conn.execute(
        "UPDATE group_campaigns SET seats_taken = seats_taken + $2 WHERE id = $1",
        campaign_id,
        seats,
    )
    await conn.execute(
        "UPDATE skus SET stock = stock - $2, sold = sold + $2 WHERE id = $1", sku_id, seats
    )
    accrued = f"supplier_accrued:{supplier_id}"
    await seed.ledger_accounts(
        conn, ["provider_clearing", "sales_revenue", "refunds_payable", accrued]
    )
    await conn.execute(
        """
        INSERT INTO ledger_transfers (id, idempotency_key, kind, reference_type, reference_id,
                                      description, created_at)
        SELECT transfer_id, 'order-paid:' || order_id, 'order_paid', 'order', order_id::text,
               'order paid', now() - interval '60 minutes'
        FROM seed_seats
        """
    )
    await conn.execute(
        """
        INSERT INTO ledger_postings (id, transfer_id, account_id, amount_fen, created_at)
        SELECT gen_random_uuid(), ss.transfer_id, a.id, leg.amount,
               now() - interval '60 minutes'
        FROM seed_seats ss
        CROSS JOIN (VALUES ('provider_clearing', $1::bigint), ($3, -$2::bigint),
                           ('sales_revenue', $2::bigint - $1::bigint)) AS leg(code, amount)
        JOIN ledger_accounts a ON a.code = leg.code
        """,
        GROUP_PRICE_FEN,
        supply_price_fen,
        accrued,
    )
    await conn.execute("DROP TABLE seed_seats, seed_groups, seed_members")


async def _progress(dsn: str, stop: asyncio.Event, samples: list[tuple[float, int]]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        while not stop.is_set():
            samples.append((time.monotonic(), int(await conn.fetchval(REFUNDED))))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
        samples.append((time.monotonic(), int(await conn.fetchval(REFUNDED))))
    finally:
        await conn.close()


def _rate(samples: list[tuple[float, int]], start: float, end: float) -> tuple[float, int]:
    """Refunds per second between the samples nearest ``start`` and ``end``."""
    inside = [sample for sample in samples if start <= sample[0] <= end]
    if len(inside) < 2:
        return 0.0, 0
    (t0, n0), (t1, n1) = inside[0], inside[-1]
    return ((n1 - n0) / (t1 - t0) if t1 > t0 else 0.0), n1 - n0


async def run(options: Options) -> Outcome:
    group_count = options.size or 100_000
    baseline_groups = max(2_000, group_count // 5)
    workers = 2
    async with harness.throwaway_database("expiry") as database:
        conn = await asyncpg.connect(database.dsn)
        try:
            seed_started = time.monotonic()
            members = await seed.members(conn, 20_000)
            shop = await seed.catalog(conn, skus=2, stock=STOCK, price_fen=GROUP_PRICE_FEN * 2)
            quanzi_campaign = await campaign(
                conn,
                shop.sku_ids[0],
                shop.product_ids[0],
                shop.supplier_id,
                stock_allotted=STOCK,
                per_user_limit=1_000,
            )
            await failing_groups(
                conn,
                campaign_id=quanzi_campaign,
                sku_id=shop.sku_ids[0],
                product_id=shop.product_ids[0],
                supplier_id=shop.supplier_id,
                members=members.ids,
                groups=group_count,
                supply_price_fen=7_000,
            )
            await seed.vacuum_analyze(database.dsn)
            seed_seconds = time.monotonic() - seed_started

            samples: list[tuple[float, int]] = []
            stop = asyncio.Event()
            with harness.process_set() as processes:
                watcher = asyncio.create_task(_progress(database.dsn, stop, samples))
                started = time.monotonic()
                spawned = harness.start_workers(
                    processes,
                    database,
                    workers,
                    QUANZI_WORKER_INTERVAL_SECONDS="0.2",
                    QUANZI_WORKER_BATCH_SIZE="200",
                )
                profiler = common.maybe_profile(options, spawned[0], "expiry")
                await asyncio.sleep(options.warmup + options.seconds)
                for process in spawned:
                    processes.stop(process)
                stop.set()
                await watcher
                extra: dict[str, Any] = {}
                if profiler is not None:
                    extra["profile"] = profiler.finish()
            window_start = started + options.warmup
            window_end = window_start + options.seconds
            refunds_per_s, refunded_in_window = _rate(samples, window_start, window_end)

            checks = await invariants.failed_groups_refunded_once(conn, [quanzi_campaign])
            checks += await invariants.groups_consistent(conn, [quanzi_campaign])
            checks += await invariants.stock_conserved(conn, {shop.sku_ids[0]: STOCK})
            checks += await invariants.ledger_balanced(conn)
            status = await conn.fetchrow(
                """
                SELECT count(*) FILTER (WHERE status = 'failed') AS failed,
                       count(*) FILTER (WHERE status = 'open') AS open,
                       (SELECT count(*) FROM order_refunds) AS refunds,
                       (SELECT count(*) FROM payment_refunds
                         WHERE status = 'succeeded') AS paid_out
                FROM groups WHERE campaign_id = $1
                """,
                quanzi_campaign,
            )
            assert status is not None
            extra.update(
                groups=group_count,
                seed_seconds=round(seed_seconds, 1),
                workers=workers,
                refunds_per_s=round(refunds_per_s, 1),
                refunded_in_window=refunded_in_window,
                after_run=dict(status),
            )

            # The baseline's own groups, seeded only now so the workers never saw them;
            # expired a day ago, so its statement finds them first by deadline.
            baseline_campaign = await campaign(
                conn,
                shop.sku_ids[1],
                shop.product_ids[1],
                shop.supplier_id,
                stock_allotted=STOCK,
                per_user_limit=1_000,
            )
            await failing_groups(
                conn,
                campaign_id=baseline_campaign,
                sku_id=shop.sku_ids[1],
                product_id=shop.product_ids[1],
                supplier_id=shop.supplier_id,
                members=members.ids,
                groups=baseline_groups,
                supply_price_fen=7_000,
                expired_minutes=24 * 60,
            )
            await seed.baseline_lookup(conn, campaign_id=baseline_campaign)
            await seed.vacuum_analyze(database.dsn)
            baseline = await common.measure_baseline(
                database,
                options,
                "group_failed",
                shared={"campaign_id": str(baseline_campaign)},
                pgbench_variables={},
                connections=workers,
                pgbench_clients=workers,
            )
        finally:
            await conn.close()
    # Each baseline call fails one group and refunds its paid seats.
    for key in ("http",):
        baseline[key]["throughput_per_s"] = round(baseline[key]["throughput_per_s"] * SEATS_PAID, 1)
        baseline[key]["unit"] = "seats_refunded (2 per call)"
    baseline["pgbench"]["tps"] = round(baseline["pgbench"]["tps"] * SEATS_PAID, 1)
    baseline["pgbench"]["note"] = "tps × 2: each transaction refunds one group's 2 seats"
    return Outcome(
        unit="seats_refunded",
        throughput_per_s=refunds_per_s,
        p99_ms=0.0,
        errors=0,
        checks=checks,
        quanzi={"unit": "seats_refunded", "samples": len(samples), "workers": workers},
        baseline=baseline,
        extra=extra,
    )
