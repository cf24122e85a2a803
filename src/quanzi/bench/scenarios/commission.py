"""``commission``: orders from members at depth ≥ 50 in a 1M-member referral tree.

The tree is seeded by SQL: a spine of 200 members, each the previous one's invitee (depth
0 to 199), and every other member bound to a random earlier member. The spine members
hold memberships (only members earn) and each has a share link. A buyer is a spine member
at depth ≥ 51 ordering through the share link of their own referrer (depth ≥ 50), so the
commission plan (sharer + override) walks a deep chain on each order.

Three measurements on the same server: throughput at full load with commission accruing
(the unit: orders placed and paid), then, one connection at a time, the pay step without
and with a share code: the difference of the mean pay latencies is what accrual adds per
order (the issue's target: under 1 ms).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import asyncpg

from quanzi.bench import common, harness, invariants, seed
from quanzi.bench.common import Options, Outcome
from quanzi.bench.flows import ADDRESS

SPINE = 200
FIRST_DEEP_BUYER = 52  # spine position (1-based) whose depth is 51
SERIAL_SECONDS = 5.0


async def _tree(conn: asyncpg.Connection, members: seed.Members) -> None:
    """Referral nodes for every member: the spine, then random earlier referrers."""
    await conn.execute("CREATE TEMP TABLE tree_members (n int PRIMARY KEY, id uuid)")
    await conn.copy_records_to_table("tree_members", records=list(enumerate(members.ids, start=1)))
    await conn.execute(
        """
        INSERT INTO referral_nodes (user_id, parent_id, bound_at, expires_at, bound_via,
            share_link_id, is_owner, direct_count, direct_owner_count, team_size, team_count,
            own_sales_fen, team_sales_fen, rank, rank_changed_at)
        SELECT m.id, p.id, CASE WHEN p.id IS NULL THEN NULL ELSE now() - interval '1 day' END,
               NULL, CASE WHEN p.id IS NULL THEN NULL ELSE 'invite' END, NULL,
               m.n <= $1, 0, 0, 0, 0, 0, 0, 'member', NULL
        FROM tree_members m
        LEFT JOIN tree_members p ON p.n = CASE
            WHEN m.n = 1 THEN NULL
            WHEN m.n <= $1 THEN m.n - 1
            ELSE 1 + ((m.n::bigint * 7919) % (m.n - 1))::int
        END
        """,
        SPINE,
    )
    plan_id = await conn.fetchval(
        "INSERT INTO membership_plans (id, name, price_fen, duration_days, active, "
        "member_prices, free_shipping_threshold_fen, updated_at, created_at) "
        "VALUES (gen_random_uuid(), '压测店主', 39800, 365, true, false, NULL, now(), now()) "
        "RETURNING id"
    )
    await conn.execute(
        """
        INSERT INTO memberships (id, user_id, plan_id, status, started_at, expires_at, ended_at,
                                 end_reason, updated_at, created_at)
        SELECT gen_random_uuid(), id, $1, 'active', now() - interval '1 day',
               now() + interval '364 days', NULL, NULL, now(), now()
        FROM tree_members WHERE n <= $2
        """,
        plan_id,
        SPINE,
    )


def share_code(n: int) -> str:
    """A valid share code (10 characters of the share alphabet) for spine member ``n``."""
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    digits = ""
    while n:
        n, digit = divmod(n, len(alphabet))
        digits = alphabet[digit] + digits
    return "bz" + digits.rjust(8, alphabet[0])


async def _share_codes(conn: asyncpg.Connection, product_id: object) -> list[str]:
    """A share link for each spine member; returns the codes by spine position - 1."""
    codes = [share_code(n) for n in range(1, SPINE + 1)]
    await conn.executemany(
        """
        INSERT INTO share_links (id, code, sharer_id, target_kind, target_id, click_count,
                                 order_count, sales_fen, created_at)
        SELECT gen_random_uuid(), $1, id, 'product', $3, 0, 0, 0, now()
        FROM tree_members WHERE n = $2
        """,
        [(code, n, product_id) for n, code in enumerate(codes, start=1)],
    )
    return codes


async def run(options: Options) -> Outcome:
    member_count = options.size or 1_000_000
    async with harness.throwaway_database("commission") as database:
        conn = await asyncpg.connect(database.dsn)
        try:
            members = await seed.members(conn, member_count)
            await _tree(conn, members)
            shop = await seed.catalog(conn, skus=1000, stock=1_000_000)
            codes = await _share_codes(conn, shop.product_ids[0])
            base = await seed.catalog(conn, skus=1000, stock=100_000_000, label="baseline")
            await seed.ledger_accounts(
                conn, ["provider_clearing", "sales_revenue", f"supplier_payable:{base.supplier_id}"]
            )
            await seed.baseline_lookup(conn, sku_ids=base.sku_ids, buyer_ids=members.ids[:SPINE])
            await seed.vacuum_analyze(database.dsn)
            depth = await conn.fetchval(
                "WITH RECURSIVE up(id, d) AS (SELECT parent_id, 1 FROM referral_nodes "
                "WHERE user_id = $1 UNION ALL SELECT n.parent_id, d + 1 FROM up "
                "JOIN referral_nodes n ON n.user_id = up.id WHERE up.id IS NOT NULL) "
                "SELECT max(d) - 1 FROM up",
                members.ids[FIRST_DEEP_BUYER - 1],
            )
            # Buyer at spine position p (1-based) orders through the link of p - 1.
            positions = list(range(FIRST_DEEP_BUYER, SPINE + 1))
            tokens = members.tokens
            buyers = [tokens[p - 1] for p in positions]
            shared_codes = [codes[p - 2] for p in positions]
            extra: dict[str, Any] = {
                "members": member_count,
                "shallowest_buyer_depth": depth,
                "buyers": len(positions),
            }
            with harness.process_set() as processes:
                server = await harness.start_server(
                    processes, database, workers=options.server_workers, pool_size=options.pool_size
                )
                assert server.port is not None
                skus = {"skus": [str(sku_id) for sku_id in shop.sku_ids]}
                profiler = common.maybe_profile(options, server, "commission")
                result = await common.load(
                    server.port,
                    "checkout",
                    options,
                    inputs=[{"tokens": buyers, "share_codes": shared_codes}],
                    shared=skus,
                )
                if profiler is not None:
                    extra["profile"] = profiler.finish()
                serial = replace(options, warmup=1.0)
                plain = await common.load(
                    server.port,
                    "checkout",
                    serial,
                    inputs=[{"tokens": buyers}],
                    shared=skus,
                    seconds=SERIAL_SECONDS,
                    connections=1,
                )
                shared = await common.load(
                    server.port,
                    "checkout",
                    serial,
                    inputs=[{"tokens": buyers, "share_codes": shared_codes}],
                    shared=skus,
                    seconds=SERIAL_SECONDS,
                    connections=1,
                )
                processes.stop(server)
            added = shared.latency["pay"].mean_ms - plain.latency["pay"].mean_ms
            extra.update(
                accrual_ms_per_order=round(added, 2),
                serial_pay_mean_ms={
                    "without_share_code": round(plain.latency["pay"].mean_ms, 2),
                    "with_share_code": round(shared.latency["pay"].mean_ms, 2),
                },
                serial_orders={
                    "without_share_code": plain.units.get("orders_paid", 0),
                    "with_share_code": shared.units.get("orders_paid", 0),
                },
            )

            checks = await invariants.ledger_balanced(conn)
            checks += await invariants.payments_booked_once(conn)
            row = await conn.fetchrow(
                """
                SELECT
                  (SELECT count(*) FROM orders
                    WHERE paid_at IS NOT NULL AND share_code IS NOT NULL) AS shared_paid,
                  (SELECT count(*) FROM commission_orders) AS accrued,
                  (SELECT count(*) FROM commissions) AS commission_rows,
                  (SELECT count(*) FROM (SELECT order_id FROM commissions
                     GROUP BY order_id, order_line_id, level HAVING count(*) > 1) AS d) AS doubled
                """
            )
            assert row is not None
            checks.append(
                invariants.Check(
                    "every paid shared order accrued commission once",
                    row["shared_paid"] == row["accrued"] and row["doubled"] == 0,
                    f"paid shared orders {row['shared_paid']}, commission orders "
                    f"{row['accrued']}, commission rows {row['commission_rows']}, "
                    f"doubled {row['doubled']}",
                )
            )
            extra["targets"] = [
                invariants.Check(
                    "accrual adds under 1 ms per order",
                    added < 1.0,
                    f"{added:.2f} ms (serial pay latency with minus without a share code)",
                ).as_dict()
            ]
            extra["commission"] = dict(row)

            baseline = await common.measure_baseline(
                database,
                options,
                "order_paid",
                shared={
                    "skus": [str(sku_id) for sku_id in base.sku_ids],
                    "buyers": [str(member_id) for member_id in members.ids[:SPINE]],
                    "address_json": json.dumps(ADDRESS),
                },
                pgbench_variables={"nskus": len(base.sku_ids), "nbuyers": SPINE},
                pgbench_prelude="\\set n random(1, :nskus)\n\\set b random(1, :nbuyers)\n",
            )
        finally:
            await conn.close()
    return Outcome(
        unit="orders_paid",
        throughput_per_s=result.throughput("orders_paid"),
        p99_ms=result.overall.p99_ms,
        errors=result.errors,
        checks=checks,
        quanzi=common.load_summary(result, "orders_paid"),
        baseline=baseline,
        extra=extra,
    )
