"""An entry the store cannot take is that entry's error, never its batch's.

Feeds are written a batch at a time (one INSERT of new entries, one UPDATE of statuses): a single
hostile entry used to make PostgreSQL refuse the whole statement, so no feed of the batch got a
status and no article was stored.
"""

import asyncio
import random

import psycopg
import pytest

from db.pool import connection
from feeds.articles import store_entries
from feeds.feedstate import FeedResult
from feeds.parse import Entry
from feeds.poller import PassStats, Poller
from tests.integration.poll_support import add_feed, rss, run_pass, settings

WHEN = "Tue, 03 Mar 2026 07:15:00 +0000"


def _incompressible(n: int, seed: int = 7) -> str:
    """n random CJK characters (3 bytes each): PostgreSQL cannot compress them under its index limit."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(n))


def _feed_with_item(server, path, title, link, guid=None):
    item = (f"<item><title>{title}</title><link>{link}</link>"
            f"<guid isPermaLink='false'>{guid or link}</guid><pubDate>{WHEN}</pubDate></item>")
    body = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{path}</title>'
            f"<link>http://example.invalid/</link>{item}</channel></rss>")
    server.expect_request(path).respond_with_data(body.encode(), content_type="application/rss+xml")


def _statuses(db):
    return {r["url"].rsplit("/", 1)[1]: (r["last_status"], r["last_error"])
            for r in db.execute("SELECT url, last_status, last_error FROM feeds ORDER BY id")}


def test_a_4000_character_article_link_leaves_the_other_feeds_of_its_batch_recorded(db, newswatch, redis_url,
                                                                                   server):
    long_link = server.url_for("/story/") + "".join(random.Random(3).choices("0123456789abcdef", k=4000))
    server.expect_request("/long").respond_with_data(
        rss(("A story with a very long address", long_link, WHEN), ("A normal story", server.url_for("/n1"), WHEN)))
    for i in range(3):
        server.expect_request(f"/feed{i}").respond_with_data(rss((f"Story {i}", server.url_for(f"/s{i}"), WHEN)))
        add_feed(db, server.url_for(f"/feed{i}"))
    add_feed(db, server.url_for("/long"))
    result = newswatch("poller", "--once", env={"REDIS_URL": redis_url, "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1"})
    assert result.returncode == 0, result.stderr
    statuses = _statuses(db)
    assert [statuses[f"feed{i}"] for i in range(3)] == [("ok", None)] * 3
    status, error = statuses["long"]
    assert status == "partial" and error.startswith("1 entry not stored: URL too long (4")
    stored = {r["url"] for r in db.execute("SELECT url FROM articles")}
    assert stored == {server.url_for(p) for p in ("/s0", "/s1", "/s2", "/n1")}


def test_a_guid_too_large_for_its_index_leaves_the_other_feeds_of_its_batch_recorded(db, server):
    _feed_with_item(server, "/huge-guid", "Huge id", server.url_for("/h1"), guid=_incompressible(1000))
    _feed_with_item(server, "/plain", "Plain", server.url_for("/p1"))
    add_feed(db, server.url_for("/huge-guid"))
    add_feed(db, server.url_for("/plain"))
    stats = run_pass()
    assert _statuses(db) == {"huge-guid": ("ok", None), "plain": ("ok", None)}
    assert stats.new_articles == 2
    assert db.execute("SELECT count(*) AS n FROM articles").fetchone()["n"] == 2


def _entry(url_key: str, guid: str | None = None) -> Entry:
    return Entry(f"http://{url_key}", url_key, guid, "t", None, None)


def test_the_store_refuses_only_the_entry_it_cannot_take_and_says_why(db):
    feeds = [add_feed(db, f"http://feed{i}.example/rss") for i in range(2)]
    good = [(feeds[0], _entry("a.example/1")), (feeds[1], _entry("b.example/2"))]
    # Past every check a URL gets (a caller that skipped them): the unique index takes ~2,700 bytes.
    bad = (feeds[1], _entry("c.example/" + _incompressible(1500)))
    with connection() as conn:
        counts = store_entries(conn, [good[0], bad, good[1]])
    assert counts.new == 2
    assert [(r.feed_id, r.url, r.reason.split(":")[0]) for r in counts.refused] == [
        (feeds[1], bad[1].url, "ProgramLimitExceeded")]
    keys = {r["url_key"] for r in db.execute("SELECT url_key FROM articles")}
    assert keys == {"a.example/1", "b.example/2"}


def test_a_refused_entry_makes_its_own_feed_partial_and_keeps_its_validators(db):
    feeds = [add_feed(db, f"http://feed{i}.example/rss") for i in range(2)]
    results = [FeedResult(feed, "ok", 200, None, 0, 60.0, f'"etag{feed}"', None) for feed in feeds]
    results[0].entries = [_entry("a.example/1")]
    results[1].entries = [_entry("b.example/" + _incompressible(1500)), _entry("b.example/2")]
    stats = PassStats()
    asyncio.run(Poller(settings(), lambda *_: None)._write_results(results, stats))
    rows = db.execute("SELECT id, last_status, last_error, etag FROM feeds ORDER BY id").fetchall()
    assert [(r["last_status"], r["etag"]) for r in rows] == [("ok", '"etag1"'), ("partial", '"etag2"')]
    assert rows[0]["last_error"] is None
    assert rows[1]["last_error"].startswith("1 entry not stored: ProgramLimitExceeded: index row size")
    assert stats.new_articles == 2 and stats.polled == 2


def test_a_statement_too_large_for_postgres_is_not_reported_as_the_database_being_unavailable(db):
    with pytest.raises(psycopg.errors.ProgramLimitExceeded), connection() as conn:
        conn.execute("INSERT INTO feeds (url, url_key) VALUES ('x', %s)", (_incompressible(1500),))
