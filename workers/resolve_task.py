"""The `resolve.report` task: put one extracted report into the incident register.

Idempotent: the resolver locks the report row and returns quietly when it is gone or already
resolved, so a redelivered or retried message changes nothing.
"""

from __future__ import annotations

import logging

from workers.app import task

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Build the place gazetteer matching reads before the worker pool forks, so children share it
    instead of each building it (about a second and 90 MB) inside its first resolve, under the key
    locks; then freeze it out of the garbage collector (see extract_task.warm_up)."""
    import gc

    from workers.resolution.material import place_country

    place_country("london")
    gc.freeze()


@task(name="resolve.report", time_limit=60)
def resolve_report(report_id: int) -> None:
    from db.pool import connection
    from workers.resolution.resolver import resolve_report as resolve

    with connection() as conn:
        result = resolve(conn, int(report_id))
    if result.action not in ("already_done", "gone"):
        log.info("report %s: %s incident=%s version=%s reason=%s merged=%s", report_id, result.action,
                 result.incident_id, result.version, result.reason, list(result.merged))
