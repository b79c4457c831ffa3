"""Find work that Redis lost: articles left 'pending' (extract task lost) or 'extracted' (resolve
task lost) longer than NEWSWATCH_PENDING_TIMEOUT, and send their tasks again.

Run by the Celery task `sweep.pending` (workers/sweep_task.py) and by every poller every few
minutes, so it works without celery beat. Each row is re-stamped (`enqueued_at = now()`) in the
statement that finds it, so two sweeps at once do not both re-send it; tasks are idempotent anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

log = logging.getLogger(__name__)

Conn = psycopg.Connection[dict[str, Any]]
SWEEP_LIMIT = 1000  # per kind and run; the next run takes the rest


@dataclass
class SweepCounts:
    articles: int
    reports: int


def stale_pending(conn: Conn, timeout_s: float) -> list[tuple[int, int]]:
    """(article id, revision) of articles pending too long, re-stamped as enqueued now."""
    rows = conn.execute(
        """UPDATE articles a SET enqueued_at = now()
           FROM (SELECT id FROM articles
                 WHERE status = 'pending'
                   AND coalesce(enqueued_at, updated_at) < now() - make_interval(secs => %s)
                 ORDER BY enqueued_at NULLS FIRST LIMIT %s FOR UPDATE SKIP LOCKED) s
           WHERE a.id = s.id RETURNING a.id, a.revision""", (timeout_s, SWEEP_LIMIT)).fetchall()
    return [(r["id"], r["revision"]) for r in rows]


def stale_reports(conn: Conn, timeout_s: float) -> list[int]:
    """Ids of unresolved reports of articles left 'extracted' too long (their articles re-stamped)."""
    rows = conn.execute(
        """WITH stale AS (
               UPDATE articles a SET enqueued_at = now()
               FROM (SELECT id FROM articles
                     WHERE status = 'extracted'
                       AND greatest(enqueued_at, updated_at) < now() - make_interval(secs => %s)
                     LIMIT %s FOR UPDATE SKIP LOCKED) s
               WHERE a.id = s.id RETURNING a.id, a.revision)
           SELECT r.id FROM reports r JOIN stale ON r.article_id = stale.id AND r.revision = stale.revision
           WHERE r.resolved_at IS NULL ORDER BY r.id""", (timeout_s, SWEEP_LIMIT)).fetchall()
    return [r["id"] for r in rows]


def sweep(conn: Conn, timeout_s: float, enqueue_article: Callable[[int, int], None],
          enqueue_report: Callable[[int], None]) -> SweepCounts:
    """Re-send lost tasks. Commits the re-stamping before sending (a task never precedes its row).

    Stops at the first send that fails (the broker is down): waiting out a retry per task would hold
    up the caller for minutes, and what was not sent is found again by the next sweep.
    """
    articles = stale_pending(conn, timeout_s)
    reports = stale_reports(conn, timeout_s)
    conn.commit()
    sent = SweepCounts(0, 0)
    try:
        for article_id, revision in articles:
            enqueue_article(article_id, revision)
            sent.articles += 1
        for report_id in reports:
            enqueue_report(report_id)
            sent.reports += 1
    except Exception as exc:
        log.warning("sweep stopped after %d of %d tasks, the broker refused: %s (the next sweep retries)",
                    sent.articles + sent.reports, len(articles) + len(reports), exc)
    if sent.articles or sent.reports:
        log.info("sweep re-sent %d extract and %d resolve tasks", sent.articles, sent.reports)
    return sent
