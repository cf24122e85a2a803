"""Pure webhook rules: which targets are allowed, which topics an endpoint wants, when to
retry, and how a delivery is signed.

Signature scheme (what a receiver checks)
-----------------------------------------
Every delivery is an HTTP ``POST`` with a JSON body ``{"id", "topic", "created_at", "data"}``
and these headers::

    Content-Type: application/json
    Quanzi-Webhook-Id: <event id; the same on every retry, use it to drop duplicates>
    Quanzi-Webhook-Timestamp: <unix seconds when this attempt was signed>
    Quanzi-Webhook-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>

``body`` is the raw request body exactly as received (bytes, before any JSON parsing) and
``secret`` the endpoint's secret, shown once when the endpoint is created or its secret is
rotated. A receiver recomputes the HMAC, compares it in constant time, and refuses
timestamps further than a few minutes from its own clock, so a captured request cannot
be replayed later. :func:`verify_signature` does all of that. Several ``v1=`` values
separated by commas or spaces are accepted (any one matching is enough), which leaves room
to sign with an old and a new secret side by side. Delivery is at least once: a receiver
should answer 2xx quickly and ignore an ``Quanzi-Webhook-Id`` it has already processed.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from quanzi.core.security import hmac_sha256_hex

SIGNATURE_VERSION = "v1"
ID_HEADER = "Quanzi-Webhook-Id"
TIMESTAMP_HEADER = "Quanzi-Webhook-Timestamp"
SIGNATURE_HEADER = "Quanzi-Webhook-Signature"
DEFAULT_TOLERANCE = timedelta(minutes=5)

PING_TOPIC = "webhook.ping"
# Events on these topics are addressed to one endpoint (payload["endpoint_id"]) and never
# fan out to subscribers by topic, not even to "*".
ADDRESSED_TOPICS = frozenset({PING_TOPIC})

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)
# Retries are spread by up to this fraction of the delay so that deliveries that failed
# together (an endpoint was down) do not all come back in the same second.
JITTER_RATIO = 0.1

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# --- targets -------------------------------------------------------------------------


class TargetRefused(ValueError):
    """The URL may not be used as a webhook target; ``str(exc)`` says why."""


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: ``host`` is the ASCII (IDNA) host to resolve."""

    url: str
    scheme: str
    host: str
    port: int
    netloc: str


def parse_target(url: str) -> Target:
    """Parse a webhook URL, refusing what can never be a target (scheme, credentials)."""
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise TargetRefused("The URL contains whitespace or control characters.")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise TargetRefused(f"The URL cannot be parsed: {exc}.") from None
    if parsed.scheme not in ("http", "https"):
        raise TargetRefused("Only http and https URLs can receive webhooks.")
    if parsed.userinfo:
        raise TargetRefused("Credentials in the URL are not allowed.")
    host = parsed.raw_host.decode("ascii").strip("[]").lower()
    if not host:
        raise TargetRefused("The URL has no host.")
    port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
    if not 0 < port < 65536:
        raise TargetRefused("The URL's port is out of range.")
    return Target(
        url=url,
        scheme=parsed.scheme,
        host=host,
        port=port,
        netloc=parsed.netloc.decode("ascii"),
    )


_NON_GLOBAL_V4 = tuple(
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", includes 0.0.0.0
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes 255.255.255.255
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NON_GLOBAL_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments, includes Teredo 2001::/32
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64 or 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def is_public_address(address: IPAddress | str) -> bool:
    """Whether ``address`` is a globally routable unicast address a webhook may reach.

    Refuses private, loopback, link-local, multicast, reserved, unspecified, shared (CGNAT),
    documentation and benchmark ranges, in IPv4 and IPv6, and IPv6 forms that carry an IPv4
    address (``::ffff:127.0.0.1``, NAT64, 6to4) when that IPv4 address is refused. IPv6 must
    lie in global unicast space (2000::/3). The tables are explicit because the standard
    library's ``is_global`` differs between Python versions.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        embedded = _embedded_v4(ip)
        if embedded is not None:
            return is_public_address(embedded)
        if ip not in _GLOBAL_UNICAST_V6 or any(ip in net for net in _NON_GLOBAL_V6):
            return False
    elif any(ip in net for net in _NON_GLOBAL_V4):
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def refused_addresses(addresses: Iterable[str]) -> list[str]:
    """The addresses among ``addresses`` a webhook may not reach (unparseable ones included)."""
    refused = []
    for address in addresses:
        host, _, zone = address.partition("%")
        try:
            # A zone index (fe80::1%eth0) only exists on link-local addresses.
            allowed = not zone and is_public_address(host)
        except ValueError:
            allowed = False
        if not allowed:
            refused.append(address)
    return refused


# --- topics --------------------------------------------------------------------------

_TOPIC = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
MAX_TOPIC_LENGTH = 80


def is_valid_pattern(pattern: str) -> bool:
    """``*``, an exact topic (``order.paid``) or a prefix wildcard (``order.*``)."""
    if pattern == "*":
        return True
    if len(pattern) > MAX_TOPIC_LENGTH:
        return False
    base = pattern[:-2] if pattern.endswith(".*") else pattern
    return bool(_TOPIC.match(base))


def normalise_patterns(patterns: Sequence[str]) -> list[str]:
    """Validated, de-duplicated patterns in their given order; ``ValueError`` names a bad one."""
    result: list[str] = []
    for raw in patterns:
        pattern = raw.strip()
        if not is_valid_pattern(pattern):
            raise ValueError(f"{raw!r} is not a topic, '*' or a prefix like 'order.*'")
        if pattern not in result:
            result.append(pattern)
    if not result:
        raise ValueError("at least one topic is needed ('*' for all)")
    return result


def topic_matches(pattern: str, topic: str) -> bool:
    """``*`` matches every topic; ``order.*`` matches ``order.paid`` and ``order.line.refunded``
    but not ``order`` or ``orders.paid``; anything else matches only itself."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


def wants(
    endpoint_id: str, patterns: Sequence[str], topic: str, payload: Mapping[str, Any]
) -> bool:
    """Whether the endpoint ``endpoint_id`` subscribed with ``patterns`` receives this event."""
    if topic in ADDRESSED_TOPICS:
        return payload.get("endpoint_id") == endpoint_id
    return any(topic_matches(pattern, topic) for pattern in patterns)


# --- retries -------------------------------------------------------------------------


def retry_delay(attempts: int, jitter: float) -> timedelta:
    """How long to wait after ``attempts`` failed attempts (1, 2, …) before the next one.

    30 s, 1 min, 2 min, 4 min … doubling, plus up to 10 % (``jitter`` in [0, 1)), never more
    than 6 h.
    """
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    if not 0.0 <= jitter < 1.0:
        raise ValueError("jitter must be in [0, 1)")
    # The cap is reached long before 2**20 × 30 s; bounding the shift keeps the int small.
    base = FIRST_RETRY * (1 << min(attempts - 1, 20))
    return min(base * (1 + JITTER_RATIO * jitter), MAX_RETRY)


# --- body and signature --------------------------------------------------------------


def encode_body(event_id: str, topic: str, created_at: datetime, data: Mapping[str, Any]) -> bytes:
    """The delivery body: compact UTF-8 JSON ``{id, topic, created_at, data}``."""
    document = {"id": event_id, "topic": topic, "created_at": created_at.isoformat(), "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``Quanzi-Webhook-Signature`` value for ``body`` signed at ``timestamp``."""
    digest = hmac_sha256_hex(secret, f"{timestamp}.".encode() + body)
    return f"{SIGNATURE_VERSION}={digest}"


def delivery_headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Headers of one delivery attempt (see the module docstring)."""
    return {
        "Content-Type": "application/json",
        ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes,
    header: str,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> bool:
    """Whether ``header`` (``Quanzi-Webhook-Signature``) signs ``body`` at ``timestamp``
    (``Quanzi-Webhook-Timestamp``) with ``secret``, and ``timestamp`` is within
    ``tolerance`` of ``now``. For receivers; constant-time comparison."""
    stamp = str(timestamp).strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return False
    if abs(now.timestamp() - int(stamp)) > tolerance.total_seconds():
        return False
    expected = signature(secret, stamp, body)
    candidates = [part for part in re.split(r"[,\s]+", header.strip()) if part]
    # Compare against every candidate (no early exit) so timing says nothing about which.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(candidate.encode(), expected.encode())
    return matched
