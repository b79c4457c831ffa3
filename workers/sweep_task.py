"""`sweep.pending`: re-send tasks Redis lost (articles left pending, reports left unresolved).

Pollers run the same sweep every few minutes, so this task only matters where celery beat runs;
see feeds/sweep.py for what counts as lost.
"""

from __future__ import annotations

from db.pool import connection
from feeds.sweep import sweep
from newswatch.settings import get_settings
from workers.app import send, task


def _send_article(article_id: int, revision: int) -> None:
    send("extract.article", article_id, revision)


def _send_report(report_id: int) -> None:
    send("resolve.report", report_id)


@task(name="sweep.pending", time_limit=120)
def sweep_pending() -> dict[str, int]:
    with connection() as conn:
        counts = sweep(conn, get_settings().pending_timeout, _send_article, _send_report)
    return {"articles": counts.articles, "reports": counts.reports}
