"""`newswatch up`'s dashboard on the real database: it hears of new incident versions through
LISTEN, and leaves a quiet database alone."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import psycopg
import pytest
from psycopg.rows import dict_row

from ops.stack.dashboard import COUNTS_EVERY_S, Dashboard

pytestmark = pytest.mark.integration


class CountingCursor(psycopg.Cursor[Any]):
    """Counts the statements the dashboard sends."""

    sent: ClassVar[list[str]] = []

    def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        CountingCursor.sent.append(str(query).split()[0])
        return super().execute(query, *args, **kwargs)


def _counting_connect(database_url: str):
    def connect(autocommit: bool = False) -> psycopg.Connection[Any]:
        return psycopg.connect(database_url, autocommit=autocommit, row_factory=dict_row,
                               cursor_factory=CountingCursor)

    return connect


def _record_new_incident(db) -> int:
    incident = db.execute("""INSERT INTO incidents (category, event_type, location, country_code, killed, injured)
                             VALUES ('attack', 'bombing', 'Mombasa', 'KE', 12, 30) RETURNING id""").fetchone()["id"]
    db.execute("""INSERT INTO incident_history (incident_id, version, category, event_type, location, country_code,
                                                killed, injured, reason)
                  VALUES (%s, 1, 'attack', 'bombing', 'Mombasa', 'KE', 12, 30, 'new')""", (incident,))
    return incident


def test_a_quiet_database_is_not_read_again_until_the_counts_are_due(db, database_url):
    CountingCursor.sent.clear()
    dashboard = Dashboard(live=False, connect=_counting_connect(database_url))
    stop = threading.Event()
    try:
        dashboard.read()
        assert CountingCursor.sent == ["LISTEN", "SELECT", "SELECT"]  # versions, then the counts
        started = time.monotonic()
        while time.monotonic() - started < COUNTS_EVERY_S - 1.5:
            dashboard.wait(0.5, stop)
            dashboard.read()
        assert CountingCursor.sent == ["LISTEN", "SELECT", "SELECT"]
    finally:
        dashboard.end()


def test_a_new_version_wakes_the_dashboard_at_once_and_is_shown_once(db, database_url, capsys):
    dashboard = Dashboard(live=False, connect=_counting_connect(database_url))
    stop = threading.Event()
    try:
        dashboard.update([])
        assert "incidents 0" in capsys.readouterr().out
        writer = threading.Timer(0.5, _record_new_incident, args=(db,))
        writer.start()
        started = time.monotonic()
        dashboard.wait(30, stop)
        woke_after = time.monotonic() - started
        writer.join()
        dashboard.update([])
        dashboard.wait(0.2, stop)
        dashboard.update([])
    finally:
        dashboard.end()
    assert woke_after < 5
    out = capsys.readouterr().out
    assert out.count("v1 (new): bombing in Mombasa, KE: 12 killed, 30 injured") == 1
    assert "incidents 1" in out
