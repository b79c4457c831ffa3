"""A small local newsroom for `newswatch up --demo`: RSS feeds and article pages on 127.0.0.1.

The sample articles (ops/demo/articles.jsonl, written for this project; the events are invented)
are released one at a time, every `interval` seconds, into the feeds of three invented outlets.
Among sport and business news, a bombing is reported, its toll rises, a group claims it, and the
toll rises again, so the demo shows one incident appearing and then changing version.

Also runnable alone: `python -m ops.demo.server --port 8765 --interval 5`.
"""

from __future__ import annotations

import argparse
import html
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

OUTLETS = {
    "harbour-daily": "Harbour Daily (demo)",
    "coast-wire": "Coast Wire (demo)",
    "courier-sport": "Coast Courier: Sport (demo)",
    "courier-business": "Coast Courier: Business (demo)",
}
NOTICE = "Sample news written for the newswatch demo. The events, people and groups are invented."


@dataclass(frozen=True)
class DemoArticle:
    outlet: str
    slug: str
    title: str
    paragraphs: tuple[str, ...]


def load_articles() -> list[DemoArticle]:
    text = resources.files("ops.demo").joinpath("articles.jsonl").read_text(encoding="utf-8")
    items = []
    for line in text.splitlines():
        if line.strip():
            raw = json.loads(line)
            items.append(DemoArticle(raw["outlet"], raw["slug"], raw["title"], tuple(raw["paragraphs"])))
    return items


class Newsroom:
    """The release schedule and the documents; no I/O, so it is tested without a server."""

    def __init__(self, articles: list[DemoArticle], *, interval: float, first_after: float = 1.0,
                 started: float | None = None) -> None:
        self.articles = articles
        self.interval = interval
        self.started = time.time() if started is None else started
        self.first_after = first_after

    def release_time(self, index: int) -> float:
        return self.started + self.first_after + index * self.interval

    def released(self, now: float | None = None) -> list[tuple[int, DemoArticle]]:
        now = time.time() if now is None else now
        return [(i, a) for i, a in enumerate(self.articles) if self.release_time(i) <= now]

    def finished_at(self) -> float:
        return self.release_time(len(self.articles) - 1)

    def paragraphs(self, index: int) -> list[str]:
        # Written as "on {weekday}": the day the demo runs, so the incident happened today.
        weekday = datetime.fromtimestamp(self.release_time(index), UTC).strftime("%A")
        return [p.replace("{weekday}", weekday) for p in self.articles[index].paragraphs]

    def feed_xml(self, outlet: str, base_url: str, now: float | None = None) -> tuple[str, str]:
        """(RSS document, ETag) of what `outlet` has published so far, newest first."""
        items = [(i, a) for i, a in self.released(now) if a.outlet == outlet]
        entries = []
        for i, article in reversed(items):
            link = f"{base_url}/{outlet}/{article.slug}.html"
            entries.append(
                "<item>"
                f"<title>{escape(article.title)}</title><link>{escape(link)}</link>"
                f'<guid isPermaLink="true">{escape(link)}</guid>'
                f"<pubDate>{format_datetime(datetime.fromtimestamp(self.release_time(i), UTC))}</pubDate>"
                f"<description>{escape(self.paragraphs(i)[0])}</description>"
                "</item>"
            )
        document = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(OUTLETS[outlet])}</title><link>{escape(base_url)}/{outlet}/</link>"
            f"<description>{escape(NOTICE)}</description>{''.join(entries)}</channel></rss>\n"
        )
        return document, f'"{outlet}-{len(items)}"'

    def page_html(self, outlet: str, slug: str, now: float | None = None) -> str | None:
        """The article page, or None when no released article has that address."""
        for i, article in self.released(now):
            if article.outlet == outlet and article.slug == slug:
                return _page(outlet, article.title, self.paragraphs(i), self.release_time(i))
        return None

    def opml(self, base_url: str) -> str:
        outlines = "".join(
            f'<outline type="rss" text="{html.escape(name)}" xmlUrl="{base_url}/{slug}/feed.xml"/>'
            for slug, name in OUTLETS.items()
        )
        return ('<?xml version="1.0"?><opml version="2.0"><head><title>newswatch demo</title></head>'
                f"<body>{outlines}</body></opml>")


def _page(outlet: str, title: str, paragraphs: list[str], published: float) -> str:
    stamp = datetime.fromtimestamp(published, UTC).isoformat(timespec="seconds")
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    name = html.escape(OUTLETS[outlet])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {name}</title>
<meta property="article:published_time" content="{stamp}">
<meta property="og:title" content="{html.escape(title)}"></head>
<body>
<nav><a href="/">Home</a> | <a href="/">World</a> | <a href="/">Sport</a> | <a href="/">Business</a></nav>
<main><article>
<h1>{html.escape(title)}</h1>
<p class="byline">By the {name} newsroom, <time datetime="{stamp}">{stamp}</time></p>
{body}
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/">Weather: showers expected along the coast</a></li>
<li><a href="/">Ferry timetable changes this weekend</a></li></ul></aside>
<footer><p>{html.escape(NOTICE)}</p><p>Subscribe to our newsletter for daily headlines.</p></footer>
</body></html>
"""


def _handler(newsroom: Newsroom) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://{self.headers.get('Host') or '127.0.0.1'}"
            parts = self.path.split("?", 1)[0].strip("/").split("/")
            if parts == ["feeds.opml"]:
                return self._send(200, newsroom.opml(base), "text/x-opml")
            if len(parts) == 2 and parts[0] in OUTLETS and parts[1] == "feed.xml":
                document, etag = newsroom.feed_xml(parts[0], base)
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, "", "application/rss+xml", etag)
                return self._send(200, document, "application/rss+xml", etag)
            if len(parts) == 2 and parts[0] in OUTLETS and parts[1].endswith(".html"):
                page = newsroom.page_html(parts[0], parts[1][: -len(".html")])
                if page is not None:
                    return self._send(200, page, "text/html")
            return self._send(404, "not found\n", "text/plain")

        def _send(self, status: int, body: str, kind: str, etag: str | None = None) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            if status != 304:
                self.wfile.write(data)

        def log_message(self, *_: Any) -> None:  # the demo's terminal shows progress, not requests
            pass

    return Handler


class DemoServer:
    """The newsroom served over HTTP from a background thread."""

    def __init__(self, *, interval: float = 6.0, port: int = 0, first_after: float = 1.0) -> None:
        self.newsroom = Newsroom(load_articles(), interval=interval, first_after=first_after)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.newsroom))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="demo-newsroom", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def feeds(self) -> list[tuple[str, str]]:
        """(name, feed URL) of every outlet."""
        return [(name, f"{self.base_url}/{slug}/feed.xml") for slug, name in OUTLETS.items()]

    def start(self) -> DemoServer:
        # Release times count from when the server starts answering.
        self.newsroom.started = time.time()
        self._thread.start()
        return self

    def stop(self) -> None:
        # shutdown() waits for serve_forever to notice; if it never ran (up stopped early) it would wait forever.
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the newswatch demo news as RSS on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--interval", type=float, default=6.0, help="seconds between releases")
    args = parser.parse_args()
    server = DemoServer(interval=args.interval, port=args.port).start()
    print(f"serving {server.base_url}/feeds.opml (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
