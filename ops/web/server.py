"""Serving the web app: checks first (a one-line refusal beats a half-open service), then uvicorn."""

from __future__ import annotations

import asyncio
import logging
import socket

from newswatch.errors import ConfigError
from newswatch.settings import Settings, split_addr
from ops.web.security import is_loopback

log = logging.getLogger("newswatch.web")

SHUTDOWN_GRACE_S = 5  # open live pages are closed by then


def bind(settings: Settings) -> tuple[str, int]:
    """Where to listen; refuses a non-loopback address without NEWSWATCH_WEB_TOKEN."""
    host, port = split_addr(settings.web_addr)
    if not is_loopback(host) and not settings.web_token:
        raise ConfigError(f"NEWSWATCH_WEB_ADDR {settings.web_addr} is reachable from other machines: set "
                          "NEWSWATCH_WEB_TOKEN (the token its pages and API will ask for), or listen on 127.0.0.1")
    return host, port


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def listen(settings: Settings) -> socket.socket:
    """The listening socket, bound now so that a taken address is one clear line, not a traceback."""
    host, port = bind(settings)
    # proto named: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it a
    # response written in two parts waits ~40 ms for the client's delayed ACK on a kept-alive connection.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"NEWSWATCH_WEB_ADDR {settings.web_addr}: cannot listen there: {exc.strerror}") from None
    sock.listen(128)
    return sock


def serve(settings: Settings, sock: socket.socket) -> None:
    """Run `newswatch web` on `sock` until SIGINT or SIGTERM."""
    import uvicorn

    from db.pool import database_url
    from ops.web.app import create_app
    from ops.web.db import check_reader

    url = database_url()
    asyncio.run(check_reader(url))
    app = create_app(url, token=settings.web_token, pool_max=settings.db_pool_max)
    config = uvicorn.Config(app, log_config=None, access_log=False, server_header=False,
                            timeout_graceful_shutdown=SHUTDOWN_GRACE_S)
    uvicorn.Server(config).run(sockets=[sock])


def address_for_up(settings: Settings) -> tuple[str, str]:
    """(NEWSWATCH_WEB_ADDR for the web child of `newswatch up`, its URL). The configured address, or
    when something else already listens there another free port on the same host, so that a second
    demo on this machine still gets its pages (the URL printed says where)."""
    host, port = bind(settings)  # the refusal off loopback without a token, before anything starts
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1])
    shown_host = f"[{host}]" if ":" in host else host
    return f"{shown_host}:{port}", url_of(host, port)
