"""`newswatch articles failed` and `articles retry`: failed work is kept with its reason and can be retried."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration



def _article(db, url: str, status: str, *, revision: int = 1, reason: str | None = None) -> int:
    row = db.execute(
        "INSERT INTO articles (url, url_key, status, revision, failure_reason, attempts, text) "
        "VALUES (%s, %s, %s, %s, %s, 5, %s) RETURNING id",
        (url, url, status, revision, reason, "Some text." if revision else None),
    ).fetchone()
    return row["id"]


def test_failed_articles_are_listed_with_their_reason(db, newswatch):
    bad = _article(db, "https://news.example.org/a", "failed", revision=0, reason="HTTP 404 after 5 attempts")
    _article(db, "https://news.example.org/b", "resolved")
    result = newswatch("articles", "failed", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [bad]
    assert rows[0]["failure_reason"] == "HTTP 404 after 5 attempts"
    text = newswatch("articles", "failed").stdout
    assert "HTTP 404 after 5 attempts" in text and "news.example.org/a" in text


def test_no_failed_articles_says_so(db, newswatch):
    result = newswatch("articles", "failed")
    assert result.returncode == 0
    assert result.stdout.strip() == "no failed articles"


def test_retry_sends_an_article_with_text_back_to_extraction_and_one_without_back_to_fetching(
        db, newswatch, private_redis_url):
    with_text = _article(db, "https://news.example.org/c", "failed", revision=1, reason="extraction timed out")
    without = _article(db, "https://news.example.org/d", "failed", revision=0, reason="connection refused")
    result = newswatch("articles", "retry", str(with_text), str(without), env={"REDIS_URL": private_redis_url})
    assert result.returncode == 0, result.stderr
    assert "1 to extract again, 1 to fetch again" in result.stdout
    rows = {r["id"]: r for r in db.execute("SELECT id, status, failure_reason, attempts FROM articles")}
    assert rows[with_text]["status"] == "pending"
    assert rows[without]["status"] == "new"
    assert rows[with_text]["failure_reason"] is None and rows[without]["attempts"] == 0
    import redis

    queued = redis.Redis.from_url(private_redis_url).lrange("extract", 0, -1)
    bodies = [json.loads(m)["headers"] for m in queued]
    assert [(h["task"], h["argsrepr"]) for h in bodies] == [("extract.article", f"({with_text}, 1)")]


def test_retrying_an_article_that_has_not_failed_is_refused_and_changes_nothing(db, newswatch):
    ok = _article(db, "https://news.example.org/e", "resolved")
    result = newswatch("articles", "retry", str(ok))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: article #{ok} has not failed (it is resolved)"
    assert db.execute("SELECT status FROM articles WHERE id = %s", (ok,)).fetchone()["status"] == "resolved"


def test_retrying_an_unknown_id_is_one_clear_error(db, newswatch):
    result = newswatch("articles", "retry", "999999")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no article #999999"


def test_retry_all_takes_every_failed_article(db, newswatch, private_redis_url):
    for n in range(3):
        _article(db, f"https://news.example.org/f{n}", "failed", revision=0, reason="timeout")
    result = newswatch("articles", "retry", "--all", env={"REDIS_URL": private_redis_url})
    assert result.returncode == 0, result.stderr
    assert db.execute("SELECT count(*) AS n FROM articles WHERE status = 'new'").fetchone()["n"] == 3
