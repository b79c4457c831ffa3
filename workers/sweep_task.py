"""`sweep.pending`: re-send tasks Redis lost (articles left pending, reports left unresolved).

Pollers run the same sweep every few minutes, so this task only matters where celery beat runs;
see feeds/sweep.py for what counts as lost.
"""

from __future__ import annotations

from db.pool import connection
from feeds.sweep import sweep
from newswatch.settings import get_settings
from workers.app import send_extract, send_resolve, task


@task(name="sweep.pending", time_limit=120)
def sweep_pending() -> dict[str, int]:
    with connection() as conn:
        counts = sweep(conn, get_settings().pending_timeout, send_extract, send_resolve)
    return {"articles": counts.articles, "reports": counts.reports}
