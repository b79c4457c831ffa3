"""Prometheus metrics: a handful of counters and histograms every part may update.

Use: `from newswatch import metrics` then `metrics.ARTICLES.labels(outcome="resolved").inc()`,
`metrics.EXTRACTION_SECONDS.observe(seconds)`, `metrics.FEED_ERRORS.labels(kind="http").inc()`.
Updating a metric never fails and costs microseconds; nothing is served unless a long-running
command calls `serve()` with NEWSWATCH_METRICS_PORT > 0. The endpoint answers GET /metrics and 404
elsewhere, on NEWSWATCH_METRICS_ADDR (loopback unless an operator opens it).

Celery's prefork workers and `newswatch up` run several processes; their metrics are summed with
prometheus-client's multiprocess mode, which needs PROMETHEUS_MULTIPROC_DIR set BEFORE this module
is first imported: `newswatch worker` and `newswatch up` set it first thing (ops/cli/worker.py).
Label values must come from small fixed sets (never URLs or ids: one series per value).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# outcome: resolved, no_incident, failed, retried, skipped (already done / gone).
ARTICLES = Counter("newswatch_articles", "Articles whose processing ended, by outcome.", ["outcome"])
PUBLICATION_TO_RECORD_SECONDS = Histogram(
    "newswatch_publication_to_record_seconds",
    "Seconds from an article's publication time to its incident being recorded.",
    buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600, 86400, float("inf")),
)
EXTRACTION_SECONDS = Histogram(
    "newswatch_extraction_seconds",
    "Seconds spent extracting incidents from one article.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, float("inf")),
)
# task: the Celery task name; state: SUCCESS, FAILURE, RETRY (counted by `newswatch worker`).
TASKS = Counter("newswatch_tasks", "Tasks run, by task name and final state.", ["task", "state"])
# kind: http, timeout, parse, private_address, too_large, ... (a short fixed word, not the message).
FEED_ERRORS = Counter("newswatch_feed_errors", "Feed polls that failed, by kind of failure.", ["kind"])
# status: ok, not_modified, error.
FEED_POLLS = Counter("newswatch_feed_polls", "Feed polls, by result.", ["status"])


class QueueDepth(Collector):
    """`newswatch_queue_depth{queue=...}`: messages waiting in each Celery queue, read on scrape."""

    def __init__(self, redis_url: str, queues: Iterable[str]) -> None:
        self.redis_url = redis_url
        self.queues = tuple(queues)
        self._client: Any = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("newswatch_queue_depth", "Tasks waiting in each queue.", labels=["queue"])
        try:
            if self._client is None:
                import redis

                self._client = redis.Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
            for queue in self.queues:
                family.add_metric([queue], float(self._client.llen(queue)))
        except Exception as exc:  # a scrape must not fail because the broker is restarting
            log.debug("queue depth unavailable: %s", exc)
        yield family


class DatabaseGauges(Collector):
    """Read from PostgreSQL at each scrape: articles by status, feeds by last poll result, and the
    sum of consecutive errors of failing feeds. `connect` returns a dict-row connection context
    (db.pool.connect; passed in because this core module does not import the database layer)."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self.connect = connect

    def collect(self) -> Iterator[GaugeMetricFamily]:
        articles = GaugeMetricFamily("newswatch_articles_by_status", "Articles in each status.", labels=["status"])
        feeds = GaugeMetricFamily("newswatch_feeds", "Feeds by the result of their last poll.", labels=["status"])
        errors = GaugeMetricFamily("newswatch_feed_errors_in_a_row",
                                   "Sum over feeds of their consecutive failed polls (0: every feed healthy).")
        try:
            with self.connect() as conn:
                for row in conn.execute("SELECT status, count(*) AS n FROM articles GROUP BY status"):
                    articles.add_metric([row["status"]], float(row["n"]))
                for row in conn.execute("SELECT coalesce(last_status, 'never') AS status, count(*) AS n "
                                        "FROM feeds GROUP BY 1"):
                    feeds.add_metric([row["status"]], float(row["n"]))
                total = conn.execute("SELECT coalesce(sum(error_count), 0) AS n FROM feeds").fetchone()
                errors.add_metric([], float(total["n"]))
        except Exception as exc:  # the database may be restarting; report nothing this time
            log.debug("database gauges unavailable: %s", exc)
        yield from (articles, feeds, errors)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper never holds up the process's exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per scrape would drown the logs


def _only_metrics(app: Callable[..., Any]) -> Callable[..., Any]:
    """prometheus-client answers every path with the metrics; only /metrics is ours."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found: the metrics are at /metrics\n"]
        return app(environ, start_response)

    return wsgi


def serve(port: int, *, address: str = "127.0.0.1", extra: Iterable[Collector] = ()) -> WSGIServer | None:
    """Serve /metrics on `address`:`port` in a daemon thread (port 0: do nothing).

    Returns the server (its `shutdown()` stops it), or None when not serving."""
    if port <= 0:
        return None
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    for collector in extra:
        registry.register(collector)

    class Server(_Server):
        address_family = socket.AF_INET6 if ":" in address else socket.AF_INET

    try:
        server = make_server(address, port, _only_metrics(make_wsgi_app(registry)), Server, _QuietHandler)
    except OSError as exc:
        log.error("metrics endpoint not started: %s port %s: %s", address, port, exc.strerror)
        return None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    shown = f"[{address}]" if ":" in address else address
    log.info("metrics on http://%s:%s/metrics", shown, port)
    return server
