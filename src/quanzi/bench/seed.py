"""Bulk data for the scenarios, written with set-based SQL (``generate_series``).

Members get a bearer token each: the token is ``qz_bench_<n>_<salt>``, stored as its
SHA-256 like every token (see ``quanzi.core.security``), so the server authenticates them
exactly as it does real logins. Passwords are a fixed placeholder hash: benchmark members
never log in, and hashing thousands of argon2 passwords would dominate the set-up.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import asyncpg

from quanzi.core.security import DUMMY_PASSWORD_HASH

TOKEN_PREFIX = "qz_bench_"

ADDRESS = {
    "name": "压测用户",
    "phone": "13800138000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "line1": "文三路 1 号",
}


def token_for(n: int, salt: str) -> str:
    return f"{TOKEN_PREFIX}{n}_{salt}"


@dataclass(frozen=True)
class Members:
    """Members ``first .. first + count - 1``; ``tokens[i]`` is member ``first + i``'s."""

    first: int
    count: int
    salt: str
    ids: list[uuid.UUID]

    @property
    def tokens(self) -> list[str]:
        return [token_for(self.first + i, self.salt) for i in range(self.count)]


async def members(
    conn: asyncpg.Connection, count: int, *, first: int = 1, roles: str = '["member"]'
) -> Members:
    """``count`` members with phones 170xxxxxxxx, invite codes and one live token each."""
    salt = uuid.uuid4().hex[:8]
    rows = await conn.fetch(
        """
        WITH made AS (
            INSERT INTO users (id, phone, password_hash, display_name, invite_code, roles,
                               created_at)
            SELECT gen_random_uuid(), '170' || lpad(g::text, 8, '0'), $3, '压测' || g,
                   'BN' || upper(to_hex(g)), $4::jsonb, now()
            FROM generate_series($1::int, $1::int + $2::int - 1) AS g
            RETURNING id, phone
        ), tokens AS (
            INSERT INTO access_tokens (id, user_id, token_hash, expires_at, created_at)
            SELECT gen_random_uuid(), made.id,
                   encode(sha256(convert_to($5 || (substr(made.phone, 4)::int)::text
                                            || '_' || $6, 'UTF8')), 'hex'),
                   now() + interval '30 days', now()
            FROM made
            RETURNING user_id
        )
        SELECT made.id, substr(made.phone, 4)::int AS n FROM made ORDER BY n
        """,
        first,
        count,
        DUMMY_PASSWORD_HASH,
        roles,
        TOKEN_PREFIX,
        salt,
    )
    ids = [row["id"] for row in rows]
    found = Members(first=first, count=count, salt=salt, ids=ids)
    # The SQL spelling of the token must match the Python one the load generator sends.
    check = await conn.fetchval(
        "SELECT count(*) FROM access_tokens WHERE token_hash = $1",
        hashlib.sha256(found.tokens[0].encode()).hexdigest(),
    )
    if check != 1:
        raise RuntimeError("seeded token hashes do not match their tokens")
    return found


@dataclass(frozen=True)
class Catalog:
    supplier_id: uuid.UUID
    product_ids: list[uuid.UUID]
    sku_ids: list[uuid.UUID]


async def catalog(
    conn: asyncpg.Connection,
    *,
    skus: int,
    stock: int,
    price_fen: int = 12_900,
    supply_price_fen: int = 7_000,
    label: str = "bench",
) -> Catalog:
    """One supplier and ``skus`` active products of one SKU each, ``stock`` units apiece.
    The default price is above the free-shipping threshold, so orders carry no fee."""
    supplier_id = await conn.fetchval(
        "INSERT INTO suppliers (id, name, created_at) VALUES (gen_random_uuid(), $1, now()) "
        "RETURNING id",
        f"压测供应商 {label} {uuid.uuid4().hex[:6]}",
    )
    rows = await conn.fetch(
        """
        WITH products_made AS (
            INSERT INTO products (id, supplier_id, title, description, category, images,
                                  status, updated_at, created_at)
            SELECT gen_random_uuid(), $1, $2 || ' 商品 ' || g, '', '压测', '[]'::jsonb,
                   'active', now(), now()
            FROM generate_series(1, $3::int) AS g
            RETURNING id
        )
        INSERT INTO skus (id, product_id, name, price_fen, member_price_fen, supply_price_fen,
                          stock, reserved, sold, active, position, created_at)
        SELECT gen_random_uuid(), id, '标准装', $4, NULL, $5, $6, 0, 0, true, 0, now()
        FROM products_made
        RETURNING id, product_id
        """,
        supplier_id,
        label,
        skus,
        price_fen,
        supply_price_fen,
        stock,
    )
    return Catalog(
        supplier_id=supplier_id,
        product_ids=[row["product_id"] for row in rows],
        sku_ids=[row["id"] for row in rows],
    )


async def vacuum_analyze(dsn: str) -> None:
    """Fresh statistics and visibility maps after a bulk load (outside a transaction)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def ledger_accounts(conn: asyncpg.Connection, codes: list[str]) -> None:
    """Open ledger accounts the raw baseline's statements post to (the app opens its own)."""
    from quanzi.ledger.rules import account_id, account_kind

    await conn.executemany(
        "INSERT INTO ledger_accounts (id, code, kind, created_at) "
        "VALUES ($1, $2, $3, now()) ON CONFLICT (code) DO NOTHING",
        [(account_id(code), code, account_kind(code)) for code in codes],
    )


async def baseline_lookup(
    conn: asyncpg.Connection,
    *,
    sku_ids: list[uuid.UUID] | None = None,
    buyer_ids: list[uuid.UUID] | None = None,
    campaign_id: uuid.UUID | None = None,
) -> None:
    """Numbered lookups so pgbench (which only draws integers) can pick rows by uuid."""
    await conn.execute(
        """
        CREATE TABLE IF NOT EXISTS bench_baseline_skus (n int PRIMARY KEY, sku_id uuid);
        CREATE TABLE IF NOT EXISTS bench_baseline_buyers (n int PRIMARY KEY, user_id uuid);
        CREATE TABLE IF NOT EXISTS bench_baseline_campaigns (campaign_id uuid PRIMARY KEY);
        """
    )
    if sku_ids:
        await conn.executemany(
            "INSERT INTO bench_baseline_skus VALUES ($1, $2)",
            list(enumerate(sku_ids, start=1)),
        )
    if buyer_ids:
        await conn.executemany(
            "INSERT INTO bench_baseline_buyers VALUES ($1, $2)",
            list(enumerate(buyer_ids, start=1)),
        )
    if campaign_id:
        await conn.execute("INSERT INTO bench_baseline_campaigns VALUES ($1)", campaign_id)
