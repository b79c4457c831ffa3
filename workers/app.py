"""The Celery app and the one decorator every task is declared with.

Task modules (one per stage, each owned by its stage): workers.extract_task (extract.article),
workers.resolve_task (resolve.report), workers.sweep_task (sweep.pending, re-enqueueing lost work).

Redis only carries work; Postgres is the source of truth. So every task is idempotent (it re-reads
its row and returns quietly when the work is done or gone), is acknowledged only after it ran
(`acks_late`), is put back when its worker dies (`reject_on_worker_lost`), and retries only the
errors named transient, with exponential backoff and jitter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown

from newswatch.errors import TransientError
from newswatch.settings import get_settings
from workers.queues import QUEUES

F = TypeVar("F", bound=Callable[..., Any])

RETRY_BACKOFF_MAX_S = 300  # the longest wait before a retry (a retried task waits, unacknowledged, in a worker)
HARD_LIMIT_MARGIN_S = 30  # the hard time limit is the soft one plus this


def _broker_url() -> str:
    return get_settings().redis_url or "redis://127.0.0.1:6379/0"


def safe_visibility_timeout(settings: Any) -> float:
    """Below this, Redis would hand a task still held by a live worker to another one: the longest a
    worker holds a message unacknowledged is a task running to its hard time limit, or a retry
    waiting out its backoff."""
    return max(settings.extract_time_limit + HARD_LIMIT_MARGIN_S, RETRY_BACKOFF_MAX_S)


app = Celery("newswatch", set_as_current=True)
app.conf.update(
    broker_url=_broker_url(),
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,  # a broker restart is waited out, never fatal
    # A message whose worker vanished without a word (SIGKILL of the whole worker, a lost machine)
    # stays "unacknowledged" in Redis; a live worker puts it back in its queue once it is older than
    # the visibility timeout, looking every 10 s (throttle 1: each look scans; kombu's default
    # scans every tenth, 100 s). The Postgres sweep (NEWSWATCH_PENDING_TIMEOUT) usually re-sends
    # the article first; the redelivered message then finds it done and changes nothing.
    broker_transport_options={"visibility_timeout": get_settings().visibility_timeout,
                              "unacked_restore_interval": 10, "unacked_restore_throttle": 1},
    task_default_queue="extract",
    task_routes={**{f"{queue}.*": {"queue": queue} for queue in QUEUES}, "sweep.*": {"queue": "resolve"}},
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    worker_prefetch_multiplier=1,  # CPU-bound tasks: do not hoard work another worker could do
    worker_cancel_long_running_tasks_on_connection_loss=True,
    worker_hijack_root_logger=False,
    include=["workers.extract_task", "workers.resolve_task", "workers.sweep_task"],
)


def task(name: str, *, time_limit: float | None = None, max_retries: int = 8,
         retry_on: tuple[type[BaseException], ...] = (TransientError,)) -> Callable[[F], F]:
    """The house decorator: explicit name, late acks, retries for transient errors only."""
    limit = time_limit or get_settings().extract_time_limit

    def wrap(fn: F) -> F:
        return app.task(
            name=name,
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
            autoretry_for=retry_on,
            retry_backoff=2,
            retry_backoff_max=RETRY_BACKOFF_MAX_S,
            retry_jitter=True,
            max_retries=max_retries,
            time_limit=limit + HARD_LIMIT_MARGIN_S,
            soft_time_limit=limit,
        )(fn)

    return wrap


def send(name: str, *args: Any, **kwargs: Any) -> None:
    """Enqueue a task by name (callers need not import the task module)."""
    app.send_task(name, args=args, kwargs=kwargs)


def send_extract(article_id: int, revision: int) -> None:
    """Queue the extraction of one article revision (`extract.article`)."""
    send("extract.article", article_id, revision)


def send_resolve(report_id: int) -> None:
    """Queue the resolution of one report (`resolve.report`)."""
    send("resolve.report", report_id)


@worker_process_init.connect
def _fresh_pool_in_child(**_: Any) -> None:
    # A forked child must not share its parent's database connections.
    from db.pool import close_pool

    close_pool()


@worker_process_shutdown.connect
def _close_pool_on_exit(**_: Any) -> None:
    from db.pool import close_pool

    close_pool()
