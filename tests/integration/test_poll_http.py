"""The HTTP client against real local servers: validators, compression, caps, redirects, timeouts."""

import asyncio
import gzip
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug import Response

from feeds.http import Fetcher, FetchError
from tests.integration.poll_support import settings


def fetch(url, config=None, **kwargs):
    async def go():
        async with Fetcher(config or settings()) as fetcher:
            return await fetcher.get(url, max_bytes=kwargs.pop("max_bytes", 1_000_000), **kwargs)

    return asyncio.run(go())


def test_the_conditional_request_carries_the_validators_and_a_304_comes_back(server):
    validators = {"If-None-Match": '"v1"', "If-Modified-Since": "Tue, 03 Mar 2026 07:00:00 GMT"}
    server.expect_request("/feed", headers=validators).respond_with_data("", status=304, headers={"ETag": '"v1"'})
    response = fetch(server.url_for("/feed"), etag='"v1"', last_modified="Tue, 03 Mar 2026 07:00:00 GMT")
    assert response.status == 304 and response.body == b""


def test_requests_name_newswatch_and_accept_compression(server):
    def echo(request):
        return Response(request.headers.get("User-Agent", "") + "|" + request.headers.get("Accept-Encoding", ""))

    server.expect_request("/feed").respond_with_handler(echo)
    text = fetch(server.url_for("/feed")).body.decode()
    assert text.startswith("newswatch/") and "gzip" in text


def test_a_gzipped_body_is_decoded(server):
    server.expect_request("/feed").respond_with_data(gzip.compress(b"<rss>hello</rss>"),
                                                     headers={"Content-Encoding": "gzip"})
    assert fetch(server.url_for("/feed")).body == b"<rss>hello</rss>"


def test_a_small_gzip_bomb_is_stopped_at_the_size_cap(server):
    bomb = gzip.compress(b"A" * 20_000_000)
    assert len(bomb) < 100_000
    server.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="too large"):
        fetch(server.url_for("/bomb"), max_bytes=1_000_000)


def test_a_declared_length_over_the_cap_is_refused_before_reading(server):
    server.expect_request("/big").respond_with_data(b"x" * 300_000)
    with pytest.raises(FetchError, match="too large: 300000 bytes"):
        fetch(server.url_for("/big"), max_bytes=100_000)


def test_a_503_reports_its_retry_after_in_seconds_or_as_a_date(server):
    server.expect_request("/a").respond_with_data("busy", status=503, headers={"Retry-After": "120"})
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    server.expect_request("/b").respond_with_data("busy", status=503, headers={"Retry-After": later})
    with pytest.raises(FetchError) as first:
        fetch(server.url_for("/a"))
    assert (first.value.status, first.value.retry_after) == (503, 120.0)
    with pytest.raises(FetchError) as second:
        fetch(server.url_for("/b"))
    assert second.value.retry_after is not None and 590 <= second.value.retry_after <= 600


def test_a_slow_server_times_out_instead_of_holding_the_poller(server):
    def slow(_request):
        time.sleep(2)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out|no complete answer"):
        fetch(server.url_for("/slow"), settings(http_timeout=0.3))
    assert time.monotonic() - started < 1.5


def test_permanent_redirects_report_the_new_address_and_temporary_ones_do_not(server):
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/moved-for-now").respond_with_data("", status=302, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("<rss/>")
    moved = fetch(server.url_for("/old"))
    assert moved.permanent_url == server.url_for("/new") and moved.body == b"<rss/>"
    assert fetch(server.url_for("/moved-for-now")).permanent_url is None


def test_a_redirect_loop_ends_with_an_error(server):
    server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="redirects"):
        fetch(server.url_for("/loop"))


def test_loopback_is_refused_unless_private_networks_are_allowed(server):
    server.expect_request("/feed").respond_with_data("<rss/>")
    with pytest.raises(FetchError, match="private"):
        fetch(server.url_for("/feed"), settings(allow_private_networks=False))


def test_a_dead_port_is_a_clean_error():
    with pytest.raises(FetchError):
        fetch("http://127.0.0.1:9/feed")


def test_requests_queued_behind_a_busy_host_leave_other_hosts_free(server):
    def slow(_request):
        time.sleep(0.6)
        return Response("slow")

    server.expect_request("/slow").respond_with_handler(slow)
    server.expect_request("/fast").respond_with_data("fast")
    config = settings(poll_concurrency=2, per_host_concurrency=1)
    other_host = server.url_for("/fast").replace("127.0.0.1", "localhost")

    async def go():
        async with Fetcher(config) as fetcher:
            slow_ones = [asyncio.create_task(fetcher.get(server.url_for("/slow"), max_bytes=100)) for _ in range(3)]
            await asyncio.sleep(0.05)
            started = time.monotonic()
            fast = await fetcher.get(other_host, max_bytes=100)
            fast_took = time.monotonic() - started
            await asyncio.gather(*slow_ones)
            return fast.body, fast_took

    body, took = asyncio.run(go())
    assert body == b"fast" and took < 0.4



@pytest.fixture()
def keepalive_server():
    """A stdlib HTTP/1.1 server that keeps connections open (werkzeug's closes every one), answering
    /feed with a 304 and anything else with a short 404; it records the client port of each request."""
    ports: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args):
            pass

        def do_GET(self):
            ports.append(self.client_address[1])
            status, body = (304, b"") if self.path == "/feed" else (404, b"not found\n" * 100)
            self.send_response(status)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", ports
    httpd.shutdown()
    httpd.server_close()


def test_unchanged_feeds_and_short_refusals_keep_their_connection(keepalive_server):
    # A response whose body is left unread closes its connection. Polls of unchanged feeds (304)
    # must not open a new connection each time: a burst of new connections overflows a small
    # server's accept queue, and every connection dropped there waits a second to be retried.
    base, ports = keepalive_server

    async def go():
        async with Fetcher(settings()) as fetcher:
            for _ in range(3):
                response = await fetcher.get(f"{base}/feed", max_bytes=100, etag='"v1"')
                assert response.status == 304 and response.body == b""
            for _ in range(2):
                with pytest.raises(FetchError, match="HTTP 404"):
                    await fetcher.get(f"{base}/gone", max_bytes=100)
            await fetcher.get(f"{base}/feed", max_bytes=100, etag='"v1"')

    asyncio.run(go())
    assert len(ports) == 6 and len(set(ports)) == 1
