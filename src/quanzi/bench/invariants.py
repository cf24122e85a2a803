"""What must hold after a run, checked straight in the database.

A fast wrong answer fails the benchmark: every scenario ends with these checks and
``invariants_ok`` is false (and the command exits non-zero) if any fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


async def stock_conserved(
    conn: asyncpg.Connection, initial: Mapping[uuid.UUID, int]
) -> list[Check]:
    """stock + reserved + sold unchanged on every SKU (no restocks during a run), and the
    counters agree with the orders: ``reserved`` = units of unpaid orders, ``sold`` = units
    of paid orders not returned, ``stock`` never negative (also a CHECK constraint)."""
    rows = await conn.fetch(
        "SELECT id, stock, reserved, sold FROM skus WHERE id = ANY($1::uuid[])", list(initial)
    )
    drifted = [
        f"{row['id']}: {row['stock']}+{row['reserved']}+{row['sold']} != {initial[row['id']]}"
        for row in rows
        if row["stock"] + row["reserved"] + row["sold"] != initial[row["id"]]
    ]
    mismatched = await conn.fetch(
        """
        WITH units AS (
            SELECT l.sku_id,
                   sum(l.quantity) FILTER (WHERE o.stock_state = 'reserved') AS reserved,
                   sum(l.quantity) FILTER (WHERE o.stock_state = 'sold') AS sold
            FROM order_lines l JOIN orders o ON o.id = l.order_id
            WHERE l.sku_id = ANY($1::uuid[])
            GROUP BY l.sku_id
        )
        SELECT s.id, s.reserved, s.sold, coalesce(u.reserved, 0) AS want_reserved,
               coalesce(u.sold, 0) AS want_sold
        FROM skus s LEFT JOIN units u ON u.sku_id = s.id
        WHERE s.id = ANY($1::uuid[])
          AND (s.reserved <> coalesce(u.reserved, 0) OR s.sold <> coalesce(u.sold, 0))
        """,
        list(initial),
    )
    return [
        Check(
            "stock conserved (stock + reserved + sold)",
            not drifted and len(rows) == len(initial),
            "; ".join(drifted[:5]),
        ),
        Check(
            "SKU counters match the orders (reserved, sold)",
            not mismatched,
            "; ".join(
                f"{r['id']}: reserved {r['reserved']} vs {r['want_reserved']}, "
                f"sold {r['sold']} vs {r['want_sold']}"
                for r in mismatched[:5]
            ),
        ),
    ]


async def ledger_balanced(conn: asyncpg.Connection) -> list[Check]:
    """Trial balance zero and every transfer balanced on its own."""
    total = await conn.fetchval("SELECT coalesce(sum(amount_fen), 0) FROM ledger_postings")
    unbalanced = await conn.fetchval(
        "SELECT count(*) FROM (SELECT transfer_id FROM ledger_postings GROUP BY transfer_id "
        "HAVING sum(amount_fen) <> 0) AS t"
    )
    return [
        Check("ledger trial balance is 0", total == 0, f"sum of postings {total}"),
        Check("no unbalanced transfer", unbalanced == 0, f"{unbalanced} unbalanced"),
    ]


async def payments_booked_once(conn: asyncpg.Connection) -> list[Check]:
    """Every paid order has one payment transfer, every succeeded order payment one paid
    order, and no order was paid twice."""
    row = await conn.fetchrow(
        """
        SELECT
          (SELECT count(*) FROM orders WHERE paid_at IS NOT NULL) AS paid_orders,
          (SELECT count(*) FROM payments
            WHERE payable_type = 'order' AND status = 'succeeded') AS paid_payments,
          (SELECT count(*) FROM ledger_transfers WHERE kind = 'order_paid') AS transfers,
          (SELECT count(*) FROM (SELECT reference_id FROM ledger_transfers
             WHERE kind = 'order_paid' GROUP BY reference_id HAVING count(*) > 1) AS d)
             AS doubled
        """
    )
    assert row is not None
    return [
        Check(
            "each paid order booked once in the ledger",
            row["paid_orders"] == row["transfers"] == row["paid_payments"] and not row["doubled"],
            f"paid orders {row['paid_orders']}, succeeded payments {row['paid_payments']}, "
            f"order_paid transfers {row['transfers']}, doubled {row['doubled']}",
        )
    ]


async def client_successes_committed(
    conn: asyncpg.Connection, observed: int, uncertain: int, sql: str, what: str
) -> Check:
    """What the clients were told succeeded is in the database (``sql`` counts it); at
    most ``uncertain`` more (requests whose answer was lost may have committed)."""
    stored = int(await conn.fetchval(sql))
    return Check(
        f"every {what} a client saw succeed is stored",
        observed <= stored <= observed + uncertain,
        f"clients saw {observed}, database has {stored}, unanswered requests {uncertain}",
    )


async def groups_consistent(conn: asyncpg.Connection, campaign_ids: list[uuid.UUID]) -> list[Check]:
    """No group over its size; ``paid_count``/``seats_taken`` equal to the seats; a
    succeeded group full; the campaign's seat counter equal to the seats held."""
    overfilled = await conn.fetchval(
        "SELECT count(*) FROM groups WHERE campaign_id = ANY($1::uuid[]) "
        "AND (paid_count > group_size OR seats_taken > group_size)",
        campaign_ids,
    )
    miscounted = await conn.fetchval(
        """
        SELECT count(*) FROM groups g
        LEFT JOIN LATERAL (
            SELECT count(*) FILTER (WHERE status = 'paid') AS paid,
                   count(*) FILTER (WHERE status IN ('reserved', 'paid')) AS held
            FROM group_members WHERE group_id = g.id
        ) m ON true
        WHERE g.campaign_id = ANY($1::uuid[])
          AND g.status IN ('pending', 'open', 'succeeded')
          AND (g.paid_count <> m.paid OR g.seats_taken <> m.held)
        """,
        campaign_ids,
    )
    short = await conn.fetchval(
        "SELECT count(*) FROM groups WHERE campaign_id = ANY($1::uuid[]) "
        "AND status = 'succeeded' AND paid_count + platform_filled <> group_size",
        campaign_ids,
    )
    seats = await conn.fetch(
        """
        SELECT c.id, c.seats_taken,
               (SELECT count(*) FROM group_members m
                 WHERE m.campaign_id = c.id AND m.status IN ('reserved', 'paid')) AS held
        FROM group_campaigns c WHERE c.id = ANY($1::uuid[])
        """,
        campaign_ids,
    )
    bad_seats = [r for r in seats if r["seats_taken"] != r["held"]]
    return [
        Check("no overfilled group", overfilled == 0, f"{overfilled} overfilled"),
        Check("group counters equal their seats", miscounted == 0, f"{miscounted} miscounted"),
        Check("every succeeded group is full", short == 0, f"{short} short"),
        Check(
            "campaign seat counters equal the seats held",
            not bad_seats,
            "; ".join(f"{r['id']}: {r['seats_taken']} vs {r['held']}" for r in bad_seats),
        ),
    ]


async def failed_groups_refunded_once(
    conn: asyncpg.Connection, campaign_ids: list[uuid.UUID]
) -> list[Check]:
    """Each paid seat of a failed group refunded exactly once, in full; no seat of a group
    still open refunded."""
    row = await conn.fetchrow(
        """
        WITH seats AS (
            SELECT g.status AS group_status, m.status AS seat_status, o.status AS order_status,
                   o.total_fen, o.refunded_fen,
                   (SELECT count(*) FROM order_refunds r WHERE r.order_id = o.id) AS refunds,
                   (SELECT coalesce(sum(amount_fen), 0) FROM order_refunds r
                     WHERE r.order_id = o.id) AS refunded_sum
            FROM groups g
            JOIN group_members m ON m.group_id = g.id
            JOIN orders o ON o.id = m.order_id
            WHERE g.campaign_id = ANY($1::uuid[]) AND m.paid_at IS NOT NULL
        )
        SELECT
          count(*) FILTER (WHERE group_status = 'failed') AS failed_seats,
          count(*) FILTER (WHERE group_status = 'failed' AND (
              seat_status <> 'refunded' OR order_status <> 'refunded' OR refunds <> 1
              OR refunded_sum <> total_fen OR refunded_fen <> total_fen)) AS wrong,
          count(*) FILTER (WHERE group_status = 'open' AND refunds > 0) AS early
        FROM seats
        """,
        campaign_ids,
    )
    assert row is not None
    double = await conn.fetchval(
        "SELECT count(*) FROM (SELECT payment_id FROM payment_refunds GROUP BY payment_id "
        "HAVING sum(amount_fen) > min((SELECT amount_fen FROM payments p "
        "WHERE p.id = payment_id))) AS d"
    )
    return [
        Check(
            "each paid seat of a failed group refunded exactly once, in full",
            row["wrong"] == 0,
            f"{row['failed_seats']} refunded seats, {row['wrong']} wrong",
        ),
        Check("no seat of an open group refunded", row["early"] == 0, f"{row['early']}"),
        Check("no payment refunded beyond its amount", double == 0, f"{double}"),
    ]


def all_ok(checks: list[Check]) -> bool:
    return bool(checks) and all(check.ok for check in checks)
