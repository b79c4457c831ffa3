"""Migrations against the real PostgreSQL: concurrent runs, idempotence, status."""

import os
import secrets
import subprocess
import sys

import psycopg
import pytest

from db.migrate import available_migrations
from tests.conftest import PG_ADMIN_URL, ROOT, _with_db


@pytest.fixture()
def empty_database_url():
    name = f"newswatch_migr_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(PG_ADMIN_URL, name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start(url, *args):
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "ops", "db", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_migrations_started_together_apply_the_schema_once(empty_database_url):
    first, second = _start(empty_database_url, "migrate"), _start(empty_database_url, "migrate")
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outs
    applied_lines = [line for out, _ in outs for line in out.splitlines() if line.startswith("applied")]
    assert len(applied_lines) == len(available_migrations())
    with psycopg.connect(empty_database_url) as conn:
        rows = conn.execute("SELECT number, count(*) FROM schema_migrations GROUP BY number").fetchall()
        assert all(count == 1 for _, count in rows)
        assert len(rows) == len(available_migrations())


def test_a_third_migrate_changes_nothing(empty_database_url):
    assert _start(empty_database_url, "migrate").wait(timeout=120) == 0
    with psycopg.connect(empty_database_url) as conn:
        before = conn.execute("SELECT number, applied_at FROM schema_migrations ORDER BY number").fetchall()
    again = _start(empty_database_url, "migrate")
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0
    assert out.strip() == "schema up to date"
    with psycopg.connect(empty_database_url) as conn:
        after = conn.execute("SELECT number, applied_at FROM schema_migrations ORDER BY number").fetchall()
    assert after == before


def test_an_applied_migration_edited_afterwards_stops_migrate_with_one_line_naming_it(empty_database_url):
    assert _start(empty_database_url, "migrate").wait(timeout=120) == 0
    first = available_migrations()[0]
    # The ledger holds the checksum of the text that was applied; a file edited since no longer matches.
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = %s WHERE number = %s",
                     ("0" * 64, first.number))
    again = _start(empty_database_url, "migrate")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 1
    assert out == ""
    assert err.strip() == (f"error: db/migrations/{first.number:04d}_{first.name}.sql was edited after it was "
                           "applied; restore it and put the change in a new migration")


def test_status_lists_pending_then_applied_migrations(empty_database_url):
    pending = _start(empty_database_url, "status")
    out, _ = pending.communicate(timeout=60)
    assert pending.returncode == 0
    assert f"0 applied, {len(available_migrations())} pending" in out
    assert _start(empty_database_url, "migrate").wait(timeout=120) == 0
    done = _start(empty_database_url, "status")
    out, _ = done.communicate(timeout=60)
    assert f"{len(available_migrations())} applied, 0 pending" in out


@pytest.mark.parametrize("view, columns", [
    ("incidents_current", ["incident_id", "version", "category", "event_type", "location", "country_code",
                           "occurred_on", "killed", "injured", "perpetrator", "claimed_by", "report_count",
                           "first_reported_at", "updated_at"]),
    ("incident_versions", ["incident_id", "version", "valid_from", "killed", "injured", "changed_fields",
                           "reason", "article_url", "quote"]),
    ("incident_articles", ["incident_id", "article_id", "article_url", "published_at", "killed", "injured"]),
    ("feed_health", ["feed_id", "url", "last_polled_at", "last_status", "error_count", "last_error",
                     "next_poll_at"]),
    ("articles_current", ["article_id", "url", "title", "published_at", "fetched_at", "status",
                          "failure_reason", "text", "revision"]),
])
def test_the_consumer_views_have_their_contract_columns(db, view, columns):
    present = [r["column_name"] for r in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        (view,))]
    assert [c for c in columns if c not in present] == []
