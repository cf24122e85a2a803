"""Resolving a webhook URL and refusing non-public targets (the SSRF guard).

Checked when an endpoint is registered or its URL changes, and again before every delivery
attempt, because what a name resolves to can change. The delivery then connects to the
addresses checked here, not to a fresh lookup, so a DNS answer cannot be swapped in
between the check and the connection.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from quanzi.webhooks import rules
from quanzi.webhooks.rules import Target, TargetRefused

RESOLVE_TIMEOUT_SECONDS = 5.0


class TargetUnresolvable(Exception):
    """The target's host name did not resolve (now); ``str(exc)`` says why."""


@dataclass(frozen=True)
class ResolvedTarget:
    target: Target
    addresses: tuple[str, ...]


async def resolve(host: str, port: int) -> tuple[str, ...]:
    """The distinct addresses ``host`` resolves to, in resolver order (a thread does the
    blocking ``getaddrinfo``)."""
    try:
        infos = await asyncio.wait_for(
            asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM),
            timeout=RESOLVE_TIMEOUT_SECONDS,
        )
    except TimeoutError:
        raise TargetUnresolvable(f"Resolving {host} timed out.") from None
    except (OSError, UnicodeError) as exc:
        raise TargetUnresolvable(f"{host} does not resolve: {exc}.") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetUnresolvable(f"{host} resolves to no address.")
    return tuple(addresses)


async def check_target(url: str, *, allow_private: bool) -> ResolvedTarget:
    """Parse and resolve ``url``; refuse it if any address it resolves to is not public.

    Raises :class:`~quanzi.webhooks.rules.TargetRefused` (never allowed) or
    :class:`TargetUnresolvable` (the name does not resolve now). ``allow_private`` (the
    ``webhook_allow_private_targets`` setting) lifts the address rule, for development.
    """
    target = rules.parse_target(url)
    addresses = await resolve(target.host, target.port)
    if not allow_private:
        refused = rules.refused_addresses(addresses)
        if refused:
            raise TargetRefused(
                f"{target.host} resolves to {', '.join(refused)}, which is not a public "
                "internet address."
            )
    return ResolvedTarget(target=target, addresses=addresses)
