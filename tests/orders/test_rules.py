"""Pure order rules, no database."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanzi.core.errors import Unprocessable
from quanzi.ledger import rules as accounts
from quanzi.ledger.rules import Leg, check_balanced
from quanzi.orders import rules

S1, S2 = uuid.UUID(int=1), uuid.UUID(int=2)


def test_transition_table() -> None:
    assert rules.can_transition("regular", "pending_payment", "paid")
    assert rules.can_transition("group", "pending_payment", "grouping")
    assert not rules.can_transition("regular", "pending_payment", "grouping")
    assert not rules.can_transition("group", "pending_payment", "paid")
    assert rules.can_transition("group", "grouping", "confirmed")
    assert not rules.can_transition("regular", "paid", "completed")
    assert not rules.can_transition("regular", "refunded", "paid")
    assert not rules.can_transition("unknown", "pending_payment", "paid")
    # A membership is virtual goods: completed straight from paid, never shipped.
    assert rules.can_transition("membership", "pending_payment", "paid")
    assert rules.can_transition("membership", "paid", "completed")
    assert not rules.can_transition("membership", "paid", "shipped")
    with pytest.raises(rules.IllegalTransition) as refused:
        rules.check_transition("regular", "shipped", "cancelled")
    problem = refused.value.to_problem()
    assert (problem["status"], problem["code"]) == (409, "illegal_transition")
    assert (problem["from"], problem["to"]) == ("shipped", "cancelled")


def test_terminal_states_have_no_way_out_but_refund() -> None:
    for kind, table in rules.TRANSITIONS.items():
        assert rules.REFUNDED not in table, kind
        for status in rules.STATUSES:
            targets = table.get(status, frozenset())
            assert targets <= set(rules.STATUSES)
        assert table[rules.CANCELLED] == {rules.REFUNDED}


def test_unit_price_precedence() -> None:
    assert rules.unit_price(4000, 3500, is_member=False, override_fen=None) == 4000
    assert rules.unit_price(4000, 3500, is_member=True, override_fen=None) == 3500
    assert rules.unit_price(4000, None, is_member=True, override_fen=None) == 4000
    assert rules.unit_price(4000, 3500, is_member=True, override_fen=1999) == 1999


def test_shipping_fee_threshold() -> None:
    assert rules.shipping_fee(9899, flat_fee_fen=1000, free_threshold_fen=9900) == 1000
    assert rules.shipping_fee(9900, flat_fee_fen=1000, free_threshold_fen=9900) == 0


def test_price_order_spreads_the_discount() -> None:
    a, b, c = uuid.UUID(int=10), uuid.UUID(int=11), uuid.UUID(int=12)
    priced = rules.price_order(
        [(a, 500, 1), (b, 500, 1), (c, 100, 1)], discount_fen=1000, shipping_fee_fen=0
    )
    # money.spread would give the last line 1000 - 454 - 454 = 92 ≤ 100: the spread holds.
    assert [line.discount_fen for line in priced.lines] == [454, 454, 92]
    assert [line.paid_fen for line in priced.lines] == [46, 46, 8]
    assert priced.total_fen == 100
    with pytest.raises(Unprocessable, match="discount"):
        rules.price_order([(a, 500, 1)], discount_fen=501, shipping_fee_fen=0)
    with pytest.raises(Unprocessable) as nothing:
        rules.price_order([(a, 500, 1)], discount_fen=500, shipping_fee_fen=0)
    assert nothing.value.code == "nothing_to_pay"


def test_spread_within_never_overflows_a_cap() -> None:
    assert rules.spread_within(10, [5, 5, 1]) == [4, 5, 1]
    assert rules.spread_within(1, [3, 3, 0]) == [0, 1, 0]
    assert rules.spread_within(0, [3, 3]) == [0, 0]
    with pytest.raises(ValueError, match="exceeds"):
        rules.spread_within(7, [3, 3])


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=8), st.data())
def test_spread_within_properties(caps: list[int], data: st.DataObject) -> None:
    total = data.draw(st.integers(0, sum(caps)))
    parts = rules.spread_within(total, caps)
    assert sum(parts) == total
    assert all(0 <= part <= cap for part, cap in zip(parts, caps, strict=True))


def test_merge_lines_and_limits() -> None:
    a, b = uuid.UUID(int=10), uuid.UUID(int=11)
    assert rules.merge_lines([(a, 1), (b, 2), (a, 3)], max_lines=5, max_quantity=10) == {a: 4, b: 2}
    assert list(rules.merge_lines([(b, 1), (a, 1)], max_lines=5, max_quantity=10)) == [b, a]
    for lines, code in [
        ([], "no_lines"),
        ([(a, 1)] * 6, "too_many_lines"),
        ([(a, 11)], "invalid_quantity"),
        ([(a, 6), (a, 5)], "invalid_quantity"),
        ([(a, 5), (a, -3)], "invalid_quantity"),
    ]:
        with pytest.raises(Unprocessable) as refused:
            rules.merge_lines(lines, max_lines=5, max_quantity=10)
        assert refused.value.code == code


def test_clean_address() -> None:
    cleaned = rules.clean_address(
        {
            "name": " A ",
            "phone": "0086 13800138000",
            "province": "P",
            "city": "C",
            "district": "D",
            "line1": "L",
            "line2": "  ",
        }
    )
    assert cleaned["phone"] == "13800138000"
    assert (cleaned["name"], cleaned["line2"]) == ("A", None)
    with pytest.raises(Unprocessable) as missing:
        rules.clean_address({"name": "A", "phone": "13800138000"})
    assert missing.value.code == "invalid_address"


def test_payment_legs() -> None:
    lines = [
        rules.LineMoney(S1, paid_fen=5000, supply_fen=3000),
        rules.LineMoney(S2, paid_fen=4000, supply_fen=2000),
    ]
    legs = rules.payment_legs(10000, 1000, lines)
    check_balanced(legs)
    assert sorted(legs, key=lambda leg: leg.account) == sorted(
        [
            Leg(accounts.PROVIDER_CLEARING, 10000),
            Leg(accounts.SHIPPING_REVENUE, -1000),
            Leg(accounts.supplier_payable(S1), -3000),
            Leg(accounts.supplier_payable(S2), -2000),
            Leg(accounts.SALES_REVENUE, -4000),
        ],
        key=lambda leg: leg.account,
    )
    # Sold below the supply price: sales revenue is debited, the supplier still paid in full.
    below = rules.payment_legs(1000, 0, [rules.LineMoney(S1, paid_fen=1000, supply_fen=1500)])
    assert Leg(accounts.SALES_REVENUE, 500) in below


@given(
    st.lists(st.tuples(st.integers(0, 50_000), st.integers(0, 60_000)), min_size=1, max_size=5),
    st.integers(0, 2000),
    st.lists(st.integers(1, 100_000), min_size=1, max_size=6),
)
def test_refunds_reverse_the_payment_exactly(
    lines_spec: list[tuple[int, int]], shipping: int, cuts: list[int]
) -> None:
    """Any sequence of refunds up to the total keeps each transfer balanced and, once the
    order is fully refunded, nets every account of the payment to zero."""
    lines = [
        rules.LineMoney(S1 if i % 2 else S2, paid_fen=paid, supply_fen=supply)
        for i, (paid, supply) in enumerate(lines_spec)
    ]
    total = sum(line.paid_fen for line in lines) + shipping
    if total == 0:
        return
    net: dict[str, int] = {}
    for leg in rules.payment_legs(total, shipping, lines):
        net[leg.account] = net.get(leg.account, 0) + leg.amount_fen
    refunded, shipping_refunded = 0, 0
    for cut in [*cuts, total]:
        amount = min(cut, total - refunded)
        if amount == 0:
            break
        final = refunded + amount == total
        split = rules.split_refund(
            amount, lines, shipping_left_fen=shipping - shipping_refunded, final=final
        )
        check_balanced(split.legs)
        assert sum(split.line_parts) + split.shipping_fen == amount
        for leg in split.legs:
            net[leg.account] = net.get(leg.account, 0) + leg.amount_fen
        lines = [
            rules.LineMoney(
                line.supplier_id, line.paid_fen, line.supply_fen, line.refunded_fen + part
            )
            for line, part in zip(lines, split.line_parts, strict=True)
        ]
        assert all(line.refunded_fen <= line.paid_fen for line in lines)
        refunded += amount
        shipping_refunded += split.shipping_fen
        if not final:
            # Goods go first: shipping only once no goods are left.
            assert split.shipping_fen == 0 or all(
                line.refunded_fen == line.paid_fen for line in lines
            )
    # The provider still holds the money until it pays the refunds out.
    net[accounts.PROVIDER_CLEARING] -= total
    net[accounts.REFUNDS_PAYABLE] = net.get(accounts.REFUNDS_PAYABLE, 0) + total
    assert {account: amount for account, amount in net.items() if amount} == {}
