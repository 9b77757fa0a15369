"""Where server-side requests may go when a request chose the destination.

A connection test or a Hub redirect names a host; without a check the server would fetch it from
inside the cluster, and link-local addresses are where clouds serve instance credentials (AWS, GCP,
Azure at 169.254.169.254, AWS also at fd00:ec2::254). Those are refused unless the administrator
configured that very endpoint. Names are resolved here, so a DNS name pointing at a metadata
address is refused like the literal one.

The same goes for secrets: a stored key, token or proxy password goes only to the endpoint it was
stored for (`secret_for`), never to one that a request names.

What this cannot stop: a name that resolves differently between this check and the connection (DNS
rebinding). It narrows the destinations; it is not a firewall.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from odh_tec.errors import ApiError

if TYPE_CHECKING:
    from odh_tec.config import ProxySettings

_BLOCKED = (
    ipaddress.ip_network("169.254.0.0/16"),  # IPv4 link-local, cloud metadata
    ipaddress.ip_network("fe80::/10"),  # IPv6 link-local
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6 (not link-local)
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DestinationNotAllowed(ApiError):
    status, code = 400, "DestinationNotAllowed"


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: what a connection actually goes to."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # 'http://[::1' or a port out of range: no server, equal to no endpoint
        raise DestinationNotAllowed("The URL is not valid") from None  # may carry a password: not echoed
    host = (parts.hostname or "").lower()
    return scheme, _canonical_host(host), port


def _configured_origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        return _origin(url)
    except DestinationNotAllowed:  # a malformed setting matches nothing, and must not break checks
        return None


def _canonical_host(host: str) -> str:
    """A literal address in one spelling ('FD00:EC2::254' and 'fd00:ec2:0::254' are the same)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return None
    # ::ffff:169.254.169.254 reaches the IPv4 address on a dual-stack socket.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_blocked(address: str) -> bool:
    found = _address(address)
    return found is not None and any(found in network for network in _BLOCKED)


async def _resolve(host: str, port: int | None) -> list[str]:
    """Every address `host` resolves to; none when it does not resolve (the request then fails as
    unreachable on its own). The loop runs getaddrinfo in its thread pool: DNS never blocks it."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]  # sockaddr[0] is the address text for IPv4 and IPv6


def same_origin(url: str, other: str) -> bool:
    """Whether two endpoint URLs lead to the same server (scheme, host, port; case, default port,
    trailing slash and path ignored). Two empty values are the same (AWS S3's default endpoint)."""
    if not url or not other:
        return not url and not other
    found = _configured_origin(url)
    return found is not None and found == _configured_origin(other)


async def check_destination(url: str | object, *, configured: Iterable[str] = (), resolve: bool = True) -> None:
    """Raise DestinationNotAllowed when `url` leads to a link-local or metadata address, unless its
    origin is one of the `configured` endpoints (set by the administrator, not by this request).

    `resolve=False` when a proxy carries the request: the proxy resolves the name, this host may not
    be able to (a cluster whose only way out is the proxy), so only literal addresses are checked."""
    url = str(url)
    origin = _origin(url)
    if any(origin == _configured_origin(endpoint) for endpoint in configured if endpoint):
        return
    host = origin[1]
    # A literal address needs no lookup; anything else (names, 0xa9fea9fe, 2852039166) is resolved
    # the way the connection will be.
    if _address(host) is not None:
        addresses = [host]
    elif resolve:
        addresses = await _resolve(host, origin[2])
    else:
        addresses = []
    if any(is_blocked(a) for a in addresses):
        raise DestinationNotAllowed(f"Requests to {host} are not allowed: it is a link-local or cloud metadata address")


async def check_endpoint(url: str, *, saved: str, proxy: ProxySettings) -> None:
    """`check_destination` for an endpoint typed into the Settings page: the saved one is allowed
    whatever it is, and through a proxy only a literal address is checked (the proxy resolves names).
    An empty URL (AWS S3's default endpoint) goes nowhere this check could refuse."""
    if url:
        await check_destination(url, configured=(saved,), resolve=proxy.for_url(url) is None)


async def check_proxies(proxy: ProxySettings, *, saved: ProxySettings) -> None:
    """A proxy is a destination too: one typed into the form may not be a metadata address."""
    for url in (proxy.http_proxy, proxy.https_proxy):
        if url:
            await check_destination(url, configured=(saved.http_proxy, saved.https_proxy))


def secret_for(endpoint: str, *, saved_endpoint: str, stored: str, sent: str | None) -> str:
    """The secret to send to `endpoint`: the one that came with the request, else the stored one, and
    the stored one only to the endpoint it was stored for (it never follows a new endpoint)."""
    if sent is not None:
        return sent.strip()
    return stored if same_origin(endpoint, saved_endpoint) else ""
