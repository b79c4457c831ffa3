"""`newswatch up`: everything for one machine, in one command, until Ctrl-C.

1. Services: the configured DATABASE_URL / REDIS_URL, or embedded PostgreSQL and Valkey under
   NEWSWATCH_DATA_DIR for whichever is unset (ops/embedded.py).
2. `newswatch db migrate`.
3. Children, each in its own session so that Ctrl-C reaches only this process, which then stops
   them in order: a poller (it also runs the pending sweep) and a worker for every queue. A child
   that dies is started again after a pause. Their logs go to <data_dir>/logs/.
4. Progress read from PostgreSQL every second or two: feeds polled, articles queued and processed,
   incidents and their latest versions (a rich dashboard on a terminal, plain lines otherwise).
5. Ctrl-C or SIGTERM: children get SIGTERM and finish the task in hand, then the embedded services
   stop. Nothing started here is left running.

`--demo` adds the demo newsroom (ops/demo/server.py) on 127.0.0.1, registers its feeds with short
poll intervals and allows private addresses for it; it always runs on the embedded services, in a
database of its own that starts empty each time, so it never writes into a configured database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from newswatch.errors import UserError
from ops.cli.worker import ALL_QUEUES

log = logging.getLogger("newswatch.up")

DEMO_DATABASE = "newswatch_demo"
RESTART_PAUSE_S = 5.0


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
    stopping = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        if stopping.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop waiting for tasks in hand
        stopping.set()

    # SIGHUP too: a closed terminal must not leave the embedded servers running.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    runtime = Runtime(demo=demo, concurrency=concurrency or os.cpu_count() or 1,
                      demo_interval=demo_interval, live=not plain and sys.stdout.isatty())
    try:
        runtime.start()
        deadline = time.monotonic() + exit_after if exit_after else None
        while not stopping.is_set():
            runtime.tick()
            if deadline is not None and time.monotonic() >= deadline:
                break
            stopping.wait(runtime.refresh_s)
    finally:
        try:
            runtime.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _die_with_parent() -> None:
    """In a child before exec: get SIGTERM if `up` itself is killed, so no child outlives it."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _load_libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()


class Child:
    """One child process (`newswatch poller`, `newswatch worker`), restarted if it dies."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name, self.argv, self.env, self.log_path = name, argv, env, log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.exited_at: float | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True,  # Ctrl-C reaches `up` only; `up` stops children in order
                preexec_fn=_die_with_parent,  # only a prctl call (libc loaded beforehand): fork-safe
            )
        self.exited_at = None

    @property
    def state(self) -> str:
        if self.process is None:
            return "not started"
        code = self.process.poll()
        return f"running (pid {self.process.pid})" if code is None else f"exited {code}, restarting"

    def keep_alive(self) -> None:
        if self.process is None or self.process.poll() is None:
            return
        now = time.monotonic()
        if self.exited_at is None:
            self.exited_at = now
            log.warning("%s exited with code %s; see %s", self.name, self.process.returncode, self.log_path)
        elif now - self.exited_at >= RESTART_PAUSE_S:
            self.restarts += 1
            self.start()

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


class Runtime:
    """What `up` starts, watches and stops."""

    refresh_s = 1.5

    def __init__(self, *, demo: bool, concurrency: int, demo_interval: float, live: bool) -> None:
        self.demo, self.concurrency, self.demo_interval, self.live = demo, concurrency, demo_interval, live
        self.services: Any = None
        self.demo_server: Any = None
        self.children: list[Child] = []
        self.progress: Progress | None = None
        self.data_dir = Path(".")
        self._log_file: Any = None
        self.web: tuple[str, str] | None = None  # (NEWSWATCH_WEB_ADDR of the web child, its URL)

    def start(self) -> None:
        from newswatch.logging import configure_logging
        from newswatch.settings import get_settings, reset_settings
        from ops.embedded import DATABASE_NAME, pid_alive, read_services, start_services
        from ops.web.server import address_for_up

        settings = get_settings()
        self.web = address_for_up(settings)  # refuses an unprotected non-loopback address before anything starts
        self.data_dir = Path(settings.data_dir).expanduser()
        running = read_services(self.data_dir)
        if running and running.get("owner_pid") != os.getpid() and pid_alive(running.get("owner_pid")) and (
                self.demo or {settings.database_url, settings.redis_url} & {running.get("database_url"),
                                                                            running.get("redis_url")}):
            # The CLI pointed us at its services (ops/embedded.apply_running_services): one `up` is enough.
            raise UserError(f"`newswatch up` is already running (pid {running['owner_pid']}) "
                            f"with data directory {self.data_dir}")
        logs = self.data_dir / "logs"
        try:
            logs.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {logs}: {exc.strerror}") from None
        # A live dashboard owns the terminal: this process's own log lines go to a file then.
        self._log_file = open(logs / "up.log", "a", encoding="utf-8") if self.live else None  # noqa: SIM115 - open while up runs
        configure_logging(settings, stream=self._log_file)
        self.progress = Progress(self.live)
        if self.demo and (settings.database_url or settings.redis_url):
            self.progress.note("--demo runs on embedded services; the configured DATABASE_URL/REDIS_URL are not used")
        need_db = self.demo or not settings.database_url
        need_redis = self.demo or not settings.redis_url
        if need_db or need_redis:
            names = [name for name, on in (("PostgreSQL", need_db), ("Valkey", need_redis)) if on]
            self.progress.note(f"starting embedded {' and '.join(names)} in {self.data_dir}")
            self.services = start_services(self.data_dir, postgres=need_db, redis=need_redis,
                                           database=DEMO_DATABASE if self.demo else DATABASE_NAME, fresh=self.demo)
            if self.services.database_url:
                os.environ["DATABASE_URL"] = self.services.database_url
            if self.services.redis_url:
                os.environ["REDIS_URL"] = self.services.redis_url
        if self.demo:
            # The demo's feeds live on 127.0.0.1 and change every few seconds.
            os.environ.update(NEWSWATCH_ALLOW_PRIVATE_NETWORKS="1", NEWSWATCH_MIN_INTERVAL="2s",
                              NEWSWATCH_DEFAULT_INTERVAL="3s")
        reset_settings()
        settings = get_settings()
        self._migrate()
        if self.demo:
            self._prepare_demo()
        if settings.metrics_port:
            from ops.cli.worker import share_metrics_between_processes

            share_metrics_between_processes()
        self._start_children(logs)
        if self.demo_server is not None:
            self.demo_server.start()
            self.progress.note(f"demo newsroom at {self.demo_server.base_url}/feeds.opml: "
                               f"a new article every {self.demo_interval:g}s")
        if settings.metrics_port:
            self._serve_metrics(settings)
        if self.web is not None:
            self.progress.note(f"incidents, live: {self.web[1]}")
        self.progress.note("meanwhile, in another terminal: newswatch status, newswatch incidents list, "
                           "newswatch incidents show ID")
        self.progress.note(f"logs in {logs}; Ctrl-C stops everything")
        self.progress.begin()

    def _migrate(self) -> None:
        from db.migrate import migrate
        from db.pool import connect

        with connect(autocommit=True) as conn:
            done = migrate(conn)
        assert self.progress is not None
        self.progress.note(f"schema: applied {len(done)} migrations" if done else "schema up to date")

    def _prepare_demo(self) -> None:
        from db.pool import connect
        from feeds import registry
        from ops.demo.server import DemoServer

        self.demo_server = DemoServer(interval=self.demo_interval)  # bound now, serving once children run
        with connect() as conn:
            for name, url in self.demo_server.feeds():
                registry.add_feed(conn, registry.prepare(url, name), registry.parse_interval(None))
            conn.commit()

    def _start_children(self, logs: Path) -> None:
        env = {**os.environ, "NEWSWATCH_METRICS_PORT": "0"}  # `up` serves the metrics of all
        python = [sys.executable, "-m", "ops"]
        self.children = [
            Child("poller", [*python, "poller"], env, logs / "poller.log"),
            Child("worker", [*python, "worker", "--queues", ",".join(ALL_QUEUES),
                             "--concurrency", str(self.concurrency)], env, logs / "worker.log"),
        ]
        if self.web is not None:
            self.children.append(Child("web", [*python, "web"], {**env, "NEWSWATCH_WEB_ADDR": self.web[0]},
                                       logs / "web.log"))
        for child in self.children:
            child.start()

    def _serve_metrics(self, settings: Any) -> None:
        from db.pool import connect
        from newswatch import metrics

        metrics.serve(settings.metrics_port, extra=[
            metrics.QueueDepth(settings.redis_url or "", ALL_QUEUES),
            metrics.DatabaseGauges(connect),
        ])

    def tick(self) -> None:
        for child in self.children:
            child.keep_alive()
        if self.progress is not None:
            self.progress.update(self.children)

    def stop(self) -> None:
        try:
            self._stop_children()
        finally:  # whatever happened above, the embedded servers must not outlive `up`
            if self.demo_server is not None:
                with contextlib.suppress(Exception):
                    self.demo_server.stop()
            if self.progress is not None:
                self.progress.end()
            from db.pool import close_pool

            close_pool()
            if self.services is not None:
                self.services.stop()
                self.services = None
            if self._log_file is not None:
                self._log_file.close()
        click.echo("stopped: nothing left running")

    def _stop_children(self) -> None:
        if not self.children:
            return
        if self.progress is not None:
            self.progress.note("stopping: workers finish the tasks in hand (Ctrl-C again to kill them)")
        for child in self.children:  # all at once: each finishes its own work in hand
            child.terminate()
        deadline = time.monotonic() + 90
        try:
            for child in self.children:
                child.wait(deadline)
        except KeyboardInterrupt:  # a second Ctrl-C: unfinished tasks go back to the queue
            for child in self.children:
                child.wait(time.monotonic())


_SNAPSHOT_SQL = {
    "feeds": """SELECT count(*) AS total, count(last_polled_at) AS polled,
                       count(*) FILTER (WHERE error_count > 0) AS failing FROM feeds""",
    "articles": "SELECT status, count(*) AS n FROM articles GROUP BY status",
    "incidents": "SELECT count(*) AS n FROM incidents_current",
    "versions": """SELECT incident_id, version, valid_from, reason, event_type, location, country_code,
                          killed, injured, claimed_by
                   FROM incident_versions ORDER BY valid_from DESC, incident_id DESC, version DESC LIMIT 12""",
}
_QUEUED = ("new", "pending", "extracted")
_DONE = ("resolved", "no_incident")


def describe_version(row: dict[str, Any]) -> str:
    """'incident #3 v2 (toll_update): bombing in Mombasa, KE: 17 killed, 41 injured, claimed by X'."""
    place = ", ".join(str(p) for p in (row.get("location"), row.get("country_code")) if p) or "place unknown"
    figures = [f"{row[k]} {k}" for k in ("killed", "injured") if row.get(k) is not None]
    text = f"incident #{row['incident_id']} v{row['version']} ({row['reason']}): {row['event_type']} in {place}"
    if figures:
        text += ": " + ", ".join(figures)
    if row.get("claimed_by"):
        text += f", claimed by {row['claimed_by']}"
    return text


class Progress:
    """Reads the state from PostgreSQL and shows it: a rich dashboard, or plain lines."""

    def __init__(self, live: bool) -> None:
        from rich.console import Console

        self.console = Console()
        self.live_mode = live
        self.live: Any = None
        self.snapshot: dict[str, Any] = {}
        self.error: str | None = None
        self._conn: Any = None
        self._seen: set[tuple[int, int]] = set()
        self._last_line = ""
        self._last_line_at = 0.0

    def note(self, text: str) -> None:
        if self.live is not None:
            self.live.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {text}")
        else:
            click.echo(f"{time.strftime('%H:%M:%S')} {text}")

    def begin(self) -> None:
        if self.live_mode:
            from rich.live import Live

            self.live = Live(console=self.console, auto_refresh=False, transient=False)
            self.live.start()

    def end(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def read(self) -> None:
        from db.pool import connect

        try:
            if self._conn is None or self._conn.closed:
                self._conn = connect(autocommit=True)
            conn = self._conn
            self.snapshot = {
                "feeds": conn.execute(_SNAPSHOT_SQL["feeds"]).fetchone(),
                "articles": {r["status"]: r["n"] for r in conn.execute(_SNAPSHOT_SQL["articles"])},
                "incidents": conn.execute(_SNAPSHOT_SQL["incidents"]).fetchone()["n"],
                "versions": conn.execute(_SNAPSHOT_SQL["versions"]).fetchall(),
            }
            self.error = None
        except Exception as exc:  # the database restarting is shown, not fatal
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
            self._conn = None

    def update(self, children: list[Child]) -> None:
        self.read()
        if self.live is not None:
            self.live.update(self._render(children), refresh=True)
        else:
            self._print_lines()

    def summary(self) -> str:
        if not self.snapshot:
            return "waiting for the database"
        feeds, articles = self.snapshot["feeds"], self.snapshot["articles"]
        queued = sum(articles.get(s, 0) for s in _QUEUED)
        done = sum(articles.get(s, 0) for s in _DONE)
        return (f"feeds {feeds['polled']}/{feeds['total']} polled ({feeds['failing']} failing) | "
                f"articles {sum(articles.values())}: {queued} queued, {done} processed, "
                f"{articles.get('failed', 0)} failed | incidents {self.snapshot['incidents']}")

    def _print_lines(self) -> None:
        if self.error:
            line = f"database unavailable: {self.error}"
        else:
            for row in reversed(self.snapshot.get("versions", [])):
                key = (row["incident_id"], row["version"])
                if key not in self._seen:
                    self._seen.add(key)
                    self.note(describe_version(row))
            line = self.summary()
        now = time.monotonic()
        if line != self._last_line or now - self._last_line_at > 60:
            self._last_line, self._last_line_at = line, now
            self.note(line)

    def _render(self, children: list[Child]) -> Any:
        from rich.console import Group
        from rich.table import Table

        status = Table.grid(padding=(0, 2))
        status.add_row("[bold]newswatch up[/bold]", self.summary() if not self.error
                       else f"[red]database unavailable:[/red] {self.error}")
        for child in children:
            restarts = f", {child.restarts} restarts" if child.restarts else ""
            status.add_row(child.name, f"{child.state}{restarts}")
        versions = Table(title="latest incident changes", expand=True, title_justify="left")
        for name in ("incident", "v", "reason", "what", "where", "killed", "injured", "claimed by", "at"):
            versions.add_column(name, no_wrap=name in ("incident", "v", "at"))
        for row in self.snapshot.get("versions", []):
            versions.add_row(
                f"#{row['incident_id']}", str(row["version"]), row["reason"], row["event_type"],
                ", ".join(str(p) for p in (row["location"], row["country_code"]) if p),
                _figure(row["killed"]), _figure(row["injured"]), row["claimed_by"] or "",
                f"{row['valid_from']:%H:%M:%S}",
            )
        if not self.snapshot.get("versions"):
            versions.add_row("", "", "no incidents yet", "", "", "", "", "", "")
        return Group(status, versions)


def _figure(value: int | None) -> str:
    return "" if value is None else str(value)
