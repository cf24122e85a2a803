from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.ledger import rules, service
from quanzi.ledger.rules import Leg
from tests.conftest import BACKEND


def test_check_balanced_refuses_bad_transfers() -> None:
    rules.check_balanced([Leg("provider_clearing", 100), Leg("sales_revenue", -100)])
    with pytest.raises(ValueError, match="unbalanced"):
        rules.check_balanced([Leg("provider_clearing", 100), Leg("sales_revenue", -99)])
    with pytest.raises(ValueError, match="two legs"):
        rules.check_balanced([Leg("provider_clearing", 0)])
    with pytest.raises(ValueError, match="zero"):
        rules.check_balanced([Leg("provider_clearing", 0), Leg("sales_revenue", 0)])
    with pytest.raises(ValueError, match="unknown ledger account"):
        rules.check_balanced([Leg("petty_cash", 1), Leg("sales_revenue", -1)])
    with pytest.raises(ValueError, match="out of range"):
        rules.check_balanced([Leg("provider_clearing", 10**13), Leg("sales_revenue", -(10**13))])


def test_merge_legs_nets_the_same_account() -> None:
    merged = rules.merge_legs(
        [
            Leg("sales_revenue", -50),
            Leg("sales_revenue", -50),
            Leg("provider_clearing", 100),
            Leg("shipping_revenue", 5),
            Leg("shipping_revenue", -5),
        ]
    )
    assert sorted(merged, key=lambda leg: leg.account) == [
        Leg("provider_clearing", 100),
        Leg("sales_revenue", -100),
    ]


def test_account_kinds() -> None:
    assert rules.account_kind("provider_clearing") == "asset"
    assert rules.account_kind(rules.member_available("u1")) == "liability"
    assert rules.account_kind(rules.supplier_payable("s1")) == "liability"
    assert rules.account_kind("commission_expense") == "expense"


async def test_transfer_is_recorded_once_per_key(database: str) -> None:
    legs = [Leg("provider_clearing", 1999), Leg("sales_revenue", -1999)]

    async def record(session: AsyncSession) -> str:
        first = await service.transfer(session, key="t-1", kind="test", legs=legs)
        again = await service.transfer(session, key="t-1", kind="test", legs=legs)
        assert again == first
        return str(first)

    await db.transaction(record)
    # and once more in another transaction
    await db.transaction(record)

    async def check(session: AsyncSession) -> None:
        assert await service.balance(session, "provider_clearing") == 1999
        assert await service.balance(session, "sales_revenue") == -1999
        assert await service.balance(session, "never_used_account") == 0
        assert await service.trial_balance(session) == 0
        assert await service.unbalanced_transfers(session) == []
        assert await service.balances(session, ["provider_clearing", "shipping_revenue"]) == {
            "provider_clearing": 1999,
            "shipping_revenue": 0,
        }

    await db.transaction(check)


async def test_unbalanced_transfer_refused_before_touching_the_database(database: str) -> None:
    async def record(session: AsyncSession) -> None:
        await service.transfer(
            session,
            key="bad",
            kind="test",
            legs=[Leg("provider_clearing", 10), Leg("sales_revenue", -9)],
        )

    with pytest.raises(ValueError, match="unbalanced"):
        await db.transaction(record)

    async def check(session: AsyncSession) -> None:
        assert await service.find_transfer(session, "bad") is None

    await db.transaction(check)


async def test_ledger_rows_cannot_be_edited_or_deleted(database: str) -> None:
    await db.transaction(
        lambda session: service.transfer(
            session,
            key="t",
            kind="test",
            legs=[Leg("provider_clearing", 10), Leg("sales_revenue", -10)],
        )
    )
    for statement in (
        "UPDATE ledger_postings SET amount_fen = amount_fen * 2",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_transfers SET kind = 'forged'",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.session_scope() as session:
                await session.execute(text(statement))


@pytest.mark.postgres_only
async def test_postgres_refuses_an_unbalanced_transfer_at_commit(database: str) -> None:
    assert BACKEND == "postgres"

    async def forge(session: AsyncSession) -> None:
        ids = await service.account_ids(session, ["provider_clearing", "sales_revenue"])
        await session.execute(
            text(
                "INSERT INTO ledger_transfers (id, idempotency_key, kind, description, created_at)"
                " VALUES ('00000000-0000-7000-8000-000000000001', 'forged', 'test', '', now())"
            )
        )
        await session.execute(
            text(
                "INSERT INTO ledger_postings (id, transfer_id, account_id, amount_fen, created_at)"
                " VALUES (gen_random_uuid(), '00000000-0000-7000-8000-000000000001', :a, 100, now()),"
                "        (gen_random_uuid(), '00000000-0000-7000-8000-000000000001', :b, -99, now())"
            ),
            {"a": ids["provider_clearing"], "b": ids["sales_revenue"]},
        )

    with pytest.raises(DBAPIError, match="unbalanced"):
        await db.transaction(forge)

    async def check(session: AsyncSession) -> None:
        assert await service.find_transfer(session, "forged") is None
        assert await service.trial_balance(session) == 0

    await db.transaction(check)
