"""incidents_as_of(T): what the register said at time T, from the views alone."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.test_incident_resolution import seed_reports
from workers.resolution.resolver import merge, resolve_report

pytestmark = pytest.mark.integration


def _resolve_in_order(db: Any, database_url: str, names: list[str]) -> dict[str, Any]:
    """Resolve the story's reports one by one; returns each result and the moment after it."""
    ids = seed_reports(db)
    done: dict[str, Any] = {}
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        for name in names:
            result = resolve_report(conn, ids[name])
            moment = conn.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
            conn.commit()
            done[name] = (result, moment)
    return done


def _as_of(db: Any, moment: Any) -> dict[int, dict[str, Any]]:
    return {r["incident_id"]: r for r in db.execute("SELECT * FROM incidents_as_of(%s)", (moment,))}


ORDER = ["other", "first", "revision", "claim", "syndicated", "funerals", "late", "passing"]


def test_as_of_now_it_returns_exactly_what_incidents_current_holds(db, database_url):
    _resolve_in_order(db, database_url, ORDER)
    now = db.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
    current = {r["incident_id"]: r for r in db.execute("SELECT * FROM incidents_current")}
    assert len(current) >= 2
    as_of = _as_of(db, now)
    differing = {(k, c): (v, current[k][c]) for k, r in as_of.items() for c, v in r.items() if v != current[k][c]}
    assert differing == {}
    assert as_of == current


def test_each_incident_is_shown_at_its_version_then_and_later_incidents_are_absent(db, database_url):
    done = _resolve_in_order(db, database_url, ORDER)
    other = done["other"][0].incident_id
    hilla = done["first"][0].incident_id

    assert list(_as_of(db, done["other"][1])) == [other]  # the Hilla bombing was not known yet
    before_claim = _as_of(db, done["revision"][1])[hilla]
    assert (before_claim["version"], before_claim["killed"], before_claim["injured"]) == (2, 84, 284)
    assert before_claim["claimed_by"] is None
    assert before_claim["report_count"] == 2
    after_claim = _as_of(db, done["claim"][1])[hilla]
    assert (after_claim["version"], after_claim["claimed_by"]) == (3, "Islamic State")
    first = _as_of(db, done["first"][1])[hilla]
    assert (first["version"], first["killed"], first["updated_at"]) == (1, 103, first["created_at"])


def test_an_incident_merged_into_another_is_there_before_the_merge_and_gone_after(db, database_url):
    done = _resolve_in_order(db, database_url, ORDER)
    other, hilla = done["other"][0].incident_id, done["first"][0].incident_id
    before = db.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        merge(conn, min(other, hilla), max(other, hilla))
        conn.commit()
    after = db.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
    assert {other, hilla} <= set(_as_of(db, before))
    assert min(other, hilla) in _as_of(db, after) and max(other, hilla) not in _as_of(db, after)
    assert _as_of(db, after)[min(other, hilla)]["version"] == _as_of(db, before)[min(other, hilla)]["version"] + 1


def test_the_reader_role_may_call_it(db, database_url):
    _resolve_in_order(db, database_url, ["first"])
    db.execute("SET ROLE newswatch_reader")
    try:
        rows = db.execute("SELECT incident_id, version FROM incidents_as_of(now())").fetchall()
    finally:
        db.execute("RESET ROLE")
    assert [r["version"] for r in rows] == [1]
