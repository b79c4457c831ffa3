"""Hostile input through the whole pipeline: feed -> poller -> worker -> web page (and a browser).

An article whose title and text carry `<script>alert(1)</script>` and a `javascript:` link, in a
feed that also offers a `javascript:` item link, is polled, fetched, extracted and resolved by the
real processes; every page and event that shows it must show it as text, never as markup or a link.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from tests.conftest import ROOT
from tests.integration.browser_support import assert_no_alert, browser_or_skip, screenshot
from tests.integration.poll_support import add_feed, start_server
from tests.integration.web_support import EventStream, WebServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

SCRIPT = "<script>alert(1)</script>"
TITLE = f"Bomb kills 5 at Mombasa market {SCRIPT}"
PARAGRAPHS = [
    f"At least 5 people were killed and 9 injured {SCRIPT} when a bomb exploded at a market in Mombasa, "
    "Kenya, on Monday, police said.",
    'Witnesses said the device was hidden in a sack of charcoal. <a href="javascript:alert(2)">javascript:alert(2)</a>',
    "Police have made no arrests.",
]


def _feed(base: str) -> str:
    when = format_datetime(datetime.now(UTC))
    escaped = TITLE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Hostile Herald</title>'
            f"<link>{base}/</link>"
            f"<item><title>{escaped}</title><link>{base}/bomb.html</link><guid>{base}/bomb.html</guid>"
            f"<pubDate>{when}</pubDate></item>"
            f"<item><title>Click me</title><link>javascript:alert(3)</link><pubDate>{when}</pubDate></item>"
            "</channel></rss>")


def _page() -> str:
    def text(p: str) -> str:  # the script is text in the article (escaped in its HTML); the link is markup
        return p.replace(SCRIPT, SCRIPT.replace("<", "&lt;").replace(">", "&gt;"))

    body = "".join(f"<p>{text(p)}</p>" for p in PARAGRAPHS)
    title = text(TITLE)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<main><article><h1>{title}</h1>{body}</article></main></body></html>")


def _wait_for_incident(db, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = db.execute("SELECT * FROM incidents_current").fetchone()
        if row is not None:
            return row
        time.sleep(1)
    statuses = db.execute("SELECT url, status, failure_reason FROM articles").fetchall()
    raise AssertionError(f"no incident within {timeout}s; articles: {statuses}")


def test_a_hostile_article_is_shown_as_text_on_every_page_and_in_the_browser(db, database_url, private_redis_url):
    server = start_server()
    env = {"REDIS_URL": private_redis_url, "DATABASE_URL": database_url, "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1"}
    worker = None
    web = None
    try:
        base = server.url_for("").rstrip("/")
        server.expect_request("/feed.xml").respond_with_data(_feed(base), content_type="application/rss+xml")
        server.expect_request("/bomb.html").respond_with_data(_page(), content_type="text/html; charset=utf-8")
        add_feed(db, f"{base}/feed.xml")
        import os

        full_env = {**os.environ, **env}
        polled = subprocess.run([sys.executable, "-m", "ops", "poller", "--once", "--all"], cwd=ROOT, env=full_env,
                                capture_output=True, text=True, timeout=120)
        assert polled.returncode == 0, polled.stderr
        worker = subprocess.Popen([sys.executable, "-m", "ops", "worker", "--queues", "extract,resolve",
                                   "--concurrency", "1"], cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        incident = _wait_for_incident(db, timeout=180)
        stored = db.execute("SELECT title, text FROM articles_current WHERE url LIKE %s", ("%bomb.html",)).fetchone()
        version = db.execute("SELECT quote FROM incident_versions").fetchone()
        assert SCRIPT in stored["title"] and SCRIPT in stored["text"] and SCRIPT in version["quote"]
        assert "javascript:alert(2)" in stored["text"]  # the link's text; its markup is gone
        assert db.execute("SELECT count(*) AS n FROM articles WHERE url ILIKE 'javascript:%'").fetchone()["n"] == 0

        web = WebServer(database_url)
        iid = incident["incident_id"]
        pages = {path: httpx.get(web.url + path).text for path in ("/", f"/incidents/{iid}", "/feeds")}
        stream = EventStream(web.url + "/events?after=2000-01-01")
        pages["/events"] = stream.next("upsert")["data"]["html"]
        stream.close()
        for path, text in pages.items():
            assert "<script>alert" not in text, path
            assert 'href="javascript:' not in text.lower(), path
        escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
        incident_page = pages[f"/incidents/{iid}"]
        quote_shown = incident_page.split('<blockquote class="quote">', 1)[1].split("</blockquote>", 1)[0]
        assert escaped in quote_shown  # the quote, as text
        sources = incident_page.split('<table class="sources">', 1)[1]
        assert f"Bomb kills 5 at Mombasa market {escaped}" in sources  # the title, as text
        api = httpx.get(web.url + f"/api/incidents/{iid}")
        assert api.headers["content-type"] == "application/json" and api.headers["x-content-type-options"] == "nosniff"
        assert api.json()["versions"][0]["quote"] == version["quote"]  # data, kept exactly as stored

        driver = browser_or_skip()
        try:
            driver.get(web.url + f"/incidents/{iid}")
            assert driver.execute_script("return document.querySelectorAll('script:not([src])').length") == 0
            shown = driver.find_element("tag name", "main").text
            assert SCRIPT in shown  # the script is visible as text
            assert driver.execute_script(
                "return Array.from(document.links).filter(a => a.protocol === 'javascript:').length") == 0
            assert_no_alert(driver)
            screenshot(driver, "hostile-incident")
            driver.get(web.url + "/")
            assert f"#{iid}" in driver.find_element("id", "incidents").text
            assert_no_alert(driver)
        finally:
            driver.quit()
    finally:
        if web is not None:
            web.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        server.stop()
