"""The poller end to end on real Postgres and real local HTTP servers (no Celery: enqueue is a list)."""

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from werkzeug import Response

from feeds import feedstate
from feeds.poller import Poller
from feeds.sweep import sweep
from tests.integration.poll_support import add_feed, article_html, rss, run_pass, settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
WHEN = "Tue, 03 Mar 2026 07:15:00 +0000"



def serve_article(server, path, title, *paragraphs):
    server.expect_request(path).respond_with_data(article_html(title, *paragraphs), content_type="text/html")


def requests_to(server, path):
    return sum(1 for request, _ in server.log if request.path == path)


def one(db, sql, *params):
    return db.execute(sql, params).fetchone()


def test_new_entries_are_stored_with_their_text_then_enqueued(db, server):
    server.expect_request("/rss").respond_with_data((FIXTURES / "harbour_rss.xml").read_bytes(),
                                                    content_type="application/rss+xml")
    server.expect_request("/news/ferry-aground.html").respond_with_data(
        (FIXTURES / "harbour_article.html").read_bytes(), content_type="text/html")
    feed = add_feed(db, server.url_for("/rss"))
    sent = []
    stats = run_pass(sent=sent)
    row = one(db, "SELECT * FROM articles_current WHERE url LIKE %s", "%ferry-aground.html")
    assert row["status"] == "pending" and row["revision"] == 1
    assert "Coastguard crews took all passengers ashore" in row["text"]
    assert "lifeboat volunteers are heroes" not in row["text"]
    assert row["title"] == "Ferry runs aground near the north pier"
    assert (row["article_id"], 1) in sent
    # The fire story's page is not on this server (gazette.example): recorded, not fatal.
    assert stats.new_articles == 2 and stats.pages_stored == 1 and stats.pages_failed == 1
    health = one(db, "SELECT * FROM feed_health WHERE feed_id = %s", feed)
    assert health["last_status"] == "ok" and health["error_count"] == 0
    revisions = one(db, "SELECT count(*) AS n FROM article_revisions WHERE article_id = %s", row["article_id"])
    assert revisions["n"] == 1


def test_an_article_syndicated_in_two_feeds_is_stored_and_fetched_once(db, server):
    link = server.url_for("/story.html")
    server.expect_request("/a").respond_with_data(rss(("Storm hits", link, WHEN)))
    server.expect_request("/b").respond_with_data(rss(("Storm hits coast", link + "?utm_source=b", WHEN)))
    serve_article(server, "/story.html", "Storm hits", "A storm hit the coast overnight, flooding forty homes.")
    add_feed(db, server.url_for("/a"))
    add_feed(db, server.url_for("/b"))
    run_pass()
    run_pass(all_feeds=True)
    assert one(db, "SELECT count(*) AS n FROM articles")["n"] == 1
    assert requests_to(server, "/story.html") == 1


def test_an_unchanged_feed_is_answered_with_304_and_costs_nothing_more(db, server):
    body = rss(("Quiet day", server.url_for("/quiet.html"), WHEN))

    def conditional(request):
        if request.headers.get("If-None-Match") == '"abc"':
            return Response(status=304, headers={"ETag": '"abc"'})
        return Response(body, headers={"ETag": '"abc"', "Last-Modified": "Tue, 03 Mar 2026 07:20:00 GMT"})

    server.expect_request("/rss").respond_with_handler(conditional)
    serve_article(server, "/quiet.html", "Quiet day", "Nothing at all happened in the harbour today, again.")
    feed = add_feed(db, server.url_for("/rss"))
    run_pass()
    second = run_pass(all_feeds=True)
    assert (second.polled, second.not_modified, second.new_articles) == (1, 1, 0)
    assert requests_to(server, "/quiet.html") == 1
    health = one(db, "SELECT f.etag, h.last_status, h.last_http_status FROM feeds f "
                     "JOIN feed_health h ON h.feed_id = f.id WHERE f.id = %s", feed)
    assert (health["etag"], health["last_status"], health["last_http_status"]) == ('"abc"', "not_modified", 304)


def test_a_503_with_retry_after_backs_the_feed_off_and_feed_health_says_why(db, server):
    server.expect_request("/rss").respond_with_data("busy", status=503, headers={"Retry-After": "900"})
    feed = add_feed(db, server.url_for("/rss"))
    http_errors_before = REGISTRY.get_sample_value("newswatch_feed_errors_total", {"kind": "http"}) or 0
    stats = run_pass()
    assert stats.failed == 1
    assert REGISTRY.get_sample_value("newswatch_feed_errors_total", {"kind": "http"}) == http_errors_before + 1
    health = one(db, "SELECT *, extract(epoch FROM next_poll_at - now()) AS wait FROM feed_health WHERE feed_id = %s",
                 feed)
    assert (health["last_status"], health["error_count"], health["last_error"]) == ("error", 1, "HTTP 503")
    assert 880 < health["wait"] <= 900
    run_pass(all_feeds=True)
    assert one(db, "SELECT error_count FROM feeds WHERE id = %s", feed)["error_count"] == 2


def test_a_truncated_feed_keeps_its_entries_and_forgets_its_validators(db, server):
    full = rss(("First story", server.url_for("/1.html"), WHEN), ("Second story", server.url_for("/2.html"), WHEN))
    cut = full[: full.index("<item>", full.index("</item>"))] + "<item><title>Second sto"
    server.expect_request("/rss").respond_with_data(cut, headers={"ETag": '"whole"'})
    serve_article(server, "/1.html", "First story", "The first story has enough words to count as an article.")
    feed = add_feed(db, server.url_for("/rss"))
    run_pass()
    row = one(db, "SELECT last_status, etag, last_error FROM feeds WHERE id = %s", feed)
    assert row["last_status"] == "partial" and row["etag"] is None and "ill-formed" in row["last_error"]
    assert one(db, "SELECT count(*) AS n FROM articles")["n"] == 1


@pytest.mark.parametrize("body, reason", [("<html><body><h1>Sign in</h1></body></html>", "not a feed"),
                                          ("", "not a feed")])
def test_a_response_that_is_no_feed_is_an_error_on_that_feed(db, server, body, reason):
    server.expect_request("/rss").respond_with_data(body, content_type="text/html")
    feed = add_feed(db, server.url_for("/rss"))
    run_pass()
    row = one(db, "SELECT last_status, last_error FROM feed_health WHERE feed_id = %s", feed)
    assert row["last_status"] == "error" and row["last_error"].startswith(reason)


def test_a_slow_feed_times_out_and_the_others_are_still_polled(db, server):
    def slow(_request):
        time.sleep(1.5)
        return Response(rss())

    server.expect_request("/slow").respond_with_handler(slow)
    server.expect_request("/fast").respond_with_data(rss())
    slow_feed, fast_feed = add_feed(db, server.url_for("/slow")), add_feed(db, server.url_for("/fast"))
    run_pass(settings(http_timeout=0.3))
    assert one(db, "SELECT last_error FROM feeds WHERE id = %s", slow_feed)["last_error"].startswith(
        ("timed out", "no complete answer"))
    assert one(db, "SELECT last_status FROM feeds WHERE id = %s", fast_feed)["last_status"] == "ok"



def test_new_entries_are_stored_while_a_slow_feed_of_the_same_pass_is_still_answering(db, server):
    # Results are written in batches; one with entries must not wait for the rest of its pass
    # (release-to-record latency starts with this write).
    import threading

    answered = threading.Event()

    def slow(_request):
        answered.wait(5)
        return Response(rss())

    server.expect_request("/slow").respond_with_handler(slow)
    server.expect_request("/fresh").respond_with_data(rss(("Bridge closed", server.url_for("/bridge.html"), WHEN)))
    serve_article(server, "/bridge.html", "Bridge closed", "The bridge was closed after a crack was found in it.")
    add_feed(db, server.url_for("/slow"))
    add_feed(db, server.url_for("/fresh"))

    async def watch_the_pass():
        run = asyncio.create_task(Poller(settings(http_timeout=10.0), lambda *_: None).run_once())
        deadline = time.monotonic() + 3
        stored = False
        while not stored and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            stored = one(db, "SELECT count(*) AS n FROM articles")["n"] == 1
        answered.set()
        await run
        return stored

    assert asyncio.run(watch_the_pass()), "the new entry waited for the slow feed"
    assert one(db, "SELECT count(*) AS n FROM feeds WHERE last_status = 'ok'")["n"] == 2


def test_a_permanent_redirect_moves_the_feed_but_not_onto_another_feed(db, server):
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(rss())
    server.expect_request("/dup").respond_with_data("", status=308, headers={"Location": "/taken"})
    server.expect_request("/taken").respond_with_data(rss())
    moved = add_feed(db, server.url_for("/old"))
    kept = add_feed(db, server.url_for("/dup"))
    add_feed(db, server.url_for("/taken"))
    run_pass()
    assert one(db, "SELECT url FROM feeds WHERE id = %s", moved)["url"] == server.url_for("/new")
    assert one(db, "SELECT url FROM feeds WHERE id = %s", kept)["url"] == server.url_for("/dup")


def test_pages_that_fail_are_retried_a_bounded_number_of_times_then_marked_failed(db, server):
    links = {"/doc.pdf": "application/pdf", "/empty.html": "text/html", "/huge.html": "text/html"}
    server.expect_request("/rss").respond_with_data(
        rss(*((p, server.url_for(p), WHEN) for p in links), ("dead", "http://127.0.0.1:9/gone.html", WHEN)))
    server.expect_request("/doc.pdf").respond_with_data(b"%PDF-1.7", content_type="application/pdf")
    server.expect_request("/empty.html").respond_with_data(b"", content_type="text/html")
    server.expect_request("/huge.html").respond_with_data(b"<p>" + b"x" * 300_000, content_type="text/html")
    add_feed(db, server.url_for("/rss"))
    config = settings(fetch_attempts=2, max_page_bytes=200_000)
    run_pass(config)
    rows = db.execute("SELECT url, status, attempts, failure_reason, next_attempt_at > now() AS later "
                      "FROM articles ORDER BY url").fetchall()
    assert all(r["status"] == "new" and r["attempts"] == 1 and r["later"] for r in rows)
    db.execute("UPDATE articles SET next_attempt_at = now()")  # skip the backoff wait
    run_pass(config)
    reasons = {r["url"].rsplit("/", 1)[1]: r for r in db.execute("SELECT * FROM articles_current").fetchall()}
    assert {r["status"] for r in reasons.values()} == {"failed"}
    assert reasons["doc.pdf"]["failure_reason"] == "not an HTML page (application/pdf)"
    assert reasons["empty.html"]["failure_reason"] == "empty page"
    assert reasons["huge.html"]["failure_reason"].startswith("too large")
    assert reasons["gone.html"]["failure_reason"]
    db.execute("UPDATE articles SET next_attempt_at = now()")
    assert run_pass(config).pages_failed == 0  # given up: not fetched again


def test_an_entry_updated_with_new_text_becomes_a_new_revision_and_is_extracted_again(db, server):
    link = server.url_for("/live.html")
    server.expect_request("/rss").respond_with_data(rss(("Blast", link, WHEN)))
    serve_article(server, "/live.html", "Blast", "An explosion at a chemical plant killed three workers.")
    add_feed(db, server.url_for("/rss"))
    sent = []
    run_pass(sent=sent)
    server.clear()
    server.expect_request("/rss").respond_with_data(rss(("Blast", link, "Tue, 03 Mar 2026 09:00:00 +0000")))
    serve_article(server, "/live.html", "Blast", "An explosion at a chemical plant killed five workers.")
    run_pass(all_feeds=True, sent=sent)
    row = one(db, "SELECT * FROM articles")
    assert (row["revision"], row["status"], row["refetch"]) == (2, "pending", False)
    assert "killed five workers" in row["text"]
    texts = [r["text"] for r in db.execute("SELECT text FROM article_revisions ORDER BY revision")]
    assert "three workers" in texts[0] and "five workers" in texts[1]
    assert sent == [(row["id"], 1), (row["id"], 2)]


def test_an_entry_updated_with_the_same_text_keeps_its_revision_and_status(db, server):
    link = server.url_for("/same.html")
    server.expect_request("/rss").respond_with_data(rss(("Same", link, WHEN)))
    serve_article(server, "/same.html", "Same", "The bridge was closed for repairs after a lorry struck it.")
    add_feed(db, server.url_for("/rss"))
    run_pass()
    db.execute("UPDATE articles SET status = 'no_incident'")
    server.clear()
    server.expect_request("/rss").respond_with_data(rss(("Same", link, "Wed, 04 Mar 2026 09:00:00 +0000")))
    serve_article(server, "/same.html", "Same", "The bridge was closed for repairs after a lorry struck it.")
    sent = []
    stats = run_pass(all_feeds=True, sent=sent)
    row = one(db, "SELECT revision, status, refetch FROM articles")
    assert (stats.changed_entries, stats.pages_unchanged, sent) == (1, 1, [])
    assert (row["revision"], row["status"], row["refetch"]) == (1, "no_incident", False)


def test_two_pollers_at_once_never_poll_a_feed_twice(db, server):
    server.expect_request("/rss").respond_with_handler(lambda request: Response(rss()))
    for n in range(30):
        add_feed(db, server.url_for("/rss") + f"?n={n}")

    async def both():
        config = settings()
        first, second = Poller(config, lambda *_: None), Poller(config, lambda *_: None)
        return await asyncio.gather(first.run_once(), second.run_once())

    a, b = asyncio.run(both())
    assert a.polled + b.polled == 30
    assert requests_to(server, "/rss") == 30


def test_claims_are_leases_another_poller_skips(db):
    for n in range(4):
        add_feed(db, f"http://127.0.0.1:9/feed{n}")
    first = feedstate.claim_feeds(db, 3, 300)
    second = feedstate.claim_feeds(db, 3, 300)
    assert len(first) == 3 and len(second) == 1
    assert not {c.id for c in first} & {c.id for c in second}
    assert feedstate.claim_feeds(db, 3, 300) == []


def test_loopback_feeds_are_refused_by_default(db, server):
    server.expect_request("/rss").respond_with_data(rss())
    feed = add_feed(db, server.url_for("/rss"))
    run_pass(settings(allow_private_networks=False))
    assert "private" in one(db, "SELECT last_error FROM feeds WHERE id = %s", feed)["last_error"]


def test_the_sweep_resends_work_left_pending_or_extracted_too_long(db):
    db.execute("""INSERT INTO articles (id, url, url_key, status, revision, enqueued_at, text) VALUES
        (1, 'http://x/1', 'x/1', 'pending', 2, now() - interval '1 hour', 't'),
        (2, 'http://x/2', 'x/2', 'pending', 1, now(), 't'),
        (3, 'http://x/3', 'x/3', 'extracted', 1, now() - interval '1 hour', 't')""")
    db.execute("UPDATE articles SET updated_at = now() - interval '1 hour' WHERE id = 3")
    db.execute("""INSERT INTO reports (id, article_id, revision, category, event_type, facts)
                  VALUES (7, 3, 1, 'accident', 'fire', '{}')""")
    articles, reports = [], []
    counts = sweep(db, 600, lambda a, r: articles.append((a, r)), reports.append)
    assert (articles, reports) == ([(1, 2)], [7])
    assert (counts.articles, counts.reports) == (1, 1)
    assert sweep(db, 600, lambda a, r: articles.append((a, r)), reports.append).articles == 0


def test_a_sweep_stops_at_the_first_refused_send_and_counts_only_what_was_sent(db):
    db.execute("""INSERT INTO articles (url, url_key, status, revision, enqueued_at, text)
                  SELECT 'http://x/' || n, 'x/' || n, 'pending', 1, now() - interval '1 hour', 't'
                  FROM generate_series(1, 5) AS n""")
    tried = []

    def refuse(article_id, revision):
        tried.append(article_id)
        raise ConnectionError("broker down")

    counts = sweep(db, 600, refuse, lambda _report: None)
    assert len(tried) == 1 and (counts.articles, counts.reports) == (0, 0)


def test_a_global_guid_joins_two_links_and_a_short_guid_stays_inside_its_feed(db, server):
    def item(link, guid):
        return f"<item><title>t</title><link>{link}</link><guid>{guid}</guid></item>"

    def channel(*items):
        return f'<rss version="2.0"><channel><title>c</title>{"".join(items)}</channel></rss>'

    story = "https://wire.example/2026/03/story-1"
    server.expect_request("/a").respond_with_data(channel(item(server.url_for("/a1.html"), story),
                                                          item(server.url_for("/a2.html"), "42")))
    server.expect_request("/b").respond_with_data(channel(item(server.url_for("/b1.html"), story),
                                                          item(server.url_for("/b2.html"), "42")))
    add_feed(db, server.url_for("/a"))
    run_pass()
    add_feed(db, server.url_for("/b"))
    run_pass()
    guids = sorted(r["guid"] for r in db.execute("SELECT guid FROM articles"))
    assert guids == ["feed:1:42", "feed:2:42", story]


def test_a_lease_left_by_a_dead_poller_expires_and_paused_feeds_are_never_claimed(db):
    dead = add_feed(db, "http://127.0.0.1:9/dead-poller")
    paused = add_feed(db, "http://127.0.0.1:9/paused")
    db.execute("UPDATE feeds SET claimed_until = now() - interval '1 second' WHERE id = %s", (dead,))
    db.execute("UPDATE feeds SET paused = true WHERE id = %s", (paused,))
    assert [c.id for c in feedstate.claim_feeds(db, 10, 300)] == [dead]
    db.execute("UPDATE feeds SET claimed_until = NULL")
    assert [c.id for c in feedstate.claim_feeds(db, 10, 300, all_since=datetime.now(UTC))] == [dead]


def test_a_feed_larger_than_the_cap_is_an_error_and_is_retried_later(db, server):
    server.expect_request("/rss").respond_with_data(rss(*((f"story {n}", server.url_for(f"/{n}.html"), WHEN)
                                                          for n in range(2000))))
    feed = add_feed(db, server.url_for("/rss"))
    run_pass(settings(max_feed_bytes=50_000))
    row = one(db, "SELECT last_status, last_error, error_count, next_poll_at > now() AS later FROM feeds "
                  "WHERE id = %s", feed)
    assert (row["last_status"], row["error_count"], row["later"]) == ("error", 1, True)
    assert row["last_error"].startswith("too large")
    assert one(db, "SELECT count(*) AS n FROM articles")["n"] == 0


def test_stopping_finishes_the_poll_in_hand_and_gives_back_the_feeds_not_started(db, server):
    import threading

    started = threading.Event()

    def slow(_request):
        started.set()
        time.sleep(0.5)
        return Response(rss())

    server.expect_request("/rss").respond_with_handler(slow)
    for n in range(5):
        add_feed(db, server.url_for("/rss") + f"?n={n}")

    async def stop_during_the_first_poll():
        poller = Poller(settings(poll_concurrency=1), lambda *_: None)
        run = asyncio.create_task(poller.run_once())
        while not started.is_set():
            await asyncio.sleep(0.01)
        poller.stop()
        return await run

    stats = asyncio.run(stop_during_the_first_poll())
    rows = db.execute("SELECT last_status, claimed_until FROM feeds ORDER BY id").fetchall()
    assert stats.polled == 1
    assert [r["last_status"] for r in rows].count("ok") == 1
    assert all(r["claimed_until"] is None for r in rows)


def test_every_ill_formed_fixture_served_as_a_feed_ends_with_a_status_and_no_exception(db, server, shared_dir):
    import os

    folder = shared_dir / "corpus" / "feeds" / "feedparser-tests" / "illformed"
    files = sorted(Path(root) / name for root, _, names in os.walk(folder) for name in names if name != "LICENSE")
    for n, path in enumerate(files):
        server.expect_request(f"/ill/{n}.xml").respond_with_data(path.read_bytes(), content_type="application/xml")
        add_feed(db, server.url_for(f"/ill/{n}.xml"))
    # Their links point at hosts that do not exist here: the pages fail fast and are recorded.
    stats = run_pass(settings(http_timeout=1.0))
    assert stats.polled == len(files) >= 10
    rows = db.execute("SELECT last_status, claimed_until FROM feeds").fetchall()
    assert {r["last_status"] for r in rows} <= {"ok", "partial", "error"}
    assert all(r["claimed_until"] is None for r in rows)


def test_a_page_stored_by_another_poller_meanwhile_does_not_become_a_second_revision(db):
    from feeds.articles import PageClaim, claim_pages, store_page
    from feeds.clean import CleanPage

    db.execute("INSERT INTO articles (url, url_key) VALUES ('http://news.example/a', 'news.example/a')")
    (claim,) = claim_pages(db, 10, 60)
    page = CleanPage("Fire at the docks", "Two people were hurt in a fire at the docks on Monday.", None, "en")
    assert store_page(db, claim, page) == 1
    stale = PageClaim(claim.id, claim.url, None, None, claim.revision, 0)  # claimed before that store
    assert store_page(db, stale, CleanPage("Fire at the docks", "Three people were hurt.", None, "en")) is None
    assert db.execute("SELECT revision FROM articles").fetchone()["revision"] == 1
    assert db.execute("SELECT count(*) AS n FROM article_revisions").fetchone()["n"] == 1
