"""`up`'s supervisor on real child processes: restarts, and giving up on a child that keeps crashing.

The child is a real `newswatch worker` given a queue that does not exist: it exits at once with
one error line, as a child that cannot start does. The clock is the test's, so no test waits
out the restart pauses.
"""

from __future__ import annotations

import os

import pytest

from ops.stack.children import ChildSpec
from ops.stack.dashboard import Dashboard
from ops.stack.supervisor import CRASH_LOOP_EXITS, RESTART_PAUSE_S, STABLE_AFTER_S, CrashLoop, Supervisor, last_line

BROKEN = ChildSpec("worker", ("worker", "--queues", "nope"))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _exit_and_restart(supervisor: Supervisor, clock: Clock, ran_for: float) -> list[str]:
    """Let the child exit, as if it had run `ran_for` seconds; then let the pause pass (restart)."""
    child = supervisor.children[0]
    assert child.process is not None
    child.process.wait(timeout=60)
    clock.now += ran_for
    lines = supervisor.check()
    clock.now += RESTART_PAUSE_S
    supervisor.check()
    return lines


def test_a_child_that_exits_at_every_start_stops_up_with_its_last_error_line(tmp_path):
    clock = Clock()
    supervisor = Supervisor([BROKEN], os.environ, tmp_path, clock=clock)
    supervisor.start()
    child = supervisor.children[0]
    with pytest.raises(CrashLoop) as stopped:
        for _ in range(CRASH_LOOP_EXITS + 1):
            _exit_and_restart(supervisor, clock, ran_for=1)
    assert child.restarts == CRASH_LOOP_EXITS - 1  # five runs in all, then no sixth
    message = str(stopped.value)
    assert message.startswith(f"worker keeps crashing ({CRASH_LOOP_EXITS} exits in a row")
    assert "its last line: error: --queues: unknown queue 'nope'" in message
    assert str(tmp_path / "worker.log") in message
    assert "\n" not in message


def test_the_status_line_names_a_child_that_keeps_exiting_and_its_error(tmp_path):
    clock = Clock()
    supervisor = Supervisor([BROKEN], os.environ, tmp_path, clock=clock)
    supervisor.start()
    lines = _exit_and_restart(supervisor, clock, ran_for=1)
    _exit_and_restart(supervisor, clock, ran_for=1)
    assert lines == [f"worker exited with code 1: error: --queues: unknown queue 'nope' (known: extract, "
                     f"resolve); restarting in {RESTART_PAUSE_S:g}s (log: {tmp_path / 'worker.log'})"]
    summary = Dashboard(live=False).summary(supervisor.children)
    assert summary.endswith("| worker exited with code 1: error: --queues: unknown queue 'nope' "
                            "(known: extract, resolve), 2 times in a row")
    supervisor.stop()


def test_a_child_that_ran_a_while_before_each_exit_is_restarted_for_as_long_as_it_takes(tmp_path):
    clock = Clock()
    supervisor = Supervisor([BROKEN], os.environ, tmp_path, clock=clock)
    supervisor.start()
    for _ in range(CRASH_LOOP_EXITS * 2):
        _exit_and_restart(supervisor, clock, ran_for=STABLE_AFTER_S + 1)
    assert supervisor.children[0].restarts == CRASH_LOOP_EXITS * 2
    supervisor.stop()


def test_the_last_line_is_taken_from_this_run_only_without_terminal_escapes(tmp_path):
    log = tmp_path / "poller.log"
    log.write_bytes(b"an earlier run's last words\n")
    since = log.stat().st_size
    assert last_line(log, since) == ""
    with open(log, "ab") as out:
        out.write(b"\x1b[31mImportError: lxml.html.clean module is now a separate project\x1b[0m\n\n  \n")
    assert last_line(log, since) == "ImportError: lxml.html.clean module is now a separate project"
