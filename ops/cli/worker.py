"""`newswatch worker`: a Celery worker for the extract and resolve queues.

The reliability settings live on the app (workers/app.py): late acks, a task whose process dies is
put back, prefetch 1, time limits, retries for transient errors only. This command adds what a
process needs: logging, the metrics endpoint, a name unique on the host (so several workers run
side by side), and the spaCy model loaded once in the parent before the pool forks, so every pool
process shares it instead of loading its own. SIGTERM is Celery's warm shutdown: the tasks in hand
finish, nothing new is taken.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import time
from typing import Any

import click

from newswatch.errors import ConfigError, UserError
from workers.queues import QUEUES

log = logging.getLogger("newswatch.worker")

def parse_queues(text: str) -> list[str]:
    """'extract, resolve' -> ['extract', 'resolve']; unknown or empty lists are a UserError."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UserError("--queues: give at least one of " + ", ".join(QUEUES))
    unknown = [name for name in names if name not in QUEUES]
    if unknown:
        raise UserError(f"--queues: unknown queue {unknown[0]!r} (known: {', '.join(QUEUES)})")
    return list(dict.fromkeys(names))


def share_metrics_between_processes() -> str:
    """Point prometheus-client's multiprocess mode at one directory for this process and its children.

    Must run before anything imports newswatch.metrics (prometheus-client picks its storage then).
    """
    existing = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if existing and os.path.isdir(existing):
        return existing
    path = tempfile.mkdtemp(prefix="newswatch-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    # Removed when this process exits (its children, pool or `up`'s, have stopped by then).
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def instrument() -> None:
    """Count tasks, extraction time, article outcomes and publication-to-record delay from Celery's
    signals, so the task modules need no metrics code. Connected in the parent before the pool
    forks; each pool process inherits the handlers and writes to the shared metrics directory."""
    from celery.signals import task_postrun, task_prerun

    from newswatch import metrics

    started: dict[str, tuple[float, float]] = {}

    @task_prerun.connect(weak=False)
    def before(task_id: str | None = None, **_: Any) -> None:
        if task_id:
            started[task_id] = (time.monotonic(), time.time())

    @task_postrun.connect(weak=False)
    def after(task_id: str | None = None, task: Any = None, args: Any = None, state: str | None = None,
              **_: Any) -> None:
        name = getattr(task, "name", "unknown")
        began, wall = started.pop(task_id or "", (None, time.time()))
        metrics.TASKS.labels(task=name, state=state or "unknown").inc()
        if began is not None and name == "extract.article":
            metrics.EXTRACTION_SECONDS.observe(time.monotonic() - began)
        if state == "SUCCESS" and args:
            try:
                _count_outcome(name, args, wall)
            except Exception as exc:  # metrics must never fail a task
                log.debug("no outcome metrics for %s: %s", name, exc)


def _count_outcome(name: str, args: Any, since: float) -> None:
    """An article that reached its end state in THIS run (not a redelivery that found it done)."""
    from db.pool import connection
    from newswatch import metrics

    since_sql = "to_timestamp(%s) - interval '1 second'"
    with connection(timeout=5) as conn:
        if name == "extract.article":
            row = conn.execute(f"SELECT status FROM articles WHERE id = %s AND updated_at >= {since_sql}",
                               (int(args[0]), since)).fetchone()
            if row and row["status"] in ("no_incident", "failed"):
                metrics.ARTICLES.labels(outcome=row["status"]).inc()
        elif name == "resolve.report":
            row = conn.execute(
                f"""SELECT a.status, r.resolved_at, coalesce(r.published_at, a.published_at) AS published_at
                    FROM reports r JOIN articles a ON a.id = r.article_id
                    WHERE r.id = %s AND r.is_primary AND r.resolved_at >= {since_sql}""",
                (int(args[0]), since)).fetchone()
            if row:
                metrics.ARTICLES.labels(outcome=row["status"]).inc()
                if row["published_at"] is not None:
                    delay = (row["resolved_at"] - row["published_at"]).total_seconds()
                    if delay >= 0:
                        metrics.PUBLICATION_TO_RECORD_SECONDS.observe(delay)


POISON_LIMIT = 3  # runs of one article's extraction that died with their process before it is failed


def guard_against_poison_articles(redis_url: str) -> None:
    """Stop an article whose extraction keeps killing its process from coming back forever.

    Out of memory, a crash in native code or the hard time limit kill the pool process; the message
    then returns at once (`reject_on_worker_lost`) or via the sweep, and would kill the next process
    too, for ever. So each start of `extract.article` is counted in Redis and the count cleared when
    the task returns, whatever it returned: what is left counts runs that died. At POISON_LIMIT the
    next start marks the article failed (with the reason; `newswatch articles retry` can try it
    again) and the task, finding it no longer pending, returns at once.
    """
    from celery.signals import task_postrun, task_prerun

    clients: dict[str, Any] = {}

    def counter(args: Any) -> tuple[Any, str] | None:
        if not args or len(args) < 2:
            return None
        if "redis" not in clients:
            import redis

            clients["redis"] = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        return clients["redis"], f"newswatch:unfinished:extract.article:{int(args[0])}:{int(args[1])}"

    @task_prerun.connect(weak=False)
    def before(task: Any = None, args: Any = None, **_: Any) -> None:
        if getattr(task, "name", None) != "extract.article":
            return
        try:
            found = counter(args)
            if found is None:
                return
            client, key = found
            with client.pipeline() as pipe:
                started, _ = pipe.incr(key).expire(key, 86400).execute()
            if int(started) - 1 >= POISON_LIMIT:
                _fail_article(int(args[0]), int(args[1]), int(started) - 1)
                client.delete(key)
        except Exception as exc:  # the guard must never stop a task: Redis or Postgres may be restarting
            log.warning("poison guard skipped for %s: %s", args, exc)

    @task_postrun.connect(weak=False)
    def after(task: Any = None, args: Any = None, **_: Any) -> None:
        if getattr(task, "name", None) != "extract.article":
            return
        try:
            found = counter(args)
            if found is not None:
                found[0].delete(found[1])
        except Exception as exc:
            log.warning("poison guard could not clear %s: %s", args, exc)


def _fail_article(article_id: int, revision: int, died: int) -> None:
    from workers.extract_task import mark_failed

    reason = (f"extraction killed its worker process {died} times (out of memory, a crash or the time "
              f"limit); `newswatch articles retry {article_id}` tries again")
    mark_failed(article_id, revision, reason, timeout=10)
    log.error("article %s revision %s: %s", article_id, revision, reason)


def _warm_up(queues: list[str]) -> None:
    """Load before the pool forks what each child would otherwise build for itself, so they share it:
    the extraction model and patterns for `extract`, the place gazetteer for either queue."""
    if "extract" in queues:
        from workers.extract_task import warm_up

        log.info("loading the extraction model before forking")
        warm_up()
    elif "resolve" in queues:
        from workers.resolve_task import warm_up

        log.info("loading the place gazetteer before forking")
        warm_up()


@click.command(name="worker")
@click.option("--queues", "-Q", default=",".join(QUEUES), show_default=True,
              help="Comma-separated queues to take tasks from: extract, resolve.")
@click.option("--concurrency", "-c", type=click.IntRange(min=1, max=256), default=None,
              help="Worker processes. Default: one per CPU core.")
@click.option("--max-tasks-per-child", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Replace a pool process after this many tasks (bounds memory growth; 0: never).")
def command(queues: str, concurrency: int | None, max_tasks_per_child: int) -> None:
    """Run a Celery worker taking tasks from the given queues until SIGTERM or Ctrl-C.

    Run one per machine, or one per queue to size each pool on its own (extract is CPU-bound:
    one process per core; resolve is short database transactions). Any number of workers on any
    number of machines may share one PostgreSQL and one Redis.
    """
    names = parse_queues(queues)
    from newswatch.settings import get_settings

    settings = get_settings()
    if not settings.redis_url:
        raise ConfigError("REDIS_URL is not set (run `newswatch up`, or set it to the Redis URL)")
    if not settings.database_url:
        raise ConfigError("DATABASE_URL is not set (run `newswatch up`, or set it to a PostgreSQL URL)")
    if settings.metrics_port:
        share_metrics_between_processes()
    # Under `up`, the parent serves the metrics of all its children from this directory.
    measured = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

    from newswatch import metrics
    from newswatch.logging import configure_logging

    configure_logging(settings)
    metrics.serve(settings.metrics_port, address=settings.metrics_addr,
                  extra=[metrics.QueueDepth(settings.redis_url, QUEUES)])

    from workers.app import app, safe_visibility_timeout

    if settings.visibility_timeout <= safe_visibility_timeout(settings):
        log.warning("NEWSWATCH_VISIBILITY_TIMEOUT (%gs) is not above %gs, the longest a live worker holds a "
                    "task: Redis may hand a slow task to a second worker while the first still runs it",
                    settings.visibility_timeout, safe_visibility_timeout(settings))
    if measured:
        instrument()
    if "extract" in names:
        guard_against_poison_articles(settings.redis_url)
    _warm_up(names)
    processes = concurrency or os.cpu_count() or 1
    argv = [
        "worker",
        "--queues", ",".join(names),
        "--concurrency", str(processes),
        "--hostname", f"{'+'.join(names)}.{os.getpid()}@%h",
        "--loglevel", settings.log_level.upper(),
        "--without-gossip",  # workers need not know each other; saves broker chatter
        "--without-mingle",
    ]
    if max_tasks_per_child:
        argv += ["--max-tasks-per-child", str(max_tasks_per_child)]
    if settings.log_format == "json":
        argv.insert(0, "--quiet")  # no ASCII-art banner among the JSON lines
    app.worker_main(argv)
