"""What `newswatch up` shows while it runs, read from PostgreSQL: a rich dashboard on a terminal,
plain lines otherwise (a log file, a pipe, `--plain`).

The summary line counts feeds polled, articles queued and processed, and incidents; it names any
child that keeps exiting. Each new incident version is shown once, as it appears.

Nothing is polled for the versions: the dashboard's connection LISTENs on `incident_changed`
(every new version is announced there when its transaction commits, db/migrations/0004) and
reads the latest versions only when told of one. Feeds and articles have no such channel; their
counts are one statement every COUNTS_EVERY_S.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import click

from ops.stack.supervisor import Child

COUNTS_EVERY_S = 5.0
_COUNTS_SQL = """
    SELECT (SELECT count(*) FROM feeds) AS feeds_total,
           (SELECT count(last_polled_at) FROM feeds) AS feeds_polled,
           (SELECT count(*) FROM feeds WHERE error_count > 0) AS feeds_failing,
           (SELECT coalesce(jsonb_object_agg(status, n), '{}')
              FROM (SELECT status, count(*) AS n FROM articles GROUP BY status) AS s) AS articles,
           (SELECT count(*) FROM incidents_current) AS incidents"""
_VERSIONS_SQL = """
    SELECT incident_id, version, valid_from, reason, event_type, location, country_code, killed, injured, claimed_by
    FROM incident_versions ORDER BY valid_from DESC, incident_id DESC, version DESC LIMIT 12"""
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


class Dashboard:
    """Reads the state from PostgreSQL and shows it: a rich dashboard, or plain lines."""

    def __init__(self, live: bool, connect: Callable[..., Any] | None = None) -> None:
        from rich.console import Console

        self.console = Console()
        self.live_mode = live
        self.live: Any = None
        self.snapshot: dict[str, Any] = {}
        self.error: str | None = None
        self._connect = connect
        self._conn: Any = None  # LISTENs on incident_changed; also runs the reads
        self._versions_stale = True
        self._counts_at = float("-inf")
        self._seen: set[tuple[int, int]] = set()
        self._last_line = ""
        self._last_line_at = 0.0

    def note(self, text: str) -> None:
        if self.live is not None:
            from rich.markup import escape

            self.live.console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {escape(text)}")
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
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            if self._connect is None:
                from db.pool import connect

                self._connect = connect
            self._conn = self._connect(autocommit=True)
            self._conn.execute("LISTEN incident_changed")
            self._versions_stale = True  # what changed while there was no connection was not heard
        return self._conn

    def read(self) -> None:
        """Read what changed: the versions when one was announced, the counts when due."""
        try:
            conn = self._connection()
            now = time.monotonic()
            if self._versions_stale:
                self._versions_stale = False  # first: a version announced while reading is read next time
                self.snapshot["versions"] = conn.execute(_VERSIONS_SQL).fetchall()
                self._counts_at = float("-inf")  # the incident count changes with them
            if now - self._counts_at >= COUNTS_EVERY_S:
                self.snapshot["counts"] = conn.execute(_COUNTS_SQL).fetchone()
                self._counts_at = now
            self.error = None
        except Exception as exc:  # the database restarting is shown, not fatal
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._versions_stale = True
            self._close()

    def wait(self, timeout: float, stop: threading.Event) -> None:
        """Until an incident version is announced, `timeout` passes, or (without a connection) `stop` is set."""
        if self._conn is None or self._conn.closed:
            stop.wait(timeout)
            return
        try:
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                self._versions_stale = True
        except Exception as exc:  # the connection broke: read() reconnects and says so
            self.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._versions_stale = True
            self._close()

    def update(self, children: Sequence[Child]) -> None:
        self.read()
        if self.live is not None:
            self.live.update(self._render(children), refresh=True)
        else:
            self._print_lines(children)

    def summary(self, children: Sequence[Child] = ()) -> str:
        crashing = "".join(f" | {c.name} {c.last_exit}, {c.quick_exits} times in a row"
                           for c in children if c.failing)
        if self.error:
            return f"database unavailable: {self.error}{crashing}"
        counts = self.snapshot.get("counts")
        if not counts:
            return f"waiting for the database{crashing}"
        articles = counts["articles"]
        queued = sum(articles.get(s, 0) for s in _QUEUED)
        done = sum(articles.get(s, 0) for s in _DONE)
        return (f"feeds {counts['feeds_polled']}/{counts['feeds_total']} polled ({counts['feeds_failing']} failing) | "
                f"articles {sum(articles.values())}: {queued} queued, {done} processed, "
                f"{articles.get('failed', 0)} failed | incidents {counts['incidents']}{crashing}")

    def _print_lines(self, children: Sequence[Child]) -> None:
        if not self.error:
            for row in reversed(self.snapshot.get("versions", [])):
                key = (row["incident_id"], row["version"])
                if key not in self._seen:
                    self._seen.add(key)
                    self.note(describe_version(row))
        line = self.summary(children)
        now = time.monotonic()
        if line != self._last_line or now - self._last_line_at > 60:
            self._last_line, self._last_line_at = line, now
            self.note(line)

    def _render(self, children: Sequence[Child]) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        status = Table.grid(padding=(0, 2))
        status.add_row(Text("newswatch up", style="bold"), Text(self.summary(), style="red" if self.error else ""))
        for child in children:  # a child's state may quote its output: plain text, never markup
            status.add_row(child.name, Text(child.state, style="red" if child.failing else ""))
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
