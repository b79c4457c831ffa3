"""The order in which `newswatch up` brings things up, and takes them down again.

1. Services: the configured DATABASE_URL / REDIS_URL, or embedded PostgreSQL and Valkey under
   NEWSWATCH_DATA_DIR for whichever is unset (ops/embedded.py).
2. `newswatch db migrate`.
3. With --demo: the demo newsroom's feeds registered (it starts serving once the children run).
4. The children (ops/stack/children.py: poller, worker, web) under the supervisor; their logs go to
   <data_dir>/logs/.
5. The metrics of all of them, when NEWSWATCH_METRICS_PORT is set.

`stop()` undoes all of it in reverse, whatever failed on the way: nothing started here is left.

`--demo` always runs on the embedded services, in a database of its own that starts empty each
time, so it never writes into a configured database; it allows private addresses (its newsroom is
on 127.0.0.1) and polls every few seconds.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from newswatch.errors import UserError
from newswatch.settings import Settings
from ops.stack.children import children
from ops.stack.dashboard import Dashboard
from ops.stack.supervisor import Supervisor
from workers.queues import QUEUES

DEMO_DATABASE = "newswatch_demo"
TICK_S = 1.0  # children are checked this often, and a stop request is seen within it


@dataclass(frozen=True)
class UpOptions:
    demo: bool
    concurrency: int  # worker processes
    demo_interval: float  # seconds between two demo articles
    live: bool  # a rich dashboard (a terminal), else plain lines


class Stack:
    """What `up` starts, watches and stops."""

    def __init__(self, options: UpOptions) -> None:
        self.options = options
        self.services: Any = None
        self.demo_server: Any = None
        self.supervisor: Supervisor | None = None
        self.dashboard: Dashboard | None = None
        self.data_dir = Path(".")
        self._log_file: IO[str] | None = None

    def wait(self, stop: threading.Event) -> None:
        """Until the next tick: an incident changed, or TICK_S passed (children are checked each tick)."""
        if self.dashboard is None:
            stop.wait(TICK_S)
        else:
            self.dashboard.wait(TICK_S, stop)

    def start(self) -> None:
        from newswatch.logging import configure_logging
        from newswatch.settings import get_settings, reset_settings

        settings = get_settings()
        # First, before anything starts: a child's settings it refuses stop `up` with nothing to undo.
        specs = children(settings, concurrency=self.options.concurrency)
        self.data_dir = Path(settings.data_dir).expanduser()
        self._refuse_a_second_up(settings)
        from ops.web.server import bind

        bind(settings)  # an unprotected web address off loopback stops `up` before anything starts
        logs = self.data_dir / "logs"
        try:
            logs.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {logs}: {exc.strerror}") from None
        # A live dashboard owns the terminal: this process's own log lines go to a file then.
        if self.options.live:
            self._log_file = open(logs / "up.log", "a", encoding="utf-8")  # noqa: SIM115 - open while up runs
        configure_logging(settings, stream=self._log_file)
        self.dashboard = Dashboard(self.options.live)
        self._start_services(settings)
        reset_settings()  # the services' URLs are in the environment now
        settings = get_settings()
        self._migrate()
        if self.options.demo:
            self._prepare_demo()
        if settings.metrics_port:
            from ops.cli.worker import share_metrics_between_processes

            share_metrics_between_processes()  # before the children start: they inherit it
        env = {**os.environ, "NEWSWATCH_METRICS_PORT": "0"}  # `up` serves the metrics of all
        self.supervisor = Supervisor(specs, env, logs)
        self.supervisor.start()
        for spec in specs:
            if spec.note:
                self.dashboard.note(spec.note)
        if self.demo_server is not None:
            self.demo_server.start()
            self.dashboard.note(f"demo newsroom at {self.demo_server.base_url}/feeds.opml: "
                                f"a new article every {self.options.demo_interval:g}s")
        if settings.metrics_port:
            self._serve_metrics(settings)
        self.dashboard.note("meanwhile, in another terminal: newswatch status, newswatch incidents list, "
                            "newswatch incidents show ID")
        self.dashboard.note(f"logs in {logs}; Ctrl-C stops everything")
        self.dashboard.begin()

    def _refuse_a_second_up(self, settings: Settings) -> None:
        from ops.embedded import pid_alive, read_services

        running = read_services(self.data_dir)
        if running and running.get("owner_pid") != os.getpid() and pid_alive(running.get("owner_pid")) and (
                self.options.demo or {settings.database_url, settings.redis_url} & {running.get("database_url"),
                                                                                    running.get("redis_url")}):
            # The CLI pointed us at its services (ops/embedded.apply_running_services): one `up` is enough.
            raise UserError(f"`newswatch up` is already running (pid {running['owner_pid']}) "
                            f"with data directory {self.data_dir}")

    def _start_services(self, settings: Settings) -> None:
        from ops.embedded import DATABASE_NAME, start_services

        assert self.dashboard is not None
        demo = self.options.demo
        if demo and (settings.database_url or settings.redis_url):
            self.dashboard.note("--demo runs on embedded services; the configured DATABASE_URL/REDIS_URL are not used")
        need_db = demo or not settings.database_url
        need_redis = demo or not settings.redis_url
        if need_db or need_redis:
            names = [name for name, on in (("PostgreSQL", need_db), ("Valkey", need_redis)) if on]
            self.dashboard.note(f"starting embedded {' and '.join(names)} in {self.data_dir}")
            self.services = start_services(self.data_dir, postgres=need_db, redis=need_redis,
                                           database=DEMO_DATABASE if demo else DATABASE_NAME, fresh=demo)
            if self.services.database_url:
                os.environ["DATABASE_URL"] = self.services.database_url
            if self.services.redis_url:
                os.environ["REDIS_URL"] = self.services.redis_url
        if demo:
            # The demo's feeds live on 127.0.0.1 and change every few seconds.
            os.environ.update(NEWSWATCH_ALLOW_PRIVATE_NETWORKS="1", NEWSWATCH_MIN_INTERVAL="2s",
                              NEWSWATCH_DEFAULT_INTERVAL="3s")

    def _migrate(self) -> None:
        from db.migrate import migrate
        from db.pool import connect

        with connect(autocommit=True) as conn:
            done = migrate(conn)
        assert self.dashboard is not None
        self.dashboard.note(f"schema: applied {len(done)} migrations" if done else "schema up to date")

    def _prepare_demo(self) -> None:
        from db.pool import connect
        from feeds import registry
        from ops.demo.server import DemoServer

        self.demo_server = DemoServer(interval=self.options.demo_interval)  # bound now, serving later
        with connect() as conn:
            for name, url in self.demo_server.feeds():
                registry.add_feed(conn, registry.prepare(url, name), registry.parse_interval(None))
            conn.commit()

    def _serve_metrics(self, settings: Settings) -> None:
        from db.pool import connect
        from newswatch import metrics

        metrics.serve(settings.metrics_port, address=settings.metrics_addr, extra=[
            metrics.QueueDepth(settings.redis_url or "", QUEUES),
            metrics.DatabaseGauges(connect),
        ])

    def tick(self) -> None:
        """Restart children that are due (raises CrashLoop for one that keeps crashing), show progress."""
        if self.supervisor is None or self.dashboard is None:
            return
        for line in self.supervisor.check():
            self.dashboard.note(line)
        self.dashboard.update(self.supervisor.children)

    def stop(self) -> None:
        try:
            if self.supervisor is not None:
                if self.dashboard is not None:
                    self.dashboard.note("stopping: workers finish the tasks in hand (Ctrl-C again to kill them)")
                self.supervisor.stop()
        finally:  # whatever happened above, the embedded servers must not outlive `up`
            if self.demo_server is not None:
                with contextlib.suppress(Exception):
                    self.demo_server.stop()
            if self.dashboard is not None:
                self.dashboard.end()
            from db.pool import close_pool

            close_pool()
            if self.services is not None:
                self.services.stop()
                self.services = None
            if self._log_file is not None:
                self._log_file.close()
        click.echo("stopped: nothing left running")
