"""`newswatch poller` as a real process: Celery wiring through Redis, SIGTERM, usage errors."""

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import redis
from werkzeug import Response

from tests.integration.poll_support import add_feed, article_html, rss, start_server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def server():
    s = start_server()
    yield s
    s.clear()
    s.stop()


def test_poller_once_stores_the_article_then_sends_its_extract_task_through_redis(db, newswatch, redis_url, server):
    link = server.url_for("/story.html")
    server.expect_request("/rss").respond_with_data(rss(("Flood", link, "Tue, 03 Mar 2026 07:15:00 +0000")))
    server.expect_request("/story.html").respond_with_data(
        article_html("Flood", "Floods swept through the valley town, forcing hundreds from their homes."),
        content_type="text/html")
    add_feed(db, server.url_for("/rss"))
    client = redis.Redis.from_url(redis_url)
    client.delete("extract")
    result = newswatch("poller", "--once", env={"REDIS_URL": redis_url, "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1"})
    assert result.returncode == 0, result.stderr
    assert "1 new articles" in result.stdout
    article = db.execute("SELECT id, revision, status FROM articles").fetchone()
    assert article["status"] == "pending"
    messages = [json.loads(m) for m in client.lrange("extract", 0, -1)]
    assert [m["headers"]["task"] for m in messages] == ["extract.article"]
    args = json.loads(base64.b64decode(messages[0]["body"]))[0]
    assert args == [article["id"], article["revision"]]
    client.delete("extract")


def test_sigterm_finishes_the_poll_in_hand_then_exits(db, database_url, redis_url, server):
    started = threading.Event()

    def slow(_request):
        started.set()
        time.sleep(1.0)
        return Response(rss())

    server.expect_request("/rss").respond_with_handler(slow)
    feed = add_feed(db, server.url_for("/rss"))
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "ops", "poller"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert started.wait(30), "the poller never polled"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    row = db.execute("SELECT last_status, claimed_until FROM feeds WHERE id = %s", (feed,)).fetchone()
    assert row["last_status"] == "ok" and row["claimed_until"] is None


def test_all_without_once_is_a_one_line_usage_error(newswatch):
    result = newswatch("poller", "--all")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "--all only goes with --once" in result.stderr
