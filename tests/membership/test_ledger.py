"""The membership fee in the ledger: membership revenue, never sales revenue, never a
commission; refunds reverse it; the books always balance."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.core import db
from quanzi.ledger import rules as accounts
from quanzi.ledger.models import LedgerAccount
from quanzi.orders import rules as order_rules
from tests.helpers import Account
from tests.membership.support import become_member
from tests.orders.support import assert_ledger_sound, balances, refund

BOOKS = (
    accounts.PROVIDER_CLEARING,
    accounts.MEMBERSHIP_REVENUE,
    accounts.SALES_REVENUE,
    accounts.SHIPPING_REVENUE,
    accounts.REFUNDS_PAYABLE,
)


async def _books() -> dict[str, int]:
    found = await balances(*BOOKS)
    return {code: found.get(code, 0) for code in BOOKS}


async def _account_prefixes() -> set[str]:
    async def work(session: AsyncSession) -> set[str]:
        codes = await session.scalars(select(LedgerAccount.code))
        return {code.split(":", 1)[0] for code in codes}

    return await db.transaction(work)


async def test_fee_is_membership_revenue_and_refunds_reverse_it(
    client: httpx.AsyncClient, op: Account, buyer: Account, plan: dict[str, Any]
) -> None:
    order = await become_member(client, buyer, plan["id"])
    assert await _books() == {
        accounts.PROVIDER_CLEARING: 39800,
        accounts.MEMBERSHIP_REVENUE: -39800,
        accounts.SALES_REVENUE: 0,
        accounts.SHIPPING_REVENUE: 0,
        accounts.REFUNDS_PAYABLE: 0,
    }
    # No supplier is owed anything and no member earns anything on a membership fee.
    assert await _account_prefixes() == {accounts.PROVIDER_CLEARING, accounts.MEMBERSHIP_REVENUE}
    await assert_ledger_sound()

    assert (await refund(client, op, order["id"], 9800)).status_code == 200
    books = await _books()
    assert (books[accounts.MEMBERSHIP_REVENUE], books[accounts.PROVIDER_CLEARING]) == (
        -30000,
        30000,
    )
    assert (await refund(client, op, order["id"])).status_code == 200
    # The sandbox paid both refunds out at once: everything is back to zero.
    assert set((await _books()).values()) == {0}
    await assert_ledger_sound()


def test_payment_split_of_a_membership_order_is_pure_membership_revenue() -> None:
    line = order_rules.LineMoney(supplier_id=None, paid_fen=39800, supply_fen=0)
    legs = order_rules.payment_legs(
        39800, 0, [line], revenue=order_rules.revenue_account(order_rules.MEMBERSHIP)
    )
    assert legs == [
        accounts.Leg(accounts.PROVIDER_CLEARING, 39800),
        accounts.Leg(accounts.MEMBERSHIP_REVENUE, -39800),
    ]
    split = order_rules.split_refund(
        10000,
        [line],
        shipping_left_fen=0,
        final=False,
        revenue=order_rules.revenue_account(order_rules.MEMBERSHIP),
    )
    assert split.legs == [
        accounts.Leg(accounts.REFUNDS_PAYABLE, -10000),
        accounts.Leg(accounts.MEMBERSHIP_REVENUE, 10000),
    ]
    assert order_rules.revenue_account(order_rules.REGULAR) == accounts.SALES_REVENUE
