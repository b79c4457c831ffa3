"""`newswatch incidents split`: undoing a wrong link or merge on the real database."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.test_incident_resolution import (
    at,
    insert_article,
    insert_report,
    resolve,
    seed_reports,
    versions,
)
from workers.resolution.resolver import merge, resolve_report

pytestmark = pytest.mark.integration


@pytest.fixture()
def story(db, database_url):
    """The Hilla bombing and the Baghdad one, resolved: report name -> Resolution."""
    ids = seed_reports(db)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        results = {name: resolve_report(conn, rid) for name, rid in ids.items()}
    return ids, results


def live(db, incident_id):
    return db.execute("SELECT * FROM incidents_current WHERE incident_id = %s", (incident_id,)).fetchone()


def test_a_wrong_merge_is_undone_with_each_incident_recomputed_from_its_own_reports(story, db, database_url,
                                                                                  newswatch):
    ids, results = story
    hilla, baghdad = results["first"].incident_id, results["other"].incident_id
    with psycopg.connect(database_url, row_factory=dict_row) as conn, conn.transaction():
        merge(conn, hilla, baghdad)
    assert live(db, hilla)["killed_min"] == 7  # the merge mixed the two tolls

    out = newswatch("incidents", "split", str(hilla), "--report", str(ids["other"]))
    assert out.returncode == 0, out.stderr
    new_id = db.execute("SELECT incident_id FROM reports WHERE id = %s", (ids["other"],)).fetchone()["incident_id"]
    assert new_id not in (hilla, baghdad)
    assert f"into new incident #{new_id}" in out.stdout

    kept, moved = live(db, hilla), live(db, new_id)
    assert (kept["killed"], kept["injured"], kept["claimed_by"], kept["location"]) == (84, 284, "Islamic State",
                                                                                        "Hilla")
    assert (kept["killed_min"], kept["killed_max"]) == (84, 103)  # the range seen by its own reports only
    assert (moved["killed"], moved["injured"], moved["location"], moved["version"]) == (7, 19, "Baghdad", 1)
    history = versions(db, hilla)
    assert [v["reason"] for v in history][-2:] == ["merge", "split"]
    assert history[-1]["killed_min"] == 84
    first = versions(db, new_id)[0]
    assert (first["reason"], first["split_from"]) == ("split", hilla)
    # The evidence stays: every earlier version of the incident still quotes its sentence.
    assert any("lowered the death toll" in (v["quote"] or "") for v in history)


def test_a_syndicated_copy_moves_with_the_report_it_copies(story, db, newswatch):
    ids, results = story
    hilla = results["first"].incident_id
    out = newswatch("incidents", "split", str(hilla), "--report", str(ids["claim"]))
    assert out.returncode == 0, out.stderr
    owners = {r["id"]: r["incident_id"] for r in db.execute("SELECT id, incident_id FROM reports")}
    assert owners[ids["syndicated"]] == owners[ids["claim"]] != hilla
    kept = live(db, hilla)
    assert kept["claimed_by"] is None and kept["killed"] == 84  # the claim left with its articles
    assert live(db, owners[ids["claim"]])["source_count"] == 1   # the copy still counts as one source


VIGIL = (
    "Traders reopened a few stalls at the Souk al-Khadra market in Hilla on Friday, days after the truck "
    "bombing claimed by Islamic State killed 84 people and wounded 284. Governor Karim Saadi of Babil "
    "promised new checkpoints around the market."
)


def test_a_split_pair_is_never_merged_again_by_a_report_matching_both(story, db, database_url):
    ids, results = story
    hilla = results["first"].incident_id
    from workers.resolution.split import split

    # A person says the claim story is about another event: it leaves with its syndicated copy.
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        done = split(conn, hilla, [ids["claim"]])
    # A new story of the bombing matches both halves strongly (without the split, they would merge).
    a = insert_article(db, VIGIL, at(6, 9))
    later = resolve(database_url, insert_report(db, a, at(6, 9), killed=84, injured=284,
                                                claimed_by="Islamic State"))
    assert later.action == "linked" and later.incident_id in (hilla, done.new_incident_id)
    assert later.merged == ()
    assert {r["incident_id"] for r in db.execute("SELECT incident_id FROM incidents_current")} >= {
        hilla, done.new_incident_id}


@pytest.mark.parametrize("args, message", [
    (("424242", "--report", "1"), "no incident #424242"),
    (("{hilla}", "--report", "{other_report}"), "report #{other_report} is not in incident #{hilla}"),
    (("{hilla}", "--report", "424242"), "report #424242 is not in incident #{hilla}"),
    (("{baghdad}", "--report", "{other_report}"), "would leave it empty"),
    (("{hilla}",), "Missing option '--report'"),
    (("{hilla}", "--report", "x"), "is not a valid integer"),
])
def test_a_bad_split_is_one_line_exit_code_1_and_changes_nothing(story, db, newswatch, args, message):
    ids, results = story
    names = {"hilla": results["first"].incident_id, "baghdad": results["other"].incident_id,
             "other_report": ids["other"]}
    before = db.execute("SELECT id, version, merged_into FROM incidents ORDER BY id").fetchall()
    out = newswatch("incidents", "split", *(a.format(**names) for a in args))
    assert out.returncode == 1
    assert message.format(**names) in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert db.execute("SELECT id, version, merged_into FROM incidents ORDER BY id").fetchall() == before


def test_a_split_pair_stays_apart_after_one_of_them_is_merged_into_a_third(story, db, database_url):
    from workers.resolution.resolver import _kept_apart
    from workers.resolution.split import split

    ids, results = story
    hilla, baghdad = results["first"].incident_id, results["other"].incident_id
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        done = split(conn, hilla, [ids["claim"]])
        with conn.transaction():
            merge(conn, baghdad, done.new_incident_id)  # the split-out half joins another incident
        assert _kept_apart(conn, hilla, baghdad) and _kept_apart(conn, baghdad, hilla)
        assert not _kept_apart(conn, hilla, results["passing"].incident_id)
