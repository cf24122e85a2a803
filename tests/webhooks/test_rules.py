from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanzi.core.security import hmac_sha256_hex
from quanzi.webhooks import rules
from quanzi.webhooks.rules import TargetRefused

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())
SECRET = "whsec_test-secret"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),  # IPv4-mapped, public inside
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("0.0.0.0", False),
        ("0.1.2.3", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("169.254.0.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("192.0.0.8", False),
        ("192.0.2.1", False),
        ("198.18.0.1", False),
        ("198.51.100.7", False),
        ("203.0.113.9", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:169.254.169.254", False),
        ("::ffff:10.0.0.1", False),
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("fc00::1", False),
        ("fd12:3456:789a::1", False),
        ("fe80::1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("ff0e::1", False),
        ("2001:db8::1", False),
        ("2001::1", False),  # Teredo
        ("100::1", False),
        ("3fff::1", False),
    ],
)
def test_public_address_table(address: str, public: bool) -> None:
    assert rules.is_public_address(address) is public
    assert rules.refused_addresses([address]) == ([] if public else [address])


def test_refused_addresses_keeps_only_the_refused_and_refuses_garbage_and_zones() -> None:
    assert rules.refused_addresses(["8.8.8.8", "10.0.0.1", "not-an-ip", "fe80::1%eth0"]) == [
        "10.0.0.1",
        "not-an-ip",
        "fe80::1%eth0",
    ]


@pytest.mark.parametrize(
    ("url", "host", "port", "netloc"),
    [
        ("https://hooks.example.com/quanzi", "hooks.example.com", 443, "hooks.example.com"),
        (
            "http://Hooks.Example.com:8080/x?y=1",
            "hooks.example.com",
            8080,
            "hooks.example.com:8080",
        ),
        ("http://[::1]:9000/", "::1", 9000, "[::1]:9000"),
        ("https://bücher.example/", "xn--bcher-kva.example", 443, "xn--bcher-kva.example"),
        ("http://8.8.8.8/hook", "8.8.8.8", 80, "8.8.8.8"),
    ],
)
def test_parse_target(url: str, host: str, port: int, netloc: str) -> None:
    target = rules.parse_target(url)
    assert (target.host, target.port, target.netloc) == (host, port, netloc)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://8.8.8.8/hook",
        "file:///etc/passwd",
        "gopher://8.8.8.8/",
        "javascript:alert(1)",
        "8.8.8.8/hook",
        "http://user:pw@8.8.8.8/hook",
        "http://user@8.8.8.8/hook",
        "http:///hook",
        "http://8.8.8.8/ho ok",
        "http://8.8.8.8/\r\nX-Injected: 1",
        "http://8.8.8.8:99999/",
        "http://8.8.8.8:0/",
    ],
)
def test_parse_target_refuses(url: str) -> None:
    with pytest.raises(TargetRefused):
        rules.parse_target(url)


@pytest.mark.parametrize(
    ("pattern", "topic", "matches"),
    [
        ("*", "order.paid", True),
        ("*", "member.joined", True),
        ("order.paid", "order.paid", True),
        ("order.paid", "order.paid_late", False),
        ("order.paid", "order", False),
        ("order.*", "order.paid", True),
        ("order.*", "order.line.refunded", True),
        ("order.*", "order", False),
        ("order.*", "orders.paid", False),
        ("order.line.*", "order.line.refunded", True),
        ("order.line.*", "order.paid", False),
    ],
)
def test_topic_matches(pattern: str, topic: str, matches: bool) -> None:
    assert rules.topic_matches(pattern, topic) is matches


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["*"], ["*"]),
        ([" order.* ", "order.paid", "order.*"], ["order.*", "order.paid"]),
        (["group_buy.succeeded", "membership.*"], ["group_buy.succeeded", "membership.*"]),
    ],
)
def test_normalise_patterns(patterns: list[str], expected: list[str]) -> None:
    assert rules.normalise_patterns(patterns) == expected


@pytest.mark.parametrize(
    "patterns",
    [[], ["Order.Paid"], ["order."], ["*.paid"], ["order.**"], ["order*"], ["."], ["a" * 81]],
)
def test_normalise_patterns_refuses(patterns: list[str]) -> None:
    with pytest.raises(ValueError, match=r"topic"):
        rules.normalise_patterns(patterns)


def test_ping_goes_only_to_its_endpoint() -> None:
    payload = {"endpoint_id": "e1"}
    assert rules.wants("e1", ["order.*"], rules.PING_TOPIC, payload)
    assert not rules.wants("e2", ["*"], rules.PING_TOPIC, payload)
    assert not rules.wants("e2", ["webhook.*"], rules.PING_TOPIC, payload)
    assert rules.wants("e2", ["order.*"], "order.paid", payload)
    assert not rules.wants("e2", ["order.*"], "member.joined", {})


@pytest.mark.parametrize(
    ("attempts", "jitter", "seconds"),
    [
        (1, 0.0, 30),
        (2, 0.0, 60),
        (3, 0.0, 120),
        (4, 0.0, 240),
        (10, 0.0, 30 * 512),
        (11, 0.0, 6 * 3600),  # 8.5 h capped
        (12, 0.0, 6 * 3600),
        (1000, 0.0, 6 * 3600),
        (1, 0.5, 31.5),
        (2, 0.5, 63),
        (10, 0.99, 30 * 512 * 1.099),
        (11, 0.99, 6 * 3600),
    ],
)
def test_retry_delay_schedule(attempts: int, jitter: float, seconds: float) -> None:
    assert rules.retry_delay(attempts, jitter).total_seconds() == pytest.approx(seconds)


@given(attempts=st.integers(1, 100), jitter=st.floats(0, 1, exclude_max=True))
def test_retry_delay_bounds(attempts: int, jitter: float) -> None:
    delay = rules.retry_delay(attempts, jitter)
    base = min(timedelta(seconds=30 * 2 ** min(attempts - 1, 20)), rules.MAX_RETRY)
    assert base <= delay <= min(base * 1.1, rules.MAX_RETRY)
    if attempts > 1:
        assert delay >= rules.retry_delay(attempts - 1, jitter)


@pytest.mark.parametrize(("attempts", "jitter"), [(0, 0.0), (1, -0.1), (1, 1.0)])
def test_retry_delay_refuses_bad_input(attempts: int, jitter: float) -> None:
    with pytest.raises(ValueError, match=r"attempts|jitter"):
        rules.retry_delay(attempts, jitter)


def test_body_and_headers() -> None:
    body = rules.encode_body("ev1", "order.paid", NOW, {"order_id": "o1", "note": "拼团"})
    assert json.loads(body) == {
        "id": "ev1",
        "topic": "order.paid",
        "created_at": "2026-11-02T02:00:00+00:00",
        "data": {"order_id": "o1", "note": "拼团"},
    }
    headers = rules.delivery_headers(SECRET, "ev1", STAMP, body)
    assert headers["Content-Type"] == "application/json"
    assert headers["Quanzi-Webhook-Id"] == "ev1"
    assert headers["Quanzi-Webhook-Timestamp"] == str(STAMP)
    expected = hmac_sha256_hex(SECRET, f"{STAMP}.".encode() + body)
    assert headers["Quanzi-Webhook-Signature"] == f"v1={expected}"


BODY = rules.encode_body("ev1", "order.paid", NOW, {"order_id": "o1"})
GOOD = rules.signature(SECRET, STAMP, BODY)
OTHER = rules.signature("whsec_other", STAMP, BODY)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "header", "now", "valid"),
    [
        (SECRET, STAMP, BODY, GOOD, NOW, True),
        (SECRET, str(STAMP), BODY, GOOD, NOW, True),
        (SECRET, STAMP, BODY, GOOD, NOW + timedelta(minutes=5), True),
        (SECRET, STAMP, BODY, GOOD, NOW - timedelta(minutes=5), True),
        (SECRET, STAMP, BODY, f"{OTHER}, {GOOD}", NOW, True),  # rotation: either may match
        (SECRET, STAMP, BODY, f"{GOOD} {OTHER}", NOW, True),
        ("whsec_wrong", STAMP, BODY, GOOD, NOW, False),  # wrong secret
        (SECRET, STAMP, BODY.replace(b"o1", b"o2"), GOOD, NOW, False),  # tampered body
        (SECRET, STAMP + 1, BODY, GOOD, NOW, False),  # timestamp not the signed one
        (SECRET, STAMP, BODY, GOOD, NOW + timedelta(minutes=5, seconds=1), False),  # stale
        (SECRET, STAMP, BODY, GOOD, NOW - timedelta(minutes=5, seconds=1), False),  # future
        (SECRET, STAMP, BODY, GOOD.removeprefix("v1="), NOW, False),  # no version
        (SECRET, STAMP, BODY, GOOD.replace("v1=", "v0="), NOW, False),
        (SECRET, STAMP, BODY, GOOD.upper(), NOW, False),
        (SECRET, STAMP, BODY, "", NOW, False),
        (SECRET, STAMP, BODY, OTHER, NOW, False),
        (SECRET, f"0{STAMP}", BODY, GOOD, NOW, False),  # the header string itself is signed
        (SECRET, "", BODY, GOOD, NOW, False),
        (SECRET, "1e9", BODY, GOOD, NOW, False),
        (SECRET, "-1", BODY, GOOD, NOW, False),
        (SECRET, "١٧٠٠٠٠٠٠٠٠", BODY, GOOD, NOW, False),  # non-ASCII digits
    ],
)
def test_verify_signature(
    secret: str, timestamp: str | int, body: bytes, header: str, now: datetime, valid: bool
) -> None:
    assert rules.verify_signature(secret, timestamp, body, header, now) is valid


def test_verify_signature_tolerance_is_adjustable() -> None:
    later = NOW + timedelta(minutes=30)
    assert not rules.verify_signature(SECRET, STAMP, BODY, GOOD, later)
    assert rules.verify_signature(SECRET, STAMP, BODY, GOOD, later, tolerance=timedelta(hours=1))


@given(
    secret=st.text(min_size=1, max_size=60),
    body=st.binary(max_size=300),
    skew=st.integers(-300, 300),
)
def test_sign_then_verify_round_trip(secret: str, body: bytes, skew: int) -> None:
    header = rules.signature(secret, STAMP, body)
    now = NOW + timedelta(seconds=skew)
    assert rules.verify_signature(secret, STAMP, body, header, now)
    assert not rules.verify_signature(secret + "x", STAMP, body, header, now)
    assert not rules.verify_signature(secret, STAMP, body + b"x", header, now)
