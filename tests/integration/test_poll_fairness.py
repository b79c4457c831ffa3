"""One big feed, one slow page or one busy host must not hold back the rest of the poller's work."""

import asyncio
import re
import threading
import time

from werkzeug import Response

from feeds.poller import Poller
from tests.integration.poll_support import add_feed, article_html, rss, run_pass, settings

WHEN = "Tue, 03 Mar 2026 07:15:00 +0000"
STORY = "The harbour authority said the ferry service would resume on Monday after repairs to the pier."


def _article(request):
    return Response(article_html(f"Story {request.path}", STORY, "Officials gave no further details."),
                    content_type="text/html")


def _queue_page(db, url, age_s=0):
    """An article waiting for its page, due `age_s` seconds ago (older ones are claimed first)."""
    db.execute("INSERT INTO articles (url, url_key, next_attempt_at) "
               "VALUES (%s, %s, now() - make_interval(secs => %s))", (url, url.split("://", 1)[1], age_s))


def test_a_10000_item_feed_gives_its_newest_entries_first_and_the_rest_on_later_polls(db, server):
    big = [(f"Big story {n}", server.url_for(f"/big/{n}.html"), WHEN) for n in range(10_000)]
    server.expect_request("/big.xml").respond_with_data(rss(*big), headers={"ETag": '"big-1"'})
    server.expect_request("/small.xml").respond_with_data(rss(("Small story", server.url_for("/small/1.html"), WHEN)))
    server.expect_request(re.compile(r"^/(big|small)/\d+\.html$")).respond_with_handler(_article)
    big_feed = add_feed(db, server.url_for("/big.xml"))
    add_feed(db, server.url_for("/small.xml"))
    config = settings(max_entries_per_feed=50)

    first = run_pass(config)
    assert first.new_articles == 51 and first.capped_feeds == 1
    assert first.pages_stored == 51  # one pass fetched 51 pages, not 10,001
    small = db.execute("SELECT status FROM articles WHERE url LIKE '%/small/%'").fetchone()
    assert small["status"] == "pending"
    taken = {r["url"] for r in db.execute("SELECT url FROM articles WHERE feed_id = %s", (big_feed,))}
    assert taken == {url for _, url, _ in big[:50]}  # the feed's first (newest) entries
    feed = db.execute("SELECT etag, next_poll_at - now() AS wait FROM feeds WHERE id = %s", (big_feed,)).fetchone()
    assert feed["etag"] is None  # its next poll gets the whole feed again, not a 304
    assert feed["wait"].total_seconds() <= 10

    second = run_pass(config, all_feeds=True)
    assert second.new_articles == 50
    assert db.execute("SELECT count(*) AS n FROM articles WHERE feed_id = %s", (big_feed,)).fetchone()["n"] == 100


def test_a_feed_never_has_more_pages_waiting_than_its_share(db, server):
    items = [(f"Story {n}", server.url_for(f"/gone/{n}.html"), WHEN) for n in range(30)]
    server.expect_request("/many.xml").respond_with_data(rss(*items))
    feed = add_feed(db, server.url_for("/many.xml"))
    config = settings(max_entries_per_feed=10, fetch_attempts=5)
    run_pass(config)  # the pages answer 500: all ten stay queued for a retry
    run_pass(config, all_feeds=True)
    waiting = db.execute("SELECT count(*) AS n FROM articles WHERE feed_id = %s AND status = 'new'", (feed,)).fetchone()
    assert waiting["n"] == 10


def test_a_slow_page_does_not_hold_back_the_pages_claimed_after_it(db, server):
    fast_seen = threading.Event()
    fast_requests = []

    def fast(request):
        fast_requests.append(request.path)
        if len(fast_requests) == 12:
            fast_seen.set()
        return _article(request)

    def slow(request):
        fast_seen.wait(timeout=5)  # answers once every fast page was asked for, or after 5 s
        return _article(request)

    server.expect_request("/slow.html").respond_with_handler(slow)
    server.expect_request(re.compile(r"^/fast/\d+\.html$")).respond_with_handler(fast)
    _queue_page(db, server.url_for("/slow.html"), age_s=60)  # claimed first
    for n in range(12):
        _queue_page(db, server.url_for(f"/fast/{n}.html"))
    stats = run_pass(settings(poll_concurrency=2))  # four pages in hand at most
    assert fast_seen.is_set(), "the fast pages waited for the slow one"
    assert stats.pages_stored == 13


def test_a_busy_host_gives_back_pages_so_another_hosts_page_is_fetched_meanwhile(db, server):
    other_seen = threading.Event()

    def busy(request):
        other_seen.wait(timeout=5)
        return _article(request)

    def other(request):
        other_seen.set()
        return _article(request)

    server.expect_request(re.compile(r"^/busy/\d+\.html$")).respond_with_handler(busy)
    server.expect_request("/other.html").respond_with_handler(other)
    for n in range(8):
        _queue_page(db, server.url_for(f"/busy/{n}.html"), age_s=60)  # claimed first
    _queue_page(db, server.url_for("/other.html").replace("127.0.0.1", "localhost"))
    stats = run_pass(settings(poll_concurrency=2, per_host_concurrency=1))
    assert other_seen.is_set(), "the other host's page waited behind the busy host's"
    assert stats.pages_stored == 9


def test_feeds_keep_being_polled_while_a_backlog_of_pages_is_fetched(db, server):
    def slow_page(request):
        time.sleep(0.3)
        return _article(request)

    items = [(f"Story {n}", server.url_for(f"/backlog/{n}.html"), WHEN) for n in range(40)]
    server.expect_request("/backlog.xml").respond_with_data(rss(*items))
    server.expect_request(re.compile(r"^/backlog/\d+\.html$")).respond_with_handler(slow_page)
    server.expect_request("/quick.xml").respond_with_data(rss())
    add_feed(db, server.url_for("/backlog.xml"), interval_s=3600)
    add_feed(db, server.url_for("/quick.xml"), interval_s=1)

    async def run_for(seconds):
        # 40 pages one at a time, 0.3 s each: 12 s of page fetching in all.
        poller = Poller(settings(per_host_concurrency=1), lambda *_: None)
        task = asyncio.create_task(poller.run_forever())
        await asyncio.sleep(seconds)
        poller.stop()
        await task

    asyncio.run(run_for(4.5))
    quick_polls = sum(1 for request, _ in server.log if request.path == "/quick.xml")
    left = db.execute("SELECT count(*) AS n FROM articles WHERE status = 'new'").fetchone()["n"]
    assert left > 0, "the backlog cleared: the test proves nothing"
    assert quick_polls >= 3  # polled about every second, not once the backlog cleared


def test_a_feeds_interval_runs_from_its_poll_not_from_when_the_results_were_written(db, server):
    def slow_feed(_request):
        time.sleep(1.0)
        return Response(rss(), content_type="application/rss+xml")

    server.expect_request("/slow.xml").respond_with_handler(slow_feed)
    feed = add_feed(db, server.url_for("/slow.xml"), interval_s=3)
    run_pass()
    row = db.execute("SELECT next_poll_at - last_polled_at AS gap FROM feeds WHERE id = %s", (feed,)).fetchone()
    # Written a second or more after the request went out: due 3 s after the request, not after the write.
    assert row["gap"].total_seconds() <= 2.05


def test_feeds_coming_due_one_after_another_are_each_polled_when_due(db, server):
    # Feeds drift apart (their intervals are spread), so one comes due just after the last pass:
    # the poller must not oversleep it by a fixed minimum nap (release-to-record latency).
    polled_at: dict[str, float] = {}

    def feed(request):
        polled_at.setdefault(request.path, time.time())
        return Response(rss(), content_type="application/rss+xml")

    server.expect_request(re.compile(r"^/due/\d+\.xml$")).respond_with_handler(feed)
    for n in range(9):
        add_feed(db, server.url_for(f"/due/{n}.xml"), interval_s=3600)
    db.execute("UPDATE feeds SET next_poll_at = now() + make_interval(secs => 0.6 + 0.06 * (id - "
               "(SELECT min(id) FROM feeds)))")
    due = {f"/due/{n}.xml": float(row["due"]) for n, row in enumerate(db.execute(
        "SELECT extract(epoch FROM next_poll_at) AS due FROM feeds ORDER BY id").fetchall())}

    async def run_for(seconds):
        poller = Poller(settings(), lambda *_: None)
        task = asyncio.create_task(poller.run_forever())
        await asyncio.sleep(seconds)
        poller.stop()
        await task

    asyncio.run(run_for(1.6))
    assert sorted(polled_at) == sorted(due)
    late = {path: round(polled_at[path] - due[path], 3) for path in due}
    assert max(late.values()) < 0.15, late  # with a 0.2 s minimum nap: 0.19 and more
