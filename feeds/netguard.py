"""Refuse to fetch addresses inside private, loopback and link-local networks.

Links in feeds are untrusted: a feed could point the poller at 127.0.0.1:6379 or at a cloud
metadata service (169.254.169.254). Every connection the fetcher opens (redirect hops included)
goes through `GuardedBackend`, which resolves the host itself, refuses it when any of its addresses
is not globally routable (unless NEWSWATCH_ALLOW_PRIVATE_NETWORKS allows it), and connects to an
address it just checked. The name is resolved once per connection, never again by the HTTP client,
so a DNS server that answers differently the second time (DNS rebinding) gains nothing. TLS still
names the host (SNI and certificate check), and so does the Host header: httpcore takes both from
the URL, not from the address connected to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpcore


class BlockedAddress(Exception):
    """The URL's host is (or resolves to) an address newswatch will not fetch."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_host(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses to connect to for `host`, in the resolver's order of preference.

    Raises BlockedAddress when one of them must not be fetched (any, not just the first: the
    client could fall back to it), socket.gaierror when the name does not resolve.
    """
    name = host.strip("[]")
    try:
        addresses = [str(ipaddress.ip_address(name.split("%", 1)[0]))]
    except ValueError:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise BlockedAddress(
                    f"refusing {host}: {address} is a private, loopback or link-local address "
                    "(NEWSWATCH_ALLOW_PRIVATE_NETWORKS=1 allows it)")
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the guard between resolving a name and connecting to it."""

    def __init__(self, allow_private: bool, inner: httpcore.AsyncNetworkBackend | None = None):
        self.allow_private = allow_private
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await check_host(host, port, self.allow_private)
        except TimeoutError:
            raise socket.gaierror(socket.EAI_AGAIN, "DNS timed out") from None
        failure: Exception | None = None
        for address in addresses:  # in turn, as a client given the name would
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
