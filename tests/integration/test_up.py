"""`newswatch up --demo` on a machine with nothing configured: the README's first command.

Real processes throughout: embedded PostgreSQL and Valkey, the poller and a worker as children, the
demo newsroom on 127.0.0.1. The machine's shared PostgreSQL and Redis are not used.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR") and not k.startswith("NEWSWATCH_")}
    env["NEWSWATCH_DATA_DIR"] = str(data_dir)
    return env


class Lines:
    """Reads a process's stdout in a thread so the test can wait for a line with a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self._queue.put(line) for line in stream], daemon=True).start()

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {timeout}s; output was:\n{''.join(self.seen)}")


def _ours(data_dir: Path) -> list[psutil.Process]:
    """Every process still running that belongs to this `up`: by its data directory in the
    command line (PostgreSQL), its working directory (Valkey, which writes its title over its command
    line and environment) or its environment (the poller, workers and their pool)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            if (str(data_dir) in cmdline or proc.cwd().startswith(str(data_dir))
                    or proc.environ().get("NEWSWATCH_DATA_DIR") == str(data_dir)):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return [p for p in found if p.pid != os.getpid()]


@pytest.fixture()
def data_dir(tmp_path: Path):
    path = tmp_path / "nw"
    yield path
    for proc in _ours(path):  # never leave a test's servers behind, whatever happened
        proc.kill()
    link = path / "postgres"
    if link.is_symlink():  # as root the cluster lives under /var/lib/newswatch (ops.embedded.postgres_dir)
        shutil.rmtree(link.resolve(), ignore_errors=True)


def test_the_demo_shows_an_incident_appear_and_change_version_and_ctrl_c_leaves_nothing_running(data_dir):
    cli = [sys.executable, "-m", "ops"]
    up = subprocess.Popen([*cli, "up", "--demo", "--plain", "--demo-interval", "2"], cwd=ROOT, env=_env(data_dir),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = Lines(up)
    try:
        lines.wait_for("demo newsroom at http://127.0.0.1:", timeout=60)
        # The demo releases its reports 2 s apart, but a slow machine may poll two at once and resolve
        # them in either order: the first version may already carry a later toll.
        first = lines.wait_for(" v1 (new): bombing in Mombasa, KE: ", timeout=120)
        assert any(f"{toll} killed" in first for toll in (12, 17, 19)), first
        incident = first.split("incident #", 1)[1].split(" ", 1)[0]
        lines.wait_for(f"incident #{incident} v2 (", timeout=90)
        lines.wait_for("bombing in Mombasa, KE: 19 killed, 41 injured, claimed by Coastal Freedom Brigade",
                       timeout=90)

        # Another command, with nothing configured, reaches the same embedded database.
        services = json.loads((data_dir / "services.json").read_text())
        assert services["owner_pid"] == up.pid
        listed = subprocess.run([*cli, "feeds", "list", "--json"], cwd=ROOT, env=_env(data_dir),
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) == 4

        # A second `up` on the same data directory is refused, and disturbs nothing.
        second = subprocess.run([*cli, "up", "--plain", "--exit-after", "1"], cwd=ROOT, env=_env(data_dir),
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"already running (pid {up.pid})" in second.stderr
        assert up.poll() is None
    finally:
        up.send_signal(signal.SIGINT)  # what Ctrl-C sends
        code = up.wait(timeout=120)
    lines.wait_for("stopped: nothing left running", timeout=10)
    assert code == 0
    assert _ours(data_dir) == []
    for pid in (services["postgres_pid"], services["valkey_pid"]):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (data_dir / "services.json").exists()


def test_sigterm_stops_up_as_cleanly_as_ctrl_c_and_the_data_stays_for_next_time(data_dir):
    cli = [sys.executable, "-m", "ops"]
    env = _env(data_dir)
    up = subprocess.Popen([*cli, "up", "--plain"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    lines = Lines(up)
    try:
        lines.wait_for("Ctrl-C stops everything", timeout=60)
        added = subprocess.run([*cli, "feeds", "add", "https://news.example.org/rss.xml", "--name", "kept"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert added.returncode == 0, added.stderr
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(timeout=120)
    assert code == 0
    assert _ours(data_dir) == []

    # Nothing running: `feeds list` has no database to reach and says so in one line.
    alone = subprocess.run([*cli, "feeds", "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert alone.returncode == 1 and "DATABASE_URL is not set" in alone.stderr
    assert "Traceback" not in alone.stderr

    # The next `up` finds the feed again in the embedded database.
    again = subprocess.Popen([*cli, "up", "--plain"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        Lines(again).wait_for("Ctrl-C stops everything", timeout=60)
        listed = subprocess.run([*cli, "feeds", "list", "--json"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert [f["name"] for f in json.loads(listed.stdout)] == ["kept"]
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=120) == 0
    assert _ours(data_dir) == []


def test_a_child_that_dies_is_started_again(data_dir):
    cli = [sys.executable, "-m", "ops"]
    up = subprocess.Popen([*cli, "up", "--plain", "--concurrency", "1"], cwd=ROOT, env=_env(data_dir),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = Lines(up)
    try:
        lines.wait_for("Ctrl-C stops everything", timeout=60)

        def poller() -> psutil.Process | None:
            for child in psutil.Process(up.pid).children():
                if "poller" in child.cmdline():
                    return child
            return None

        first = poller()
        assert first is not None
        first.kill()
        lines.wait_for("poller exited with code -9", timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            second = poller()
            if second is not None and second.pid != first.pid:
                break
            time.sleep(0.5)
        else:
            raise AssertionError("the poller was not started again")
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=120) == 0
    assert _ours(data_dir) == []


def test_a_child_that_cannot_start_stops_up_within_a_minute_with_its_last_error_line(data_dir, tmp_path):
    # The poller's import of trafilatura fails as it does when lxml_html_clean is missing.
    shadow = tmp_path / "shadow" / "trafilatura"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        'raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")\n')
    env = {**_env(data_dir), "PYTHONPATH": str(shadow.parent)}
    up = subprocess.Popen([sys.executable, "-m", "ops", "up", "--plain", "--concurrency", "1"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = Lines(up)
    try:
        lines.wait_for("Ctrl-C stops everything", timeout=90)
        started = time.monotonic()
        lines.wait_for("poller exited with code 2: internal error: ImportError: lxml.html.clean", timeout=30)
        lines.wait_for("| poller exited with code 2", timeout=30)  # the status line names it
        code = up.wait(timeout=60)
        took = time.monotonic() - started
    finally:
        if up.poll() is None:
            up.kill()
    assert code == 1
    assert took < 60
    assert up.stderr is not None
    error = up.stderr.read().strip().splitlines()
    assert error[-1].startswith("error: poller keeps crashing (5 exits in a row")
    assert "its last line: internal error: ImportError: lxml.html.clean module is now a separate project" in error[-1]
    lines.wait_for("stopped: nothing left running", timeout=10)
    assert _ours(data_dir) == []


def test_a_sigkilled_up_leaves_no_embedded_server_and_no_child_running(data_dir):
    up = subprocess.Popen([sys.executable, "-m", "ops", "up", "--plain", "--concurrency", "1"], cwd=ROOT,
                          env=_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = Lines(up)
    try:
        lines.wait_for("Ctrl-C stops everything", timeout=90)
        services = json.loads((data_dir / "services.json").read_text())
        servers = [psutil.Process(services["postgres_pid"]), psutil.Process(services["valkey_pid"])]
        assert all(s.is_running() for s in servers)
    finally:
        up.kill()  # no handler runs, no atexit: only what outlives `up` on its own can clean up
        up.wait(timeout=10)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _ours(data_dir):
        time.sleep(0.5)
    left = [(p.pid, " ".join(p.cmdline())[:80]) for p in _ours(data_dir) if p.status() != psutil.STATUS_ZOMBIE]
    assert left == []
    for server in servers:
        assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE
    assert not (data_dir / "services.json").exists()
