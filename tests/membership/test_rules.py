"""Pure membership rules: term arithmetic (start, renewal, refund), bounds, code uploads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quanzi.core.errors import Unprocessable
from quanzi.membership import rules

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_first_purchase_starts_now() -> None:
    term = rules.activation_term(NOW, None, 365)
    assert term == rules.Term(NOW, NOW + 365 * DAY, renewal=False)


@pytest.mark.parametrize(
    ("expires_in", "renewal", "expected_expiry"),
    [
        # Renewing early loses no day: the new term follows the running one.
        (100 * DAY, True, NOW + 465 * DAY),
        # One microsecond left still counts as running.
        (timedelta(microseconds=1), True, NOW + 365 * DAY + timedelta(microseconds=1)),
        # Expiring exactly now is over: a fresh membership starts now.
        (timedelta(0), False, NOW + 365 * DAY),
        # Long expired: fresh start, the gap is not paid for.
        (-30 * DAY, False, NOW + 365 * DAY),
    ],
)
def test_renewal_extends_only_a_running_membership(
    expires_in: timedelta, renewal: bool, expected_expiry: datetime
) -> None:
    started = NOW - 200 * DAY
    term = rules.activation_term(NOW, (started, NOW + expires_in), 365)
    assert term.renewal is renewal
    assert term.expires_at == expected_expiry
    assert term.started_at == (started if renewal else NOW)


@pytest.mark.parametrize("days", [1, rules.MAX_DURATION_DAYS])
def test_duration_edges_accepted(days: int) -> None:
    assert rules.activation_term(NOW, None, days).expires_at == NOW + days * DAY


@pytest.mark.parametrize("days", [0, -1, rules.MAX_DURATION_DAYS + 1])
def test_duration_out_of_range_refused(days: int) -> None:
    with pytest.raises(ValueError, match="duration"):
        rules.activation_term(NOW, None, days)
    with pytest.raises(ValueError, match="duration"):
        rules.expiry_after_refund(NOW, days)


def test_refund_takes_back_exactly_the_days_bought() -> None:
    # A first year refunded a month in: the membership has nothing left.
    assert rules.expiry_after_refund(NOW + 335 * DAY, 365) <= NOW
    # A renewal refunded: back to the first term's end.
    assert rules.expiry_after_refund(NOW + 700 * DAY, 365) == NOW + 335 * DAY


def test_is_active_is_half_open() -> None:
    start, end = NOW, NOW + DAY
    assert rules.is_active(start, end, start)
    assert rules.is_active(start, end, end - timedelta(microseconds=1))
    assert not rules.is_active(start, end, end)
    assert not rules.is_active(start, end, start - timedelta(microseconds=1))


def test_prepaid_limit() -> None:
    assert not rules.prepaid_too_far(NOW, None)
    assert not rules.prepaid_too_far(NOW, NOW + rules.MAX_PREPAID_DAYS * DAY)
    assert rules.prepaid_too_far(NOW, NOW + rules.MAX_PREPAID_DAYS * DAY + timedelta(seconds=1))


def test_codes_are_trimmed_and_deduplicated_in_order() -> None:
    assert rules.clean_codes([" A1 ", "B2", "A1", "C3 "]) == ["A1", "B2", "C3"]


@pytest.mark.parametrize("bad", ["", "   ", "x" * (rules.MAX_CODE_LENGTH + 1), "tab\there"])
def test_bad_code_refuses_the_upload(bad: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        rules.clean_codes(["GOOD", bad])
    assert refused.value.code == "invalid_code"
    assert refused.value.extra["position"] == 1


def test_too_many_codes() -> None:
    with pytest.raises(Unprocessable) as refused:
        rules.clean_codes(f"C{i}" for i in range(rules.MAX_CODES_PER_UPLOAD + 1))
    assert refused.value.code == "too_many_codes"


def test_partner_names_unique_ignoring_case() -> None:
    rules.check_partners(["瑞幸咖啡", "Keep"])
    with pytest.raises(Unprocessable) as refused:
        rules.check_partners(["Keep", "keep"])
    assert refused.value.code == "duplicate_partner"
    with pytest.raises(Unprocessable):
        rules.check_partners([f"P{i}" for i in range(rules.MAX_PARTNER_BENEFITS + 1)])


def test_names_are_collapsed_and_bounded() -> None:
    assert rules.clean_name("  Shop   owner ", field="name", max_length=80) == "Shop owner"
    with pytest.raises(Unprocessable):
        rules.clean_name("   ", field="name", max_length=80)
    with pytest.raises(Unprocessable):
        rules.clean_name("x" * 81, field="name", max_length=80)
