"""Helpers for the poller tests (no tests here): settings, a threaded local HTTP server, one pass."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from pytest_httpserver import HTTPServer

from feeds.poller import PassStats, Poller
from newswatch.settings import Settings


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": os.environ.get("DATABASE_URL"), "allow_private_networks": True, "http_timeout": 2.0,
        "min_interval": 1.0, "default_interval": 60.0, "max_backoff": 3600.0, "poll_concurrency": 8,
        "fetch_attempts": 3}
    values.update(overrides)
    return Settings(**values)


def start_server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    return server


def add_feed(db: Any, url: str, interval_s: int = 60) -> int:
    from feeds.urls import url_key

    row = db.execute("INSERT INTO feeds (url, url_key, interval_s) VALUES (%s, %s, %s) RETURNING id",
                     (url, url_key(url), interval_s)).fetchone()
    return int(row["id"])


def run_pass(config: Settings | None = None, *, all_feeds: bool = False,
             sent: list[tuple[int, int]] | None = None) -> PassStats:
    """One `poller --once` pass in this process; enqueued (article id, revision) go to `sent`."""
    box = sent if sent is not None else []
    poller = Poller(config or settings(), lambda article_id, revision: box.append((article_id, revision)))
    return asyncio.run(poller.run_once(all_feeds=all_feeds))


def rss(*items: tuple[str, str, str], title: str = "Test feed") -> str:
    """RSS 2.0 with items (title, link, pubDate)."""
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{when}</pubDate></item>"
                   for t, link, when in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link>{body}</channel></rss>")


def article_html(title: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<nav><a href="/">Home</a> <a href="/sport">Sport</a></nav><main><article><h1>{title}</h1>{body}'
            f"</article></main><footer>Copyright the test paper.</footer></body></html>")
