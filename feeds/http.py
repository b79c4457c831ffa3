"""Polite, bounded HTTP GETs for feeds and pages (httpx, asyncio: many requests in flight at once).

What every request gets: the newswatch User-Agent, compression (httpx decodes gzip/deflate), connect
and read timeouts plus an overall deadline (a server dripping one byte a second cannot hold a slot
forever), a cap on the body size counted after decompression (so a small gzip bomb is stopped too),
a cap on requests in flight per host and in total, redirects followed by hand so that a permanent
move can be reported to the caller, and every connection (every hop's) opened through the
private-network guard, which connects to the very address it checked (feeds/netguard.py).

Everything that can go wrong on the network becomes `FetchError` with a short reason; a 304 is
returned as a normal response (the caller treats it as "nothing new").
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from feeds.netguard import BlockedAddress, GuardedBackend
from feeds.schedule import parse_retry_after
from newswatch.settings import Settings

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
               "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
MAX_REDIRECTS = 5
PERMANENT = (301, 308)
DRAIN_LIMIT = 64 * 1024  # an unwanted body (error, redirect) up to this size is read to keep its connection


class Skipped(Exception):
    """The caller's `proceed` check said no once the request had its slots (the poller is stopping)."""


class FetchError(Exception):
    """A request that brought nothing usable. `retry_after`: seconds the server asked us to wait."""

    def __init__(self, reason: str, *, kind: str = "network", status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # one short word (http, timeout, too_large, dns, ...): a metrics label
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Response:
    url: str                    # where the body came from, after redirects
    status: int                 # 200-299 or 304
    headers: httpx.Headers
    body: bytes
    permanent_url: str | None   # the new address when the first hops were all permanent redirects

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def guarded_transport(settings: Settings, verify: ssl.SSLContext | None = None) -> httpx.AsyncHTTPTransport:
    """httpx's own transport, its connection pool opening every connection through GuardedBackend.

    `verify`: the TLS context checking servers (default: certifi's CAs, as httpx's own default).

    httpx takes no network backend, so the pool it built (the private `_pool`) is replaced by one
    built the same way with ours; tests/integration/test_poll_http.py fails should a new httpx stop
    sending through it. No more connections than requests in flight: httpcore scans its whole pool per request,
    so a larger pool only costs CPU (measured with ops/bench/poll.py).
    """
    slots = max(1, settings.poll_concurrency)
    limits = httpx.Limits(max_connections=slots, max_keepalive_connections=slots)
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=verify or httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(settings.allow_private_networks),
    )
    return transport


def request_deadline(settings: Settings) -> float:
    """Longest one request may take from sending to its last byte (connect and read timeouts are
    per step; this bounds a server that drips its answer)."""
    return max(settings.http_timeout * 3, 1.0)


class Fetcher:
    """One per poller process: an httpx client with per-host and total concurrency caps."""

    def __init__(self, settings: Settings):
        self.settings = settings
        timeout = settings.http_timeout
        self.deadline = request_deadline(settings)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, pool=None),  # waiting for a pooled connection is not an error
            follow_redirects=False,
            headers={"User-Agent": settings.user_agent},
            transport=guarded_transport(settings),
            trust_env=False,  # a proxy from the environment would bypass the private-network guard
        )
        self._total = asyncio.Semaphore(max(1, settings.poll_concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(max(1, self.settings.per_host_concurrency))
        return slot

    async def get(self, url: str, *, max_bytes: int, accept: str = FEED_ACCEPT,
                  etag: str | None = None, last_modified: str | None = None,
                  proceed: Callable[[], bool] | None = None) -> Response:
        """GET `url`; 2xx and 304 come back, everything else raises FetchError.

        `proceed` is asked once the request has its slots, just before it is sent; False raises
        Skipped (work queued behind busy hosts is given back when the poller stops).
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._follow(url, headers, max_bytes, proceed)

    async def _follow(self, url: str, headers: dict[str, str], max_bytes: int,
                      proceed: Callable[[], bool] | None) -> Response:
        permanent_url: str | None = None
        still_permanent = True
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            status, response_headers, body = await self._one(current, headers, max_bytes, proceed)
            proceed = None  # a request under way finishes its redirects
            if status in (301, 302, 303, 307, 308):
                location = response_headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} redirect without a Location", status=status, kind="http")
                target = urljoin(current, location.strip())
                if still_permanent and status in PERMANENT:
                    permanent_url = target
                else:
                    still_permanent = False
                current = target
                continue
            if status == 304 or 200 <= status < 300:
                return Response(current, status, response_headers, body, permanent_url)
            retry_after = parse_retry_after(response_headers.get("retry-after"), datetime.now(UTC))
            raise FetchError(f"HTTP {status}", status=status, retry_after=retry_after, kind="http")
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", kind="redirects")

    async def _one(self, url: str, headers: dict[str, str], max_bytes: int,
                   proceed: Callable[[], bool] | None) -> tuple[int, httpx.Headers, bytes]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not an http(s) URL: {url[:200]}", kind="bad_url")
        try:
            # The host's slot first, then a slot of the total: a request queued behind a busy host
            # holds no slot other hosts could use. The deadline starts once the request may go.
            async with self._host_slot(parts.hostname), self._total:
                if proceed is not None and not proceed():
                    raise Skipped(url)
                try:
                    async with asyncio.timeout(self.deadline):
                        return await self._send(url, headers, max_bytes)
                except TimeoutError:
                    raise FetchError(f"no complete answer within {self.deadline:.0f}s", kind="timeout") from None
        except BlockedAddress as exc:
            raise FetchError(str(exc), kind="private_address") from None
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve {parts.hostname}: {exc.strerror or exc}", kind="dns") from None
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__})", kind="timeout") from None
        except httpx.DecodingError as exc:
            raise FetchError(f"bad content encoding: {exc}", kind="encoding") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(f"bad URL: {exc}", kind="bad_url") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc or 'connection failed'}", kind="network") from None
        except OSError as exc:  # e.g. a socket error the transport did not wrap
            raise FetchError(f"network error: {exc}", kind="network") from None

    async def _send(self, url: str, headers: dict[str, str], max_bytes: int) -> tuple[int, httpx.Headers, bytes]:
        async with self.client.stream("GET", url, headers=headers) as r:
            if not 200 <= r.status_code < 300:
                # The body of an error or a redirect is not wanted, but a connection whose response
                # was not read to its end is closed instead of going back to the pool. A 304 has no
                # body (h11 reads nothing more), and a short declared body is cheap to drain: reading
                # them keeps the connection, so the next polls of an unchanged feed do not open new
                # ones. Opening many at once overflows a small server's accept queue, and each
                # connection dropped there waits a full second for its handshake to be retried.
                declared = r.headers.get("content-length", "")
                if r.status_code == 304 or (declared.isdigit() and int(declared) <= DRAIN_LIMIT):
                    await r.aread()
                return r.status_code, r.headers, b""
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"too large: {declared} bytes (limit {max_bytes})", status=r.status_code,
                                 kind="too_large")
            chunks: list[bytes] = []
            size = 0
            async for chunk in r.aiter_bytes():  # decompressed: the cap also stops a gzip bomb
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"too large: more than {max_bytes} bytes", status=r.status_code, kind="too_large")
                chunks.append(chunk)
            return r.status_code, r.headers, b"".join(chunks)
