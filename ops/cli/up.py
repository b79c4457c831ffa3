"""`newswatch up`: everything for one machine, in one command, until Ctrl-C.

This module is the command: its options, its signals and its main loop. What it starts, in which
order, and how it shows progress are in ops/stack/ (children, supervisor, lifecycle, dashboard).

Ctrl-C, SIGTERM or SIGHUP: children get SIGTERM and finish the task in hand, then the embedded
services stop. A second Ctrl-C stops waiting for the tasks in hand. A child that keeps crashing
stops `up` too, with exit code 1 and the child's last line.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

import click


@click.command(name="up")
@click.option("--demo", is_flag=True, help="Watch built-in sample news served on 127.0.0.1 (no network, no set-up).")
@click.option("--concurrency", "-c", type=click.IntRange(min=1, max=64), default=None,
              help="Worker processes. Default: one per CPU core.")
@click.option("--plain", is_flag=True, help="Print progress as lines, not a live dashboard (default off a terminal).")
@click.option("--demo-interval", type=click.FloatRange(min=0.5), default=6.0, hidden=True,
              help="Seconds between two demo articles.")
@click.option("--exit-after", type=click.FloatRange(min=1), default=None, hidden=True,
              help="Stop by itself after this many seconds (tests).")
def command(demo: bool, concurrency: int | None, plain: bool, demo_interval: float,
            exit_after: float | None) -> None:
    """Run newswatch on this machine: services, migrations, poller and workers, with live progress.

    With DATABASE_URL and REDIS_URL unset, PostgreSQL and Redis are embedded (data kept in
    NEWSWATCH_DATA_DIR, ~/.newswatch by default); other newswatch commands run meanwhile reach
    them. Ctrl-C stops everything this command started.
    """
    from ops.stack.lifecycle import Stack, UpOptions

    stopping = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        if stopping.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for tasks in hand
        stopping.set()

    # SIGHUP too: a closed terminal must not leave the embedded servers running.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    stack = Stack(UpOptions(demo=demo, concurrency=concurrency or os.cpu_count() or 1,
                            demo_interval=demo_interval, live=not plain and sys.stdout.isatty()))
    try:
        stack.start()
        deadline = time.monotonic() + exit_after if exit_after else None
        while not stopping.is_set():
            stack.tick()
            if deadline is not None and time.monotonic() >= deadline:
                break
            stack.wait(stopping)
    finally:
        try:
            stack.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
