"""Whose address a request comes from: the one rule for believing `X-Forwarded-For`.

Behind the ingress every connection comes from the ingress, so the peer address alone would put every customer in
one rate-limit bucket and one network. The header is believed only when the peer is a trusted proxy
(`CSI_TRUSTED_PROXIES`, CIDRs, empty by default): anyone else could write any address into it. uvicorn runs with
`--no-proxy-headers` (SERVE_OPTIONS and the Dockerfiles' CMD) so that it does not apply a rule of its own first.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Sequence[str]) -> list[Network]:
    """`10.0.0.0/8, 192.168.1.7` (a bare address is a /32 or /128); a ValueError names a bad entry."""
    items = value.split(",") if isinstance(value, str) else value
    networks = []
    for item in (i.strip() for i in items):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"not a CIDR or an IP address: {item!r}") from exc
    return networks


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(request: Request, trusted: Sequence[Network]) -> str | None:
    """The peer, unless it is a trusted proxy: then the nearest address in `X-Forwarded-For` that is not one.

    The header is read from the right, because each proxy appends the address it saw: entries left of the first
    untrusted one were written by whoever that was, and prove nothing."""
    peer = request.client.host if request.client else None
    if peer is None or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for value in request.headers.getlist("x-forwarded-for") for h in value.split(",")]
    hops = [h for h in hops if h]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer
