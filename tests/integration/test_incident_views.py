"""The consumers' API: view columns from the contract, and the read-only role."""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.integration

CONTRACT = {
    "incidents_current": ["incident_id", "version", "category", "event_type", "location", "country_code",
                          "occurred_on", "killed", "injured", "perpetrator", "claimed_by", "report_count",
                          "first_reported_at", "updated_at"],
    "incident_versions": ["incident_id", "version", "valid_from", "killed", "injured"],
    "incident_articles": ["incident_id", "article_id", "article_url", "published_at", "killed", "injured"],
    "feed_health": ["feed_id", "url", "last_polled_at", "last_status", "error_count", "last_error",
                    "next_poll_at"],
}


@pytest.mark.parametrize("view", sorted(CONTRACT))
def test_each_view_starts_with_the_contract_columns_in_order(db, view):
    rows = db.execute("""SELECT column_name FROM information_schema.columns
                         WHERE table_name = %s ORDER BY ordinal_position""", (view,)).fetchall()
    names = [r["column_name"] for r in rows]
    assert names[: len(CONTRACT[view])] == CONTRACT[view]
    if view == "incident_versions":
        assert {"changed_fields", "reason", "article_url", "quote"} <= set(names)


def test_the_reader_role_reads_the_views_and_nothing_else(db):
    db.execute("SET ROLE newswatch_reader")
    try:
        for view in (*CONTRACT, "articles_current"):
            db.execute(f"SELECT * FROM {view} LIMIT 1")
        for table in ("incidents", "articles", "feeds", "reports"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(f"SELECT * FROM {table} LIMIT 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("DELETE FROM incidents_current")
    finally:
        db.execute("RESET ROLE")


def test_migrating_again_keeps_the_role_and_its_grants(db, database_url):
    from db.migrate import migrate

    with psycopg.connect(database_url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        migrate(conn)
    row = db.execute("SELECT has_table_privilege('newswatch_reader', 'incidents_current', 'SELECT') AS ok, "
                     "has_table_privilege('newswatch_reader', 'incidents', 'SELECT') AS raw").fetchone()
    assert row == {"ok": True, "raw": False}
