"""Helpers for the web tests: the real `newswatch web` in a subprocess, and an SSE reader."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any

import httpx

from ops.ports import free_port
from tests.conftest import ROOT


class WebServer:
    """`newswatch web` on a free loopback port, stopped with SIGTERM as a service manager would."""

    def __init__(self, database_url: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, "DATABASE_URL": database_url, "NEWSWATCH_WEB_ADDR": f"127.0.0.1:{self.port}",
                    **(env or {})}
        self.process = subprocess.Popen([sys.executable, "-m", "ops", "web"], cwd=ROOT, env=full_env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"newswatch web exited: {self.process.stdout.read()}")  # type: ignore[union-attr]
            try:
                httpx.get(self.url + "/static/style.css", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("newswatch web did not answer within 30s")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.stdout.read() if self.process.stdout else ""


class EventStream:
    """Reads server-sent events from `url` in a thread; `next()` waits for the next one."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.opened = threading.Event()
        self._stop = threading.Event()
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._read, args=(url, headers or {}), daemon=True)
        self._thread.start()
        assert self.opened.wait(10), "the event stream did not open"

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            self._read_events(url, headers)
        except httpx.HTTPError as exc:  # the server went away: the waiting test says what it missed
            self.error = exc
            self.opened.set()

    def _read_events(self, url: str, headers: dict[str, str]) -> None:
        with httpx.Client(timeout=httpx.Timeout(5, read=60)) as client, \
                client.stream("GET", url, headers=headers) as response:
            self.status = response.status_code
            self.opened.set()
            event: dict[str, Any] = {}
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if not line:
                    if "data" in event:
                        self.events.put(event)
                    event = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    event[name] = value[1:] if value.startswith(" ") else value

    def next(self, kind: str, timeout: float = 15, where: Any = None) -> dict[str, Any]:
        """The next event named `kind` (others, and those whose data fails `where`, are skipped), its
        data decoded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event.get("event") == kind:
                decoded = {**event, "data": json.loads(event["data"])}
                if where is None or where(decoded["data"]):
                    return decoded
        raise AssertionError(f"no {kind!r} event within {timeout}s")

    def close(self) -> None:
        self._stop.set()
