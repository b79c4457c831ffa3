"""`newswatch web`: read-only pages and a JSON API for watching incidents unfold (ops/web/)."""

from __future__ import annotations

import click


@click.command(name="web")
def command() -> None:
    """Serve the incidents pages and the JSON API at NEWSWATCH_WEB_ADDR (default 127.0.0.1:8080).

    Read-only, as the newswatch_reader role. Off loopback it needs NEWSWATCH_WEB_TOKEN, which
    browsers give as the password of the login prompt and programs as `Authorization: Bearer TOKEN`.
    """
    from newswatch.logging import configure_logging
    from newswatch.settings import get_settings
    from ops.web.server import listen, serve, url_of

    settings = get_settings()
    configure_logging(settings)
    sock = listen(settings)  # a refusal (no token, address taken) is one line, before anything starts
    host, port = sock.getsockname()[:2]
    click.echo(f"newswatch web at {url_of(host, port)}", err=True)
    serve(settings, sock)
