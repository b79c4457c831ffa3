"""The private-network guard on real connections: the address checked is the address connected to."""

import asyncio
import shutil
import socket
import ssl
import subprocess

import httpx
import pytest
from pytest_httpserver import HTTPServer

import feeds.netguard
from feeds.http import Fetcher, FetchError, guarded_transport
from tests.integration.poll_support import settings


def _rebinding_resolver(real, name, first, later, answers):
    """getaddrinfo for `name` answering `first` once and `later` after, as a DNS rebinding attack does."""

    async def resolve(host, port, *args, **kwargs):
        asked = host.decode() if isinstance(host, bytes) else host  # anyio asks with bytes
        if asked != name:
            return await real(host, port, *args, **kwargs)
        address = later if answers else first
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    return resolve


def test_a_name_that_rebinds_to_loopback_after_the_check_is_never_connected_to(server):
    server.expect_request("/secret").respond_with_data("internal only")
    answers: list[str] = []

    async def go():
        loop = asyncio.get_running_loop()
        # The system resolver, answering public for the check and loopback for any later lookup.
        loop.getaddrinfo = _rebinding_resolver(loop.getaddrinfo, "rebind.example", "1.1.1.1", "127.0.0.1", answers)
        async with Fetcher(settings(allow_private_networks=False, http_timeout=1.0)) as fetcher:
            with pytest.raises(FetchError):
                await fetcher.get(f"http://rebind.example:{server.port}/secret", max_bytes=1000)

    asyncio.run(go())
    assert server.log == []  # the loopback service never heard from the poller
    assert answers == ["1.1.1.1"]  # one lookup: the connection went to the address that was checked


def test_every_redirect_hop_opens_its_connection_through_the_guard(server, monkeypatch):
    checked = []
    real_check = feeds.netguard.check_host

    async def recording_check(host, port, allow_private):
        checked.append(host)
        return await real_check(host, port, allow_private)

    monkeypatch.setattr(feeds.netguard, "check_host", recording_check)
    target = server.url_for("/feed").replace("127.0.0.1", "localhost")
    server.expect_request("/hop").respond_with_data("", status=302, headers={"Location": target})
    server.expect_request("/feed").respond_with_data("<rss/>")

    async def go():
        async with Fetcher(settings()) as fetcher:
            return await fetcher.get(server.url_for("/hop"), max_bytes=1000)

    assert asyncio.run(go()).body == b"<rss/>"
    assert checked == ["127.0.0.1", "localhost"]


def test_a_name_for_loopback_is_refused_at_its_connection(server):
    server.expect_request("/feed").respond_with_data("<rss/>")

    async def go():
        async with Fetcher(settings(allow_private_networks=False)) as fetcher:
            await fetcher.get(server.url_for("/feed").replace("127.0.0.1", "localhost"), max_bytes=1000)

    with pytest.raises(FetchError, match=r"refusing localhost: .* is a private, loopback or link-local address"):
        asyncio.run(go())
    assert server.log == []


@pytest.fixture()
def tls_server(tmp_path):
    """An HTTPS server on 127.0.0.1 whose certificate names only `localhost`; records the SNI it is sent."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (needed to make a test certificate)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)
    server = HTTPServer(host="127.0.0.1", ssl_context=context, threaded=True)
    server.start()
    yield server, cert, names
    server.clear()
    server.stop()


def test_https_through_the_guard_still_names_the_host_for_sni_the_certificate_and_host(tls_server):
    server, cert, sni = tls_server
    server.expect_request("/feed").respond_with_data("<rss/>")
    trust = ssl.create_default_context(cafile=str(cert))

    async def go():
        transport = guarded_transport(settings(allow_private_networks=True), verify=trust)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(f"https://localhost:{server.port}/feed")

    response = asyncio.run(go())
    # The certificate names only localhost, so the check passing means the TLS name was not the address.
    assert response.status_code == 200 and response.content == b"<rss/>"
    assert sni == ["localhost"]
    assert server.log[0][0].headers["Host"] == f"localhost:{server.port}"
