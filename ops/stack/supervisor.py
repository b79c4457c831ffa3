"""Runs `up`'s children: starts them, restarts one that dies, gives up on one that keeps crashing.

A child that exits is started again after RESTART_PAUSE_S. A child that cannot run at all (a
missing library, a broken setting only it reads) would otherwise be restarted for ever while the
dashboard looks healthy, so exits are counted: CRASH_LOOP_EXITS exits in a row, each less than
STABLE_AFTER_S after its start, raise `CrashLoop` with the child's last line of output, and `up`
stops. A run that lasts STABLE_AFTER_S clears the count.

Each child runs in its own session, so Ctrl-C reaches only `up`, which stops the children itself;
each also gets SIGTERM if `up` dies without a word (PR_SET_PDEATHSIG, Linux).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from newswatch.errors import NewswatchError
from ops.stack.children import ChildSpec

log = logging.getLogger("newswatch.up")

RESTART_PAUSE_S = 3.0
CRASH_LOOP_EXITS = 5
STABLE_AFTER_S = 60.0
STOP_GRACE_S = 90.0  # for the tasks in hand to finish
_TAIL_BYTES = 65536
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]")


class CrashLoop(NewswatchError):
    """A child keeps exiting soon after it starts: `up` stops, naming it and its last line."""


def _load_libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child between fork and exec: get SIGTERM when the parent dies, so nothing outlives it.

    Only a prctl call through a libc loaded beforehand: safe in a forked child of a threaded parent.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def last_line(path: Path, since: int = 0) -> str:
    """The last non-blank line written to `path` after byte offset `since`, without terminal
    escapes and cut to 300 characters ('' when there is none)."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(since, size - _TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    for line in reversed(tail.splitlines()):
        cleaned = _CONTROL.sub("", line).strip()
        if cleaned:
            return cleaned if len(cleaned) <= 300 else cleaned[:299] + "…"
    return ""


class Child:
    """One child process, restarted when it dies, with its output appended to `log_path`."""

    def __init__(self, spec: ChildSpec, env: Mapping[str, str], log_path: Path,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.spec, self.log_path, self.clock = spec, log_path, clock
        self.name = spec.name
        self.argv = [sys.executable, "-m", "ops", *spec.args]
        self.env = {**env, **spec.env}
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.quick_exits = 0  # exits in a row, each soon after its start
        self.started_at = 0.0
        self.exited_at: float | None = None
        self.last_exit = ""  # 'exited with code 1: <its last line>'
        self._log_offset = 0

    def start(self) -> None:
        with open(self.log_path, "ab") as out:
            self._log_offset = out.tell()
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True,  # Ctrl-C reaches `up` only; `up` stops children in order
                preexec_fn=die_with_parent,
            )
        self.started_at = self.clock()
        self.exited_at = None

    @property
    def failing(self) -> bool:
        """It exited soon after a start, and has not run long enough since to count as well."""
        return self.quick_exits > 0

    @property
    def state(self) -> str:
        if self.process is None:
            return "not started"
        running = self.process.poll() is None
        text = f"running (pid {self.process.pid})" if running else f"{self.last_exit}; restarting"
        if self.restarts:
            text += f", {self.restarts} restarts"
        if self.failing:
            text += f", {self.quick_exits} of {CRASH_LOOP_EXITS} quick exits before `up` gives up"
        return text

    def check(self) -> str | None:
        """Restart the child if due. Returns a line to show when it has just exited.

        Raises CrashLoop when it exited CRASH_LOOP_EXITS times in a row, each soon after its start.
        """
        if self.process is None:
            return None
        now = self.clock()
        code = self.process.poll()
        if code is None:
            if self.quick_exits and now - self.started_at >= STABLE_AFTER_S:
                self.quick_exits = 0
            return None
        if self.exited_at is not None:  # seen already: waiting out the pause
            if now - self.exited_at >= RESTART_PAUSE_S:
                self.restarts += 1
                self.start()
            return None
        self.exited_at = now
        self.quick_exits = self.quick_exits + 1 if now - self.started_at < STABLE_AFTER_S else 1
        line = last_line(self.log_path, self._log_offset)
        self.last_exit = f"exited with code {code}" + (f": {line}" if line else "")
        if self.quick_exits >= CRASH_LOOP_EXITS:
            raise CrashLoop(
                f"{self.name} keeps crashing ({self.quick_exits} exits in a row, each within "
                f"{STABLE_AFTER_S:g}s of its start), so `up` stopped; its last line: {line or '(none)'} "
                f"(whole log: {self.log_path})")
        return f"{self.name} {self.last_exit}; restarting in {RESTART_PAUSE_S:g}s (log: {self.log_path})"

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        """Wait for it to exit until `deadline`, then kill its whole process group (pool processes too)."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", self.name)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # stragglers left in its session
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


class Supervisor:
    """Starts, watches and stops a set of children."""

    def __init__(self, specs: list[ChildSpec], env: Mapping[str, str], logs: Path,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.children = [Child(spec, env, logs / f"{spec.name}.log", clock) for spec in specs]

    def start(self) -> None:
        for child in self.children:
            child.start()

    def check(self) -> list[str]:
        """Restart what is due; lines about children that just exited. Raises CrashLoop."""
        return [line for child in self.children if (line := child.check()) is not None]

    def stop(self) -> None:
        """SIGTERM to all at once (each finishes its work in hand), then wait; a second Ctrl-C
        (KeyboardInterrupt) kills them, and their unfinished tasks go back to the queue."""
        for child in self.children:
            child.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        try:
            for child in self.children:
                child.wait(deadline)
        except KeyboardInterrupt:
            for child in self.children:
                child.wait(time.monotonic())
