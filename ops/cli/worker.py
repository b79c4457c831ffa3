"""`newswatch worker`: a Celery worker for the extract, resolve and poll queues.

The reliability settings live on the app (workers/app.py): late acks, a task whose process dies is
put back, prefetch 1, time limits, retries for transient errors only. This command adds what a
process needs: logging, the metrics endpoint, a name unique on the host (so several workers run
side by side), and the spaCy model loaded once in the parent before the pool forks, so every pool
process shares it instead of loading its own. SIGTERM is Celery's warm shutdown: the tasks in hand
finish, nothing new is taken.
"""

from __future__ import annotations

import os
import tempfile

import click

from newswatch.errors import ConfigError, UserError

ALL_QUEUES = ("poll", "extract", "resolve")


def parse_queues(text: str) -> list[str]:
    """'extract, resolve' -> ['extract', 'resolve']; unknown or empty lists are a UserError."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UserError("--queues: give at least one of " + ", ".join(ALL_QUEUES))
    unknown = [name for name in names if name not in ALL_QUEUES]
    if unknown:
        raise UserError(f"--queues: unknown queue {unknown[0]!r} (known: {', '.join(ALL_QUEUES)})")
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
    return path


def _warm_up(queues: list[str]) -> None:
    """Load the extraction model before the pool forks, if the extraction stage offers a way to."""
    if "extract" not in queues:
        return
    import importlib
    import logging

    module = importlib.import_module("workers.extract_task")
    warm = getattr(module, "warm_up", None)
    if callable(warm):
        logging.getLogger("newswatch.worker").info("loading the extraction model before forking")
        warm()


@click.command(name="worker")
@click.option("--queues", "-Q", default=",".join(ALL_QUEUES), show_default=True,
              help="Comma-separated queues to take tasks from: poll, extract, resolve.")
@click.option("--concurrency", "-c", type=click.IntRange(min=1, max=256), default=None,
              help="Worker processes. Default: one per CPU core.")
@click.option("--max-tasks-per-child", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Replace a pool process after this many tasks (bounds memory growth; 0: never).")
def command(queues: str, concurrency: int | None, max_tasks_per_child: int) -> None:
    """Run a Celery worker taking tasks from the given queues until SIGTERM or Ctrl-C.

    Run one per machine, or one per queue to size each pool on its own (extract is CPU-bound:
    one process per core; resolve and poll are short and I/O-bound). Any number of workers on any
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

    from newswatch import metrics
    from newswatch.logging import configure_logging

    configure_logging(settings)
    metrics.serve(settings.metrics_port, extra=[metrics.QueueDepth(settings.redis_url, ALL_QUEUES)])

    from workers.app import app

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
    app.worker_main(argv)
