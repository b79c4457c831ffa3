"""`newswatch worker` with NEWSWATCH_METRICS_PORT: what an operator's Prometheus scrapes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ops.ports import free_port
from tests.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

BOMBING = ("At least 12 people were killed and 30 others injured when a bomb exploded at the main bus "
           "station in Mombasa, Kenya, on Tuesday morning, police said. No group has claimed the attack.")
SPORT = ("Harbour United beat City Rovers 2-1 at the Coast Stadium on Tuesday night with a late header "
         "from defender Samuel Otieno. The win lifts United to third in the table.")


def _stop(worker: subprocess.Popen) -> None:
    """SIGTERM, as a service manager stops it; killed if it has not gone within a minute."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)


def _sample(text: str, name: str) -> float | None:
    """The value of one sample line of the exposition text, e.g. 'newswatch_articles_total{outcome="x"}'."""
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None



def test_a_worker_serves_article_outcomes_extraction_time_delay_and_queue_depth(db, private_redis_url, tmp_path):
    redis_url = private_redis_url
    published = datetime.now(UTC) - timedelta(minutes=10)
    ids = []
    for n, (title, text) in enumerate((("Bomb at Mombasa bus station kills 12", BOMBING),
                                       ("Harbour United edge Rovers", SPORT))):
        row = db.execute("""INSERT INTO articles (url, url_key, title, published_at, fetched_at, text, content_hash,
                                                  revision, status, enqueued_at)
                            VALUES (%s, %s, %s, %s, now(), %s, md5(%s), 1, 'pending', now()) RETURNING id""",
                         (f"https://news.example.org/m{n}", f"m{n}", title, published, text, text)).fetchone()
        ids.append(row["id"])
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "NEWSWATCH_METRICS_PORT": str(port)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "ops", "worker", "--queues", "extract,resolve", "-c", "1"],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        from celery import Celery

        sender = Celery("metrics-test", broker=redis_url)
        for article_id in ids:
            sender.send_task("extract.article", args=[article_id, 1], queue="extract")
        sender.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = db.execute("SELECT count(*) AS n FROM articles WHERE status IN ('resolved', 'no_incident')"
                              ).fetchone()["n"]
            if done == 2:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("articles not processed:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(1)  # the resolve task's signal handler runs just after its commit
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        _stop(worker)

    assert _sample(text, 'newswatch_articles_total{outcome="resolved"}') == 1
    assert _sample(text, 'newswatch_articles_total{outcome="no_incident"}') == 1
    assert _sample(text, "newswatch_extraction_seconds_count") == 2
    assert _sample(text, 'newswatch_tasks_total{state="SUCCESS",task="extract.article"}') == 2
    delay_count = _sample(text, "newswatch_publication_to_record_seconds_count")
    delay_sum = _sample(text, "newswatch_publication_to_record_seconds_sum")
    assert delay_count == 1 and delay_sum is not None and 600 <= delay_sum < 900
    assert _sample(text, 'newswatch_queue_depth{queue="extract"}') == 0
    assert worker.returncode == 0, "SIGTERM is a clean, warm shutdown"


def test_with_only_a_port_set_the_endpoint_listens_on_loopback_and_serves_nothing_but_metrics(
        database_url, private_redis_url, tmp_path):
    import psutil

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(REDIS_URL=private_redis_url, DATABASE_URL=database_url, NEWSWATCH_METRICS_PORT=str(port))
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "ops", "worker", "--queues", "resolve", "-c", "1"],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        listening: list[tuple[str, int]] = []
        while time.monotonic() < deadline and not listening:
            listening = [(c.laddr.ip, c.laddr.port) for c in psutil.Process(worker.pid).net_connections("inet")
                         if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
            time.sleep(0.2)
        assert listening == [("127.0.0.1", port)], log.read_text(errors="replace")[-2000:]
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert metrics.status_code == 200 and "newswatch_queue_depth" in metrics.text
        for path in ("/", "/metrics/extra", "/favicon.ico", "/admin"):
            other = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
            assert other.status_code == 404, path
            assert "newswatch_" not in other.text
    finally:
        _stop(worker)
