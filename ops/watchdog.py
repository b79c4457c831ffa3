"""Stops the embedded servers when the process that started them dies, however it dies.

PostgreSQL (pg_ctl daemonises it) and Valkey are not children that die with `newswatch up`: a
SIGKILLed or crashed `up` would leave them running. So `ops.embedded.start_services` starts this
small process first (`python -m ops.watchdog`, standard library only), with a pipe on its standard
input, and tells it, one JSON line each, what to stop:

    {"services_file": PATH, "owner_pid": PID}   forget the addresses written for that `up`
    {"postgres": PGDATA}                        the postmaster named in PGDATA/postmaster.pid
    {"valkey": PID}                             that valkey-server

The parent never writes anything else and never closes the pipe while it runs. End of input means
the parent has stopped the servers itself and closed the pipe, or it died and the kernel closed
it: either way everything named that still runs is stopped (PostgreSQL with a fast shutdown,
Valkey with SIGTERM, then harder after a grace period), and the services file is removed if it
still names the parent. Stopping what is already stopped does nothing.

It runs in a session of its own, so the Ctrl-C or hang-up meant for `up` does not reach it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

GRACE_S = 30.0


def running(pid: int, name: bytes) -> bool:
    """`pid` is a live process (not a zombie) whose command line mentions `name` (pid reuse check)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X") and name in cmdline


def stop(pid: int, name: bytes, first: signal.Signals, last: signal.Signals) -> None:
    """Send `first`, wait up to GRACE_S for the process to go, then send `last`."""
    if not running(pid, name):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, first)
    deadline = time.monotonic() + GRACE_S
    while running(pid, name):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, last)
            return
        time.sleep(0.1)


def postmaster_pid(pgdata: str) -> int | None:
    try:
        return int(Path(pgdata, "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def stop_all(told: dict[str, Any]) -> None:
    if isinstance(told.get("valkey"), int):
        stop(told["valkey"], b"valkey", signal.SIGTERM, signal.SIGKILL)
    if isinstance(told.get("postgres"), str) and (pid := postmaster_pid(told["postgres"])):
        stop(pid, b"postgres", signal.SIGINT, signal.SIGQUIT)  # fast, then immediate shutdown
    path, owner = told.get("services_file"), told.get("owner_pid")
    if isinstance(path, str):
        with contextlib.suppress(OSError, ValueError):
            if json.loads(Path(path).read_text(encoding="utf-8")).get("owner_pid") == owner:
                Path(path).unlink()


def main() -> None:
    told: dict[str, Any] = {}
    for line in sys.stdin.buffer:  # until the parent closes the pipe or dies
        with contextlib.suppress(ValueError):
            message = json.loads(line)
            if isinstance(message, dict):
                told.update(message)
    stop_all(told)


if __name__ == "__main__":
    main()
