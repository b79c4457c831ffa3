"""Acceptance: the poller against ../shared/tools/newsroom.py, a live newsroom with injected faults.

Articles are released while the poller runs, 10% of requests get 503 + Retry-After and 5% of feeds
are cut in half. In the end every article is stored exactly once, with its sentences and without
the page's navigation, advertisement, related links or comments; no feed is abandoned; and a
further pass over the unchanged feeds gets only 304s (besides the injected 503s).
"""

import json
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from ops.ports import free_port
from tests.integration.poll_support import run_pass, settings

LIMIT = 40
PAGE_JUNK = ["Subscribe for 1 dollar", "Advertisement: the best mattresses", "Most read", "Ten recipes",
             "Markets close higher", "First! Great article", "Copyright Local Newsroom", "Cookie settings"]




@pytest.fixture()
def newsroom(shared_dir):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(shared_dir / "tools" / "newsroom.py"), "--articles",
         str(shared_dir / "corpus" / "articles" / "dev_articles.jsonl"), "--port", str(port), "--limit", str(LIMIT),
         "--release", "rate:20", "--fail-rate", "0.1", "--malformed-rate", "0.05"],
        stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().startswith("newsroom:")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def _status(base):
    with urllib.request.urlopen(f"{base}/control/status", timeout=5) as response:
        return json.load(response)


def _normal(text):
    return re.sub(r"\s+", " ", text).strip()


def test_every_released_article_is_stored_once_clean_and_unchanged_feeds_then_get_304s(
        db, newswatch, newsroom, shared_dir, tmp_path):
    opml = tmp_path / "feeds.opml"
    with urllib.request.urlopen(f"{newsroom}/feeds.opml", timeout=5) as response:
        opml.write_bytes(response.read())
    imported = newswatch("feeds", "import", str(opml), "--interval", "1s", env={"NEWSWATCH_MIN_INTERVAL": "1"})
    assert imported.returncode == 0, imported.stderr
    # Ten tries per page: with 10% of requests failing, three failures in a row would happen.
    config = settings(max_backoff=2.0, http_timeout=5.0, fetch_attempts=10)
    sent = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run_pass(config, sent=sent)
        stored = db.execute("SELECT count(*) AS n FROM articles WHERE status = 'pending'").fetchone()["n"]
        if _status(newsroom)["released"] == LIMIT and stored == LIMIT:
            break
        time.sleep(0.5)

    corpus = {a["id"]: a for a in map(json.loads, (shared_dir / "corpus/articles/dev_articles.jsonl").open())}
    rows = db.execute("SELECT article_id, url, text, status, revision, failure_reason FROM articles_current").fetchall()
    assert all(r["status"] == "pending" for r in rows), [(r["url"], r["status"], r["failure_reason"]) for r in rows
                                                         if r["status"] != "pending"]
    assert len(rows) == LIMIT and len({r["url"] for r in rows}) == LIMIT
    assert sorted(sent) == sorted((r["article_id"], 1) for r in rows)
    for row in rows:
        source = corpus[row["url"].rsplit("/", 1)[1].removesuffix(".html")]
        text = _normal(row["text"])
        for sentence in re.split(r"(?<=[.!?])\s+", _normal(source["text"])):
            assert sentence in text, (row["url"], sentence)
        assert not [junk for junk in PAGE_JUNK if junk in row["text"]], row["url"]

    # Nothing abandoned: every feed is active and due again within the backoff cap.
    feeds = db.execute("SELECT paused, extract(epoch FROM next_poll_at - now()) AS wait FROM feeds").fetchall()
    assert all(not f["paused"] and f["wait"] <= 2.5 for f in feeds)

    # A feed cut in half forgot its validators; let it fetch the whole copy before the final check.
    for _ in range(5):
        if db.execute("SELECT count(*) AS n FROM feeds WHERE etag IS NULL").fetchone()["n"] == 0:
            break
        time.sleep(1)
        run_pass(config)
    before = _status(newsroom)["stats"]
    final = run_pass(config, all_feeds=True)
    after = _status(newsroom)["stats"]
    answered = {k: after.get(k, 0) - before.get(k, 0) for k in ("feed", "feed:304", "fault:feed")}
    assert answered["feed"] == len(feeds) == final.polled
    assert answered["feed:304"] + answered["fault:feed"] == answered["feed"], answered
    assert final.new_articles == 0 and final.not_modified == answered["feed:304"]
