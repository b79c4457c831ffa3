"""End-to-end throughput and latency of the real pipeline, against spaCy alone, in one run.

    python -m ops.bench.pipeline [--workers W] [--feeds F] [--realistic-limit N] [--heavy-size N]
                                 [--scale-feeds 10000 | --no-scale]

For each mix it builds the articles (ops.bench.corpus), serves them with ../shared/tools/newsroom.py
in F feeds, runs the real pipeline (`newswatch poller` and `newswatch worker` with W processes,
a fresh PostgreSQL database and Redis database) and measures:
  - sustained articles/s: every article released at once; the rate at which they finish between
    the moments 10% and 90% of them are finished (the steady state; the overall rate from release
    to the last one finished, start-up and tail included, is printed beside it);
  - latency: the incident-heavy mix released again at half the sustained rate; seconds from an
    article's release to its final state (for an incident article, its committed version);
  - peak memory (VmHWM) of every worker process;
and the ceiling: spaCy's full pipeline alone (nlp.pipe, one process per core) on the same texts.
Release times are exact: the newsroom runs with --release manual and this script releases items.
The last line reads `pipeline: realistic R1x ceiling, incident-heavy R2x ceiling, p95 S s`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from ops.bench import ceiling, corpus
from ops.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
NEWSROOM = corpus.SHARED / "tools" / "newsroom.py"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
FINAL = ("resolved", "no_incident", "failed")




@dataclass
class Run:
    """One pipeline run: a database, a Redis db, a newsroom, a poller and workers."""

    articles: list[dict[str, Any]]
    feeds: int
    workers: int
    keep_db: bool = False  # leave the database for inspection (its URL is run.db_url)
    stack: ExitStack = field(default_factory=ExitStack)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    released_at: dict[str, float] = field(default_factory=dict)
    released_wall: dict[str, float] = field(default_factory=dict)   # the same moments, on the wall clock
    done_at: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> Run:
        try:
            return self._start_all()
        except BaseException:
            self.__exit__(None, None, None)  # a failed start must not leave servers, workers or the database
            raise

    def _start_all(self) -> Run:
        self.db_name = f"newswatch_bench_{secrets.token_hex(3)}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.db_name}"')
        if not self.keep_db:
            self.stack.callback(self._drop_db)
        self.db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.db_name
        self.redis_url = f"{REDIS_BASE}/{13 + secrets.randbelow(3)}"
        self._redis("FLUSHDB")
        self.stack.callback(self._redis, "FLUSHDB")
        self.env = {**os.environ, "DATABASE_URL": self.db_url, "REDIS_URL": self.redis_url,
                    "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1", "NEWSWATCH_MIN_INTERVAL": "1",
                    "NEWSWATCH_DEFAULT_INTERVAL": "1", "NEWSWATCH_PER_HOST_CONCURRENCY": "32",
                    "NEWSWATCH_PENDING_TIMEOUT": "300", "NEWSWATCH_LOG_LEVEL": "WARNING"}
        self.tmp = Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="nwbench")))
        self.port = free_port()
        path = corpus.write_jsonl(self.articles, self.tmp / "articles.jsonl")
        self._start([sys.executable, str(NEWSROOM), "--articles", str(path), "--port", str(self.port),
                     "--feeds", str(self.feeds), "--release", "manual", "--max-items", str(len(self.articles))],
                    "newsroom")
        self._wait_http(f"http://127.0.0.1:{self.port}/control/status")
        self._newswatch("db", "migrate")
        opml = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/feeds.opml", timeout=10).read()
        self._newswatch("feeds", "import", "-", "--interval", "1s", input=opml)
        self.worker_proc = self._start([sys.executable, "-m", "ops", "worker", "--concurrency", str(self.workers)],
                                       "worker")
        self._start([sys.executable, "-m", "ops", "poller"], "poller")
        self._wait_workers_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.stack.close()

    # -- plumbing -------------------------------------------------------------------------------
    def _start(self, cmd: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def _newswatch(self, *args: str, input: bytes | None = None) -> None:
        subprocess.run([sys.executable, "-m", "ops", *args], env=self.env, cwd=ROOT, input=input,
                       check=True, capture_output=True, timeout=300)

    def _redis(self, *command: str) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).execute_command(*command)

    def _drop_db(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    @staticmethod
    def _wait_http(url: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _wait_workers_ready(self, seconds: float = 300) -> None:
        """Until every worker process has its model loaded (they answer a ping)."""
        from celery import Celery

        app = Celery(broker=self.redis_url)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            if replies:
                time.sleep(3)  # children finish warming spaCy after the parent answers
                return
            if self.worker_proc.poll() is not None:
                raise SystemExit(f"worker exited: {(self.tmp / 'worker.log').read_text()[-2000:]}")
        raise SystemExit("workers did not come up")

    # -- measuring ------------------------------------------------------------------------------
    def release(self, rate: float | None) -> None:
        """Release every article at once (rate None) or `rate` per second, recording each time."""
        ids = [a["id"] for a in self.articles]  # the newsroom releases in this (publication) order
        url = f"http://127.0.0.1:{self.port}/control/release?n="
        if rate is None:
            now = time.monotonic()
            urllib.request.urlopen(urllib.request.Request(url + str(len(ids)), method="POST"), timeout=10).read()
            self.released_at.update(dict.fromkeys(ids, now))
            return
        started = time.monotonic()
        for index, article_id in enumerate(ids):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                self.watch(until=time.monotonic() + delay)
            urllib.request.urlopen(urllib.request.Request(url + "1", method="POST"), timeout=10).read()
            self.released_at[article_id] = time.monotonic()
            self.released_wall[article_id] = time.time()

    def watch(self, until: float | None = None, timeout: float = 3600) -> None:
        """Record when each article reaches a final state, until all have (or `until`)."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            while True:
                rows = conn.execute("SELECT url FROM articles WHERE status = ANY(%s)", (list(FINAL),)).fetchall()
                now = time.monotonic()
                for (url,) in rows:
                    match = re.search(r"/articles/(.+)\.html", url)
                    if match and match.group(1) not in self.done_at:
                        self.done_at[match.group(1)] = now
                if until is not None and now >= until:
                    return
                if until is None and len(self.done_at) >= len(self.articles):
                    return
                if now > deadline:
                    raise SystemExit(f"timed out: {len(self.done_at)} of {len(self.articles)} finished")
                time.sleep(0.2)

    def stages(self) -> dict[str, dict[str, float]]:
        """Per released article, on the database's clock (this machine's): seconds from release to
        its entry stored (the feed polled), to its page fetched, and to its final state committed."""
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT url, extract(epoch FROM created_at), extract(epoch FROM fetched_at), "
                "extract(epoch FROM updated_at) FROM articles WHERE status = ANY(%s)", (list(FINAL),)).fetchall()
        out: dict[str, dict[str, float]] = {}
        for url, created, fetched, updated in rows:
            match = re.search(r"/articles/(.+)\.html", url)
            if match and match.group(1) in self.released_wall and created and fetched and updated:
                released = self.released_wall[match.group(1)]
                out[match.group(1)] = {"stored": float(created) - released, "fetched": float(fetched) - released,
                                       "done": float(updated) - released}
        return out

    def statuses(self) -> dict[str, int]:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return dict(conn.execute("SELECT status, count(*) FROM articles GROUP BY status").fetchall())

    def worker_peak_mb(self) -> list[float]:
        pids = [self.worker_proc.pid, *_children(self.worker_proc.pid)]
        return [_vmhwm_mb(pid) for pid in pids]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _vmhwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Throughput:
    sustained: float   # articles/s between 10% and 90% finished: the steady state
    overall: float     # articles/s from the release to the last one finished (ramp and tail included)
    peak_mb: list[float]
    statuses: dict[str, int]


def throughput(articles: list[dict[str, Any]], args: argparse.Namespace) -> Throughput:
    """Release everything at once and time the pipeline working through it."""
    with Run(articles, args.feeds, args.workers) as run:
        run.release(None)
        start = min(run.released_at.values())
        run.watch()
        finished = sorted(run.done_at.values())
        low, high = int(len(finished) * 0.1), int(len(finished) * 0.9) - 1
        sustained = (high - low) / (finished[high] - finished[low])
        overall = len(articles) / (finished[-1] - start)
        return Throughput(sustained, overall, run.worker_peak_mb(), run.statuses())


def latency(articles: list[dict[str, Any]], rate: float, args: argparse.Namespace) -> dict[str, list[float]]:
    """Seconds from each article's release to its entry stored, its page fetched and its final
    state committed (the database's timestamps: no sampling delay of the watcher's polling)."""
    with Run(articles, args.feeds, args.workers) as run:
        run.release(rate)
        run.watch()
        stages = run.stages()
        return {name: sorted(s[name] for s in stages.values()) for name in ("stored", "fetched", "done")}


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def texts(articles: list[dict[str, Any]]) -> list[str]:
    return [f"{a.get('title') or ''}\n\n{a.get('text') or ''}" for a in articles]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--realistic-limit", type=int, default=0, help="articles of the realistic mix (0: all)")
    parser.add_argument("--heavy-size", type=int, default=580, help="articles of the incident-heavy mix")
    parser.add_argument("--scale-feeds", type=int, default=10_000)
    parser.add_argument("--no-scale", action="store_true", help="skip the many-feeds polling check")
    args = parser.parse_args()
    if not corpus.shared_available() or not NEWSROOM.is_file():
        print("pipeline: ../shared (corpus and newsroom.py) is not present; nothing to measure")
        return
    figures: dict[str, Any] = {}
    for mix, articles in (("realistic", corpus.realistic(args.realistic_limit)),
                          ("incident-heavy", corpus.incident_heavy(args.heavy_size))):
        top = ceiling.spacy_alone(texts(articles))["articles_per_s"]
        measured = throughput(articles, args)
        rate = measured.sustained
        figures[mix] = {"pipeline": rate, "ceiling": top, "ratio": rate / top}
        print(f"{mix}: {len(articles)} articles; pipeline sustained {rate:.1f} articles/s (overall, with "
              f"start-up and tail, {measured.overall:.1f}); spaCy alone {top:.1f} articles/s "
              f"({os.cpu_count()} processes): {rate / top:.2f}x sustained, {measured.overall / top:.2f}x overall; "
              f"worker peak memory {', '.join(f'{p:.0f}' for p in measured.peak_mb)} MB; "
              f"statuses {json.dumps(measured.statuses)}", flush=True)
    heavy = figures["incident-heavy"]
    paced = heavy["pipeline"] / 2
    stages = latency(corpus.incident_heavy(args.heavy_size), paced, args)
    delays = stages["done"]
    p50, p95 = percentile(delays, 0.50), percentile(delays, 0.95)
    print(f"latency at {paced:.1f} articles/s (half the sustained incident-heavy rate): "
          f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(delays):.2f} s (release to record; entry stored "
          f"p50 {percentile(stages['stored'], 0.5):.2f} p95 {percentile(stages['stored'], 0.95):.2f} s, page "
          f"fetched p50 {percentile(stages['fetched'], 0.5):.2f} p95 {percentile(stages['fetched'], 0.95):.2f} s)",
          flush=True)
    if not args.no_scale:
        scale = subprocess.run([sys.executable, "-m", "ops.bench.poll", "--feeds", str(args.scale_feeds)],
                               cwd=ROOT, capture_output=True, text=True, timeout=1800)
        print(f"scale ({args.scale_feeds} unchanged feeds):\n{scale.stdout.strip() or scale.stderr.strip()[-2000:]}")
    print(f"pipeline: realistic {figures['realistic']['ratio']:.2f}x ceiling, "
          f"incident-heavy {heavy['ratio']:.2f}x ceiling, p95 {p95:.2f} s")


if __name__ == "__main__":
    main()
