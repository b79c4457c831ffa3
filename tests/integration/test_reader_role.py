"""The consumers' role `newswatch_reader`, logged in as a real role: what PostgreSQL's defaults gave
it beyond reading the views (temporary tables, other databases) is gone, and what PostgreSQL cannot
take away (NOTIFY) changes nothing a listener believes."""

from __future__ import annotations

import json
import secrets

import psycopg
import pytest
from psycopg.rows import dict_row

from db import notify
from tests.conftest import PG_ADMIN_URL, _with_db

pytestmark = pytest.mark.integration


@pytest.fixture()
def reader_url(database_url):
    """A login role in newswatch_reader (as a consumer's Grafana role would be); dropped afterwards."""
    name = f"newswatch_probe_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE newswatch_reader')
    try:
        yield database_url.replace("postgres@", f"{name}@", 1)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP ROLE "{name}"')


def test_the_reader_logs_in_and_reads_the_views(db, reader_url):
    with psycopg.connect(reader_url) as conn:
        assert conn.execute("SELECT count(*) FROM incidents_current").fetchone() == (0,)


def test_the_reader_cannot_create_temporary_tables(db, reader_url):
    with psycopg.connect(reader_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("CREATE TEMP TABLE scratch (x int)")


def test_the_reader_cannot_connect_to_the_servers_stock_database(db, reader_url):
    with psycopg.connect(PG_ADMIN_URL) as admin:
        owned = admin.execute("SELECT datdba = current_user::regrole FROM pg_database WHERE datname = 'postgres'"
                              ).fetchone()
    if not owned or not owned[0]:
        pytest.skip("the migrating role does not own the `postgres` database here; its owner locks it")
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(_with_db(reader_url, "postgres")).close()


def test_a_message_forged_by_the_reader_is_heard_but_not_confirmed(db, database_url, reader_url):
    incident = db.execute("INSERT INTO incidents (category, event_type) VALUES ('attack', 'bombing') "
                          "RETURNING id").fetchone()["id"]
    forged = [{"incident_id": incident, "version": 7, "reason": "toll_update"},
              {"incident_id": 4242, "merged_into": incident}, "not json"]
    with psycopg.connect(reader_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {notify.CHANNEL}")
        # PostgreSQL has no privilege for NOTIFY: the reader can send anything on any channel.
        with psycopg.connect(reader_url, autocommit=True) as reader:
            for message in forged:
                text = message if isinstance(message, str) else json.dumps(message)
                reader.execute("SELECT pg_notify(%s, %s)", (notify.CHANNEL, text))
        db.execute("INSERT INTO incident_history (incident_id, version, category, event_type, reason) "
                   "VALUES (%s, 1, 'attack', 'bombing', 'new')", (incident,))
        heard = [n.payload for n in listener.notifies(timeout=5, stop_after=4)]
        assert len(heard) == 4
        confirmed = notify.confirm(listener, heard)
    assert confirmed == [notify.IncidentChange(incident, 1, "new")]


def test_a_real_merge_message_is_confirmed(db, database_url):
    ids = [db.execute("INSERT INTO incidents (category, event_type) VALUES ('attack', 'bombing') RETURNING id"
                      ).fetchone()["id"] for _ in range(2)]
    db.execute("INSERT INTO incident_history (incident_id, version, category, event_type, reason, merged_from) "
               "VALUES (%s, 2, 'attack', 'bombing', 'merge', %s)", (ids[0], ids[1]))
    message = json.dumps({"incident_id": ids[1], "merged_into": ids[0]})
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert notify.confirm(conn, [message]) == [notify.IncidentChange(ids[1], merged_into=ids[0])]
