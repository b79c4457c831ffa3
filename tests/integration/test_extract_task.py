"""The `extract.article` task against the real database and Redis: reports, status, hand-off."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import redis

from workers import extract_task
from workers.extract_task import extract_and_store

pytestmark = pytest.mark.integration

BOMBING = (
    "A car bomb exploded outside a police station in the city of Quetta in Pakistan on Monday, killing at "
    "least 14 people and wounding 32 others, officials said. No group has claimed responsibility for the "
    "attack. Hospitals in the city declared an emergency."
)
MARKETS = "Shares rose on Monday as investors welcomed a rise in quarterly profits at the country's banks."


@pytest.fixture()
def broker(redis_url):
    """Point the Celery app at this run's Redis database, so enqueued tasks can be read back."""
    from workers.app import app

    previous = app.conf.broker_url
    app.conf.broker_url = redis_url
    # Celery keeps its producer pool once made; a fresh one is needed to use the new URL.
    app._pool = None
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    app.conf.broker_url = previous
    app._pool = None


def _article(db, text: str, *, title: str = "", revision: int = 1, status: str = "pending") -> int:
    row = db.execute(
        "INSERT INTO articles (url, url_key, title, text, revision, status, published_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (f"https://news.example.org/{revision}/{len(text)}/{title}", f"k{revision}{len(text)}{title}", title, text,
         revision, status, datetime(2017, 3, 6, 15, 0, tzinfo=UTC)),
    ).fetchone()
    return int(row["id"])


def _queued(client) -> list[tuple[str, str]]:
    bodies = [json.loads(m)["headers"] for m in client.lrange("resolve", 0, -1)]
    return [(h["task"], h["argsrepr"]) for h in bodies]


def test_a_pending_article_becomes_a_report_with_its_facts_and_goes_to_resolution(db, broker):
    article_id = _article(db, BOMBING, title="Car bomb kills 14 in Quetta")
    outcome = extract_and_store(article_id, 1)
    assert outcome.action == "extracted" and len(outcome.report_ids) == 1
    report = db.execute("SELECT * FROM reports WHERE article_id = %s", (article_id,)).fetchone()
    assert (report["ordinal"], report["is_primary"], report["revision"]) == (0, True, 1)
    assert (report["category"], report["event_type"]) == ("attack", "bombing")
    assert (report["location"], report["country_code"]) == ("Quetta", "PK")
    assert (report["killed"], report["killed_qualifier"], report["injured"]) == (14, "at_least", 32)
    assert str(report["occurred_on"]) == "2017-03-06"
    assert report["published_at"] == datetime(2017, 3, 6, 15, 0, tzinfo=UTC)
    assert report["facts"]["no_claim"] is True
    assert any(e["field"] == "killed" and "14" in e["quote"] for e in report["facts"]["evidence"])
    status = db.execute("SELECT status FROM articles WHERE id = %s", (article_id,)).fetchone()["status"]
    assert status == "extracted"
    assert _queued(broker) == [("resolve.report", f"({report['id']},)")]


def test_running_the_task_twice_writes_and_sends_nothing_more(db, broker):
    article_id = _article(db, BOMBING, title="Car bomb kills 14 in Quetta")
    extract_and_store(article_id, 1)
    again = extract_and_store(article_id, 1)
    assert again.action == "stale" and again.report_ids == []
    # Even with the status put back, the stored reports of this revision stop a second extraction.
    db.execute("UPDATE articles SET status = 'pending' WHERE id = %s", (article_id,))
    assert extract_and_store(article_id, 1).action == "done_already"
    assert db.execute("SELECT count(*) AS n FROM reports").fetchone()["n"] == 1
    assert len(_queued(broker)) == 1


def test_an_article_without_an_incident_is_marked_no_incident(db, broker):
    article_id = _article(db, MARKETS, title="Bank shares rise")
    assert extract_and_store(article_id, 1).action == "no_incident"
    row = db.execute("SELECT status FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert row["status"] == "no_incident"
    assert db.execute("SELECT count(*) AS n FROM reports").fetchone()["n"] == 0
    assert _queued(broker) == []


def test_an_older_revision_or_a_gone_article_is_left_alone(db, broker):
    article_id = _article(db, BOMBING, title="Car bomb kills 14 in Quetta", revision=2)
    assert extract_and_store(article_id, 1).action == "stale"
    assert extract_and_store(article_id + 1000, 1).action == "gone"
    assert db.execute("SELECT count(*) AS n FROM reports").fetchone()["n"] == 0


def test_text_that_breaks_the_extractor_marks_the_article_failed_with_the_reason(db, broker, monkeypatch):
    # Fault injection: the extractor's own failure modes are covered elsewhere; here what matters is
    # what the task does when any exception escapes it.
    def broken(articles):
        raise ValueError("unexpected token soup")

    import workers.extraction.pipeline as pipeline

    monkeypatch.setattr(pipeline, "extract_articles", broken)
    article_id = _article(db, BOMBING, title="Car bomb kills 14 in Quetta")
    assert extract_and_store(article_id, 1).action == "failed"
    row = db.execute("SELECT status, failure_reason FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert row["status"] == "failed" and "unexpected token soup" in row["failure_reason"]
    assert _queued(broker) == []


def test_the_task_is_registered_under_its_contract_name():
    assert extract_task.extract_article.name == "extract.article"
