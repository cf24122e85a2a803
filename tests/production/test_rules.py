"""Pure production rules: the shop-day boundary, the cut rule, what a supplier is owed,
transitions, and reading shipment rows and files."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from quanzi.core.errors import ProblemError
from quanzi.orders import rules as order_rules
from quanzi.production import rules, uploads

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("now", "start"),
    [
        # 10:00 in Shanghai: the day began at 16:00 UTC the day before.
        (datetime(2026, 11, 2, 2, 0, tzinfo=UTC), datetime(2026, 11, 1, 16, 0, tzinfo=UTC)),
        (datetime(2026, 11, 2, 15, 59, 59, tzinfo=UTC), datetime(2026, 11, 1, 16, 0, tzinfo=UTC)),
        (datetime(2026, 11, 2, 16, 0, tzinfo=UTC), datetime(2026, 11, 2, 16, 0, tzinfo=UTC)),
        (datetime(2026, 12, 31, 17, 0, tzinfo=UTC), datetime(2026, 12, 31, 16, 0, tzinfo=UTC)),
    ],
)
def test_shop_day_starts_at_midnight_in_shanghai(now: datetime, start: datetime) -> None:
    assert rules.shop_day_start(now, SHANGHAI) == start


def test_shop_day_follows_daylight_saving_elsewhere() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-03-29: clocks go from 02:00 to 03:00; midnight was still +01:00.
    assert rules.shop_day_start(datetime(2026, 3, 29, 12, 0, tzinfo=UTC), berlin) == datetime(
        2026, 3, 28, 23, 0, tzinfo=UTC
    )
    assert rules.shop_day_start(datetime(2026, 3, 30, 12, 0, tzinfo=UTC), berlin) == datetime(
        2026, 3, 29, 22, 0, tzinfo=UTC
    )


def test_the_cut_rule() -> None:
    assert not rules.DEFAULT_RULE.reached(10**6)
    threshold = rules.Rule(rules.THRESHOLD, 5)
    assert not threshold.reached(4)
    assert threshold.reached(5)
    assert threshold.reached(6)
    for bad in ((rules.THRESHOLD, None), (rules.THRESHOLD, 0), ("weekly", None)):
        with pytest.raises(ValueError):  # noqa: PT011
            rules.Rule(*bad)


def test_transitions() -> None:
    rules.check_transition("created", "in_production")
    rules.check_transition("in_production", "produced")
    for old, new in (
        ("created", "produced"),
        ("produced", "in_production"),
        ("in_production", "in_production"),
        ("collecting", "in_production"),
    ):
        with pytest.raises(rules.IllegalTransition) as refused:
            rules.check_transition(old, new)
        assert refused.value.status == 409
        assert refused.value.extra == {"from": old, "to": new}


def test_net_supply_reuses_the_orders_reversal_rule() -> None:
    assert rules.net_supply(2400, 3980, 0, order_fully_refunded=False) == 2400
    assert rules.net_supply(2400, 3980, 1000, order_fully_refunded=False) == 2400 - 603
    assert rules.net_supply(2400, 3980, 3980, order_fully_refunded=True) == 0
    # A line given away (paid 0) is owed in full until its order is refunded entirely.
    assert rules.net_supply(2400, 0, 0, order_fully_refunded=False) == 2400
    assert rules.net_supply(2400, 0, 0, order_fully_refunded=True) == 0
    line = order_rules.LineMoney(uuid.uuid4(), 3980, 2400, 1000)
    assert 2400 - rules.net_supply(2400, 3980, 1000, order_fully_refunded=False) == (
        order_rules.supply_reversed(line, 1000, final=False)
    )


def _row(order_id: str = "", carrier: str = "SF", tracking: str = "1") -> rules.ShipmentRow:
    return rules.ShipmentRow(
        2, uuid.UUID(order_id) if order_id else uuid.uuid4(), carrier, tracking
    )


def test_shipment_actions() -> None:
    row = _row(carrier="顺丰", tracking="SF1")
    assert rules.shipment_action(row, order_status="confirmed", carrier=None, tracking_no=None) == (
        rules.SHIP
    )
    for status in ("shipped", "completed"):
        assert (
            rules.shipment_action(row, order_status=status, carrier="顺丰", tracking_no="SF1")
            == rules.UNCHANGED
        )
    other = rules.shipment_action(row, order_status="shipped", carrier="顺丰", tracking_no="SF2")
    assert isinstance(other, rules.RowError)
    assert other.code == "already_shipped"
    refunded = rules.shipment_action(row, order_status="refunded", carrier=None, tracking_no=None)
    assert isinstance(refunded, rules.RowError)
    assert refunded.code == "order_refunded"
    odd = rules.shipment_action(row, order_status="grouping", carrier=None, tracking_no=None)
    assert isinstance(odd, rules.RowError)
    assert odd.code == "order_not_shippable"


def test_json_rows_are_numbered_from_one_and_each_order_once() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    good, errors = rules.json_rows([(a, "SF", "1"), (b, "SF", "2"), (a, "SF", "3")])
    assert [(r.row, r.order_id) for r in good] == [(1, a), (2, b)]
    assert [(e.row, e.code, e.order_id) for e in errors] == [(3, "duplicate_order", str(a))]


def test_read_csv() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    data = (
        f'\ufeffnote,Tracking_No,order_id,carrier\r\nx,"SF 1",{a},顺丰\r\n\r\ny,ZT2, {b} ,中通\r\n'
    ).encode()
    good, errors = uploads.read_csv(data)
    assert errors == []
    assert [(r.row, r.order_id, r.carrier, r.tracking_no) for r in good] == [
        (2, a, "顺丰", "SF 1"),
        (4, b, "中通", "ZT2"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"order_id,carrier\n", "missing: tracking_no"),
        (b"order_id,carrier,tracking_no,carrier\n1,2,3,4\n", "twice"),
        (b"order_id,carrier,tracking_no\n", "no shipments"),
        (b"\xff\xfeo\x00", "UTF-8"),
        (b'order_id,carrier,tracking_no\n"x,y,z\n', "not valid CSV"),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(ProblemError) as refused:
        uploads.read_csv(data)
    assert refused.value.code == "invalid_csv"
    assert message in refused.value.detail


def test_too_many_rows() -> None:
    rows = "".join(f"{uuid.uuid4()},SF,{n}\n" for n in range(rules.MAX_SHIPMENT_ROWS + 1))
    with pytest.raises(ProblemError) as refused:
        uploads.read_csv(("order_id,carrier,tracking_no\n" + rows).encode())
    assert refused.value.code == "too_many_rows"


def test_upload_bytes() -> None:
    assert uploads.upload_bytes("text/csv; charset=utf-8", b"a") == b"a"
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="note"\r\n\r\n'
        b"hello\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="s.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
        b"order_id,carrier,tracking_no\r\nline\r\n"
        b"--XyZ--\r\n"
    )
    assert (
        uploads.upload_bytes("multipart/form-data; boundary=XyZ", body)
        == b"order_id,carrier,tracking_no\r\nline"
    )
    with pytest.raises(ProblemError) as refused:
        uploads.upload_bytes(
            "multipart/form-data; boundary=XyZ",
            b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--XyZ--\r\n',
        )
    assert refused.value.code == "invalid_upload"
    with pytest.raises(ProblemError) as refused:
        uploads.upload_bytes("application/json", b"{}")
    assert (refused.value.status, refused.value.code) == (415, "unsupported_media_type")
    with pytest.raises(ProblemError) as refused:
        uploads.upload_bytes("text/csv", b"x" * (uploads.MAX_UPLOAD_BYTES + 1))
    assert (refused.value.status, refused.value.code) == (413, "payload_too_large")
