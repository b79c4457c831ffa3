"""SIGTERM to `newswatch worker` (systemctl stop, docker stop, `up` stopping) finishes the task in hand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ops.demo.server import load_articles
from tests.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]



def test_sigterm_lets_the_extraction_in_hand_finish_then_the_worker_exits_cleanly(db, private_redis_url, tmp_path):
    report = load_articles()[1]
    text = " ".join([" ".join(p.replace("{weekday}", "Tuesday") for p in report.paragraphs)] * 25)
    article_id = db.execute(
        """INSERT INTO articles (url, url_key, title, published_at, fetched_at, text, content_hash, revision,
                                 status, enqueued_at)
           VALUES ('https://news.example.org/s', 's', %s, now(), now(), %s, md5(%s), 1, 'pending', now())
           RETURNING id""", (report.title, text, text)).fetchone()["id"]
    log = tmp_path / "worker.log"
    env = {**os.environ, "REDIS_URL": private_redis_url}
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "ops", "worker", "--queues", "extract", "-c", "1"],
                                  cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while "ready." not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "worker not ready"
            time.sleep(0.1)
        from celery import Celery

        sender = Celery("shutdown-test", broker=private_redis_url)
        sender.send_task("extract.article", args=[article_id, 1], queue="extract")
        sender.close()
        while "Task extract.article[" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "task not received"
            time.sleep(0.01)
        worker.send_signal(signal.SIGTERM)  # mid-extraction
        assert db.execute("SELECT status FROM articles WHERE id = %s", (article_id,)).fetchone()["status"] == "pending"
        code = worker.wait(timeout=120)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    output = log.read_text(errors="replace")
    assert code == 0
    assert "Warm shutdown" in output
    assert "succeeded" in output, "the task in hand ran to its end"
    status = db.execute("SELECT status FROM articles WHERE id = %s", (article_id,)).fetchone()["status"]
    assert status == "extracted"  # its report is stored; resolution is the next worker's job
