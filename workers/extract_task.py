"""The `extract.article` task: read one article revision for incidents and store them as reports.

Idempotent, as every task here: it re-reads the article and returns quietly when the article is
gone, has a newer revision than the one asked for, or is no longer 'pending', and when reports for
this revision already exist. The reports and the article's new status are written in one
transaction; `resolve.report` is enqueued only after it commits. An article whose text breaks the
extractor is marked 'failed' with the reason, never retried forever and never crashes the worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from psycopg.types.json import Jsonb

from newswatch.errors import TransientError
from workers.app import send_resolve, task

log = logging.getLogger(__name__)

_REPORT_COLUMNS = ("category", "event_type", "location", "country_code", "occurred_on", "killed",
                   "killed_qualifier", "injured", "injured_qualifier", "perpetrator", "claimed_by", "historical")


@dataclass
class ExtractionOutcome:
    """What one extraction run did: 'gone', 'stale', 'done_already', 'extracted', 'no_incident' or 'failed'."""

    action: str
    report_ids: list[int] = field(default_factory=list)


def warm_up() -> None:
    """Load spaCy, the place gazetteer and the day patterns before the worker pool forks, so children
    share them instead of each building its own on its first article, then freeze them out of the
    garbage collector: its full collections would otherwise walk these millions of long-lived
    objects every few thousand allocations (a pause of tens to hundreds of milliseconds inside a
    resolve, ops.bench.match) and touch their pages, unsharing them after the fork (the use
    gc.freeze is documented for)."""
    import gc

    from workers.extraction import dates, places
    from workers.extraction.pipeline import get_nlp
    from workers.resolution.material import place_country

    get_nlp()
    places.warm_up()
    dates.warm_up()
    place_country("london")  # loads the gazetteer matching uses
    gc.freeze()


def _report_row(article_id: int, revision: int, ordinal: int, incident: dict[str, Any],
                published_at: Any) -> dict[str, Any]:
    row = {name: incident.get(name) for name in _REPORT_COLUMNS}
    row["historical"] = bool(row["historical"])
    row.update(article_id=article_id, revision=revision, ordinal=ordinal, is_primary=ordinal == 0,
               published_at=published_at, facts=Jsonb(incident))
    return row


def mark_failed(article_id: int, revision: int, reason: str, timeout: float = 30.0) -> None:
    """Give up on an article revision still pending, keeping the reason for `newswatch articles failed`."""
    from db.pool import connection

    with connection(timeout=timeout) as conn:
        conn.execute("UPDATE articles SET status = 'failed', failure_reason = %s, updated_at = now() "
                     "WHERE id = %s AND revision = %s AND status = 'pending'", (reason[:500], article_id, revision))


def extract_and_store(article_id: int, revision: int) -> ExtractionOutcome:
    """The task's body, callable without a broker (tests, `newswatch articles retry`)."""
    from db.pool import connection
    from workers.extraction.pipeline import extract_articles

    with connection() as conn:
        article = conn.execute(
            "SELECT id, revision, status, title, text, published_at, url FROM articles WHERE id = %s",
            (article_id,)).fetchone()
        if article is None:
            return ExtractionOutcome("gone")
        if article["revision"] != revision or article["status"] != "pending":
            return ExtractionOutcome("stale")
        done = conn.execute("SELECT 1 FROM reports WHERE article_id = %s AND revision = %s LIMIT 1",
                            (article_id, revision)).fetchone()
        if done:
            return ExtractionOutcome("done_already")

    try:
        incidents = extract_articles([{"id": article_id, "title": article["title"], "text": article["text"],
                                       "published": article["published_at"], "url": article["url"]}])[0]
    except TransientError:
        raise
    except Exception as exc:  # bad text must not crash the worker: record why and stop here
        reason = f"extraction failed: {type(exc).__name__}: {exc}"
        log.warning("article %s revision %s: %s", article_id, revision, reason)
        mark_failed(article_id, revision, reason)
        return ExtractionOutcome("failed")

    with connection() as conn:
        # Lock the row and check again: another worker may have finished this revision meanwhile.
        current = conn.execute("SELECT revision, status FROM articles WHERE id = %s FOR UPDATE",
                               (article_id,)).fetchone()
        if current is None:
            return ExtractionOutcome("gone")
        if current["revision"] != revision or current["status"] != "pending":
            return ExtractionOutcome("stale")
        report_ids = []
        for ordinal, incident in enumerate(incidents):
            row = _report_row(article_id, revision, ordinal, incident, article["published_at"])
            names = list(row)
            inserted = conn.execute(
                f"INSERT INTO reports ({', '.join(names)}) VALUES ({', '.join('%s' for _ in names)}) "
                "ON CONFLICT (article_id, revision, ordinal) DO NOTHING RETURNING id",
                [row[n] for n in names]).fetchone()
            if inserted:
                report_ids.append(int(inserted["id"]))
        status = "extracted" if incidents else "no_incident"
        conn.execute("UPDATE articles SET status = %s, failure_reason = NULL, updated_at = now() WHERE id = %s",
                     (status, article_id))
    # After the commit: a resolver must never look for a report that is not there yet.
    for report_id in report_ids:
        send_resolve(report_id)
    return ExtractionOutcome(status, report_ids)


@task(name="extract.article")
def extract_article(article_id: int, revision: int) -> None:
    outcome = extract_and_store(int(article_id), int(revision))
    if outcome.action in ("extracted", "no_incident", "failed"):
        log.info("article %s revision %s: %s %s", article_id, revision, outcome.action, outcome.report_ids)
