"""``hot-group``: one campaign, thousands of members, groups of 3 forming and succeeding.

Each virtual user acts for its own members in turn (a member takes one seat in the
campaign, as the campaign's per-member limit says). With no seat known, it opens a group
and pays (the group opens); the seats of opened groups are then taken by others of the
same load generator process, who join and pay — the third payment makes the group
succeed. The unit is a seat paid (leaders' and joiners'). All of it lands on the same
campaign row and the same SKU row: the hot rows.
"""

from __future__ import annotations

import json
import uuid

import asyncpg

from quanzi.bench import common, harness, invariants, seed
from quanzi.bench.common import Options, Outcome
from quanzi.bench.flows import ADDRESS

GROUP_SIZE = 3
GROUP_PRICE_FEN = 9_900
STOCK = 1_000_000


async def campaign(
    conn: asyncpg.Connection,
    sku_id: uuid.UUID,
    product_id: uuid.UUID,
    supplier_id: uuid.UUID,
    *,
    stock_allotted: int,
    group_size: int = GROUP_SIZE,
    per_user_limit: int = 1,
) -> uuid.UUID:
    """A running campaign on ``sku_id`` (groups last an hour)."""
    campaign_id: uuid.UUID = await conn.fetchval(
        """
        INSERT INTO group_campaigns (id, sku_id, product_id, supplier_id, title,
            group_price_fen, group_size, duration_minutes, starts_at, ends_at, stock_allotted,
            seats_taken, per_user_limit, leader_discount_fen, platform_fill_seats, status,
            created_at)
        VALUES (gen_random_uuid(), $1, $2, $3, '压测拼团', $4, $5, 60,
                now() - interval '1 minute', now() + interval '1 day', $6, 0, $7, 0, 0,
                'active', now())
        RETURNING id
        """,
        sku_id,
        product_id,
        supplier_id,
        GROUP_PRICE_FEN,
        group_size,
        stock_allotted,
        per_user_limit,
    )
    return campaign_id


async def run(options: Options) -> Outcome:
    member_count = options.size or 20_000
    async with harness.throwaway_database("hot-group") as database:
        conn = await asyncpg.connect(database.dsn)
        try:
            members = await seed.members(conn, member_count)
            shop = await seed.catalog(conn, skus=1, stock=STOCK)
            campaign_id = await campaign(
                conn,
                shop.sku_ids[0],
                shop.product_ids[0],
                shop.supplier_id,
                stock_allotted=STOCK,
            )
            base = await seed.catalog(conn, skus=1, stock=100_000_000, label="baseline")
            await seed.ledger_accounts(
                conn, ["provider_clearing", "sales_revenue", f"supplier_payable:{base.supplier_id}"]
            )
            await seed.baseline_lookup(conn, sku_ids=base.sku_ids, buyer_ids=members.ids)
            await seed.vacuum_analyze(database.dsn)

            extra: dict[str, object] = {"members": member_count, "group_size": GROUP_SIZE}
            with harness.process_set() as processes:
                server = await harness.start_server(
                    processes, database, workers=options.server_workers, pool_size=options.pool_size
                )
                assert server.port is not None
                profiler = common.maybe_profile(options, server, "hot-group")
                result = await common.load(
                    server.port,
                    "hot_group",
                    options,
                    inputs=common.split_tokens(members.tokens, options.connections),
                    shared={"campaign_id": str(campaign_id), "group_size": GROUP_SIZE},
                )
                if profiler is not None:
                    extra["profile"] = profiler.finish()
                processes.stop(server)

            checks = await invariants.groups_consistent(conn, [campaign_id])
            checks += await invariants.stock_conserved(conn, {shop.sku_ids[0]: STOCK})
            checks += await invariants.ledger_balanced(conn)
            checks += await invariants.payments_booked_once(conn)
            checks.append(
                await invariants.client_successes_committed(
                    conn,
                    result.all_units.get("seats_paid", 0),
                    result.unanswered,
                    "SELECT count(*) FROM group_members WHERE paid_at IS NOT NULL",
                    "paid seat",
                )
            )
            counts = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded, "
                "count(*) FILTER (WHERE status = 'open') AS open, "
                "count(*) FILTER (WHERE status = 'pending') AS pending FROM groups"
            )
            assert counts is not None
            extra["groups"] = dict(counts)
            seconds = result.seconds or 1.0
            extra["groups_succeeded_per_s"] = round(counts["succeeded"] / seconds, 1)

            baseline = await common.measure_baseline(
                database,
                options,
                "order_paid",
                shared={
                    "skus": [str(base.sku_ids[0])],
                    "buyers": [str(member_id) for member_id in members.ids],
                    "address_json": json.dumps(ADDRESS),
                },
                pgbench_variables={"nskus": 1, "nbuyers": len(members.ids)},
                pgbench_prelude="\\set n 1\n\\set b random(1, :nbuyers)\n",
            )
        finally:
            await conn.close()
    return Outcome(
        unit="seats_paid",
        throughput_per_s=result.throughput("seats_paid"),
        p99_ms=result.overall.p99_ms,
        errors=result.errors,
        checks=checks,
        quanzi=common.load_summary(result, "seats_paid"),
        baseline=baseline,
        extra=extra,
    )
