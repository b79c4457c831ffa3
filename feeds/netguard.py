"""Refuse to fetch addresses inside private, loopback and link-local networks.

Links in feeds are untrusted: a feed could point the poller at 127.0.0.1:6379 or at a cloud
metadata service (169.254.169.254). Every host is resolved before each request (redirect hops
included) and refused when any of its addresses is not globally routable, unless the setting
NEWSWATCH_ALLOW_PRIVATE_NETWORKS allows it (local tests and the demo).

Known gap: the name is resolved again by the HTTP client when it connects, so a DNS server that
answers differently the second time (DNS rebinding) could still slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket


class BlockedAddress(Exception):
    """The URL's host is (or resolves to) an address newswatch will not fetch."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_host(host: str, port: int, allow_private: bool) -> None:
    """Raise BlockedAddress when `host` must not be fetched; socket.gaierror when it does not resolve."""
    if allow_private:
        return
    name = host.strip("[]")
    try:
        addresses = [name] if ipaddress.ip_address(name.split("%", 1)[0]) else []
    except ValueError:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if not is_public(address):
            raise BlockedAddress(
                f"refusing {host}: {address} is a private, loopback or link-local address "
                "(NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1 allows it)")
