"""The candidate search's index (incident_keys, kept by a trigger) against the real Postgres: it
follows an incident's keys, day and merge, and the search finds incidents by key within the window.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.test_incident_resolution import (
    FIRST,
    OTHER_BOMBING,
    at,
    insert_article,
    insert_report,
    resolve,
)
from workers.resolution.matching import WINDOW_DAYS
from workers.resolution.material import Material
from workers.resolution.resolver import _candidates, merge

pytestmark = pytest.mark.integration


def keys_of(db: Any, incident_id: int) -> dict[str, date]:
    rows = db.execute("SELECT key, match_day FROM incident_keys WHERE incident_id = %s", (incident_id,))
    return {r["key"]: r["match_day"] for r in rows}


def found(database_url: str, keys: tuple[str, ...], day: date) -> list[int]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        material = Material(category="attack", event_type="bombing", country_code=None, day=day,
                            day_is_event=True, keys=keys)
        return list(_candidates(conn, material))


def test_an_incident_is_indexed_by_each_of_its_keys_at_its_match_day(db, database_url):
    a = insert_article(db, FIRST, at(3, 18))
    incident = resolve(database_url, insert_report(db, a, at(3, 18), killed=103)).incident_id
    row = db.execute("SELECT match_keys, match_day FROM incidents WHERE id = %s", (incident,)).fetchone()
    assert "hilla" in row["match_keys"]
    assert keys_of(db, incident) == {k: row["match_day"] for k in row["match_keys"]}


def test_new_keys_and_a_new_day_replace_the_old_rows(db, database_url):
    a = insert_article(db, FIRST, at(3, 18))
    incident = resolve(database_url, insert_report(db, a, at(3, 18), killed=103)).incident_id
    db.execute("UPDATE incidents SET match_keys = ARRAY['hilla', 'souk al khadra'], occurred_on = %s "
               "WHERE id = %s", (date(2026, 3, 1), incident))
    assert keys_of(db, incident) == {"hilla": date(2026, 3, 1), "souk al khadra": date(2026, 3, 1)}


def test_the_search_finds_by_key_within_the_window_and_never_outside_it(db, database_url):
    a = insert_article(db, FIRST, at(3, 18))
    incident = resolve(database_url, insert_report(db, a, at(3, 18), killed=103)).incident_id
    day = db.execute("SELECT match_day FROM incidents WHERE id = %s", (incident,)).fetchone()["match_day"]
    assert found(database_url, ("hilla",), day + timedelta(days=WINDOW_DAYS)) == [incident]
    assert found(database_url, ("hilla",), day - timedelta(days=WINDOW_DAYS)) == [incident]
    assert found(database_url, ("hilla",), day + timedelta(days=WINDOW_DAYS + 1)) == []
    assert found(database_url, ("no such place",), day) == []


def test_the_incident_sharing_most_keys_comes_first(db, database_url):
    hilla = resolve(database_url, insert_report(db, insert_article(db, FIRST, at(3, 18)), at(3, 18),
                                                killed=103)).incident_id
    baghdad = resolve(database_url, insert_report(db, insert_article(db, OTHER_BOMBING, at(3, 11)), at(3, 11),
                                                  location="Baghdad", killed=7)).incident_id
    db.execute("UPDATE incidents SET match_keys = ARRAY['market', 'hilla'] WHERE id = %s", (hilla,))
    db.execute("UPDATE incidents SET match_keys = ARRAY['market', 'karrada'] WHERE id = %s", (baghdad,))
    day = date(2026, 3, 3)
    assert found(database_url, ("market", "karrada"), day) == [baghdad, hilla]
    assert found(database_url, ("market", "hilla"), day) == [hilla, baghdad]


def test_a_merged_incident_leaves_the_index_and_the_search(db, database_url):
    first = resolve(database_url, insert_report(db, insert_article(db, FIRST, at(3, 18)), at(3, 18),
                                                killed=103)).incident_id
    second = resolve(database_url, insert_report(db, insert_article(db, OTHER_BOMBING, at(3, 11)), at(4, 9),
                                                 location="Baghdad", killed=110)).incident_id
    assert keys_of(db, second)
    with psycopg.connect(database_url, row_factory=dict_row) as conn, conn.transaction():
        merge(conn, first, second)
    assert keys_of(db, second) == {}
    assert second not in found(database_url, ("baghdad", "hilla"), date(2026, 3, 4))
    assert first in found(database_url, ("baghdad",), date(2026, 3, 4))  # the survivor took its keys
