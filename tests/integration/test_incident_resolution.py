"""Resolution against the real Postgres: the Hilla bombing told many ways, two workers at once, merges.

Rows are inserted directly (facts in the INCIDENT format of `newswatch extract`), so the resolution
tests neither run spaCy nor depend on extraction quality.
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from newswatch.errors import StaleIncident
from workers.resolution.resolver import merge, resolve_report

pytestmark = pytest.mark.integration

_serial = itertools.count(1)

FIRST = (
    "A truck packed with explosives blew up at the crowded Souk al-Khadra market in Hilla on "
    "Tuesday evening, killing 103 people and wounding 188, the Babil provincial health directorate "
    "said. No group has said it carried out the attack. Shopkeepers described fires spreading through "
    "the fruit stalls as ambulances from Hilla General Hospital struggled through the traffic."
)
REVISION = (
    "Iraqi officials lowered the death toll from the Hilla market bombing to 84 on Wednesday, saying "
    "some victims had been counted twice, while the number of wounded rose to 284. Governor Karim "
    "Saadi said rescue work at Souk al-Khadra had ended and that Babil would observe three days of "
    "mourning. Hilla General Hospital appealed for blood donors."
)
CLAIM = (
    "Islamic State said it carried out the truck bombing at the Souk al-Khadra market in Hilla, in a "
    "statement posted on its Amaq channel on Wednesday. The attack killed 84 people and wounded 284, "
    "according to the Babil health directorate. Governor Karim Saadi called the claim an attempt to "
    "sow fear among the shoppers and traders of Hilla ahead of the holiday."
)
SYNDICATED = CLAIM.replace("on Wednesday", "late on Wednesday").replace("ahead of the holiday",
                                                                         "before the holiday")
LATE_OLDER = (
    "At least 95 people were killed and 150 wounded when a truck bomb exploded in a busy market in "
    "Hilla, south of Baghdad, on Tuesday, police and hospital sources in Babil said. Souk al-Khadra "
    "was packed with families shopping for the holiday."
)
FUNERALS = (
    "Hundreds of mourners carried coffins through Hilla on Thursday as the city buried victims of "
    "the Souk al-Khadra truck bombing, which killed 84 people and wounded 284. Governor Karim Saadi "
    "joined the procession. Separately, a US strike that killed ten fighters near al-Qaim in Anbar "
    "was confirmed by the coalition."
)
OTHER_BOMBING = (
    "A car bomb exploded near a checkpoint in the Karrada district of Baghdad on Tuesday morning, "
    "killing seven people and wounding 19, an interior ministry spokesman said. Traffic on Abu Nuwas "
    "Street was halted for hours while forensic teams examined the wreck."
)


def insert_article(db: Any, text: str, published: datetime, title: str = "",
                   status: str = "extracted") -> int:
    n = next(_serial)
    url = f"http://news.test/{n}"
    row = db.execute(
        """INSERT INTO articles (url, url_key, title, text, published_at, status, revision)
           VALUES (%s, %s, %s, %s, %s, %s, 1) RETURNING id""",
        (url, url, title or text.split(".")[0], text, published, status)).fetchone()
    return int(row["id"])


def insert_report(db: Any, article_id: int, published: datetime, *, ordinal: int = 0,
                  primary: bool = True, category: str = "attack", event_type: str = "bombing",
                  location: str | None = "Hilla", country: str | None = "IQ",
                  occurred_on: date | None = date(2026, 3, 3), killed: int | None = None,
                  injured: int | None = None, perpetrator: str | None = None,
                  claimed_by: str | None = None, historical: bool = False,
                  evidence: list[dict[str, Any]] | None = None, revision: int = 1) -> int:
    facts = {"category": category, "event_type": event_type, "location": location,
             "country_code": country, "occurred_on": occurred_on.isoformat() if occurred_on else None,
             "killed": killed, "injured": injured, "perpetrator": perpetrator, "claimed_by": claimed_by,
             "primary": primary, "historical": historical, "evidence": evidence or []}
    row = db.execute(
        """INSERT INTO reports (article_id, revision, ordinal, is_primary, category, event_type, location,
               country_code, occurred_on, killed, injured, perpetrator, claimed_by, historical,
               published_at, facts)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (article_id, revision, ordinal, primary, category, event_type, location, country, occurred_on, killed,
         injured, perpetrator, claimed_by, historical, published, Jsonb(facts))).fetchone()
    return int(row["id"])


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def quote(field: str, sentence: str) -> dict[str, Any]:
    return {"field": field, "quote": sentence, "start": 0, "end": len(sentence)}



def resolve(database_url: str, report_id: int):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return resolve_report(conn, report_id)


def versions(db: Any, incident_id: int) -> list[dict[str, Any]]:
    return db.execute("SELECT * FROM incident_versions WHERE incident_id = %s ORDER BY version",
                      (incident_id,)).fetchall()


def seed_reports(db: Any) -> dict[str, int]:
    """The whole story as report ids, in the order the tests process them."""
    ids: dict[str, int] = {}
    a = insert_article(db, FIRST, at(3, 18))
    ids["first"] = insert_report(db, a, at(3, 18), killed=103, injured=188, evidence=[
        quote("killed", "killing 103 people and wounding 188"), quote("injured", "wounding 188")])
    a = insert_article(db, REVISION, at(4, 8))
    ids["revision"] = insert_report(db, a, at(4, 8), killed=84, injured=284, evidence=[
        quote("killed", "lowered the death toll from the Hilla market bombing to 84")])
    a = insert_article(db, CLAIM, at(4, 15))
    ids["claim"] = insert_report(db, a, at(4, 15), killed=84, injured=284, claimed_by="Islamic State",
                                 evidence=[quote("claimed_by", "Islamic State said it carried out the truck "
                                                               "bombing")])
    a = insert_article(db, SYNDICATED, at(4, 15, 30))
    ids["syndicated"] = insert_report(db, a, at(4, 15, 30), killed=84, injured=284,
                                      claimed_by="Islamic State")
    a = insert_article(db, FUNERALS, at(5, 12))
    ids["funerals"] = insert_report(db, a, at(5, 12), killed=84, injured=284, occurred_on=None)
    ids["passing"] = insert_report(db, a, at(5, 12), ordinal=1, primary=False, event_type="airstrike",
                                   location="al-Qaim", killed=10, occurred_on=None)
    a = insert_article(db, OTHER_BOMBING, at(3, 11))
    ids["other"] = insert_report(db, a, at(3, 11), location="Baghdad", killed=7, injured=19)
    a = insert_article(db, LATE_OLDER, at(3, 20))
    ids["late"] = insert_report(db, a, at(3, 20), killed=95, injured=150)
    return ids


def test_one_bombing_reported_eight_ways_is_one_incident_with_three_versions(db, database_url):
    ids = seed_reports(db)
    results = {name: resolve(database_url, rid) for name, rid in ids.items()}

    hilla = results["first"].incident_id
    assert results["first"].action == "new"
    assert results["other"].action == "new" and results["other"].incident_id != hilla
    for name in ("revision", "claim", "syndicated", "funerals", "late"):
        assert results[name].incident_id == hilla, name
    assert results["syndicated"].action == "copy"
    # The airstrike the funerals story mentions is an incident of its own, not a figure for Hilla.
    assert results["passing"].action == "new" and results["passing"].incident_id not in (hilla, None)

    live = db.execute("SELECT * FROM incidents_current ORDER BY incident_id").fetchall()
    assert [i["incident_id"] for i in live] == sorted([hilla, results["other"].incident_id,
                                                       results["passing"].incident_id])
    current = live[0]
    assert (current["killed"], current["injured"], current["claimed_by"]) == (84, 284, "Islamic State")
    assert (current["killed_min"], current["killed_max"]) == (84, 103)
    assert (current["injured_min"], current["injured_max"]) == (150, 284)
    assert current["report_count"] == 6
    assert current["source_count"] == 5  # the syndicated copy is not a source of its own

    history = versions(db, hilla)
    assert [(v["version"], v["reason"]) for v in history] == [(1, "new"), (2, "revised_down"), (3, "claim")]
    assert (history[0]["killed"], history[0]["injured"]) == (103, 188)
    assert sorted(history[1]["changed_fields"]) == ["injured", "killed"]
    assert history[1]["quote"] == "lowered the death toll from the Hilla market bombing to 84"
    assert history[1]["article_url"].startswith("http://news.test/")
    assert history[2]["changed_fields"] == ["claimed_by"]
    assert history[2]["quote"].startswith("Islamic State said")


def test_an_incident_mentioned_beside_the_main_one_is_linked_on_its_own(db, database_url):
    ids = seed_reports(db)
    for rid in ids.values():
        resolve(database_url, rid)
    strikes = db.execute("SELECT * FROM incidents_current WHERE event_type = 'airstrike'").fetchall()
    assert [(s["location"], s["killed"], s["report_count"]) for s in strikes] == [("al-Qaim", 10, 1)]
    hilla = db.execute("SELECT * FROM incidents_current WHERE location = 'Hilla'").fetchone()
    assert hilla["killed_min"] == 84  # the strike's ten never counted for Hilla
    article = db.execute("""SELECT a.id, a.status FROM articles a JOIN reports r ON r.article_id = a.id
                            WHERE r.id = %s""", (ids["passing"],)).fetchone()
    assert article["status"] == "resolved"
    sources = db.execute("SELECT DISTINCT incident_id FROM incident_articles WHERE article_id = %s",
                         (article["id"],)).fetchall()
    assert {s["incident_id"] for s in sources} == {hilla["incident_id"], strikes[0]["incident_id"]}


def test_an_older_report_processed_late_widens_the_range_but_never_overwrites(db, database_url):
    ids = seed_reports(db)
    for name in ("first", "revision", "late"):
        resolve(database_url, ids[name])
    row = db.execute("SELECT * FROM incidents").fetchone()
    assert (row["killed"], row["injured"], row["version"]) == (84, 284, 2)
    assert (row["killed_min"], row["killed_max"], row["injured_min"]) == (84, 103, 150)


@pytest.mark.parametrize("order", [
    ["late", "claim", "first", "revision", "syndicated", "funerals"],
    ["funerals", "syndicated", "revision", "late", "first", "claim"],
])
def test_the_final_figures_do_not_depend_on_the_order_reports_arrive_in(db, database_url, order):
    ids = seed_reports(db)
    for name in order:
        resolve(database_url, ids[name])
    rows = db.execute("SELECT * FROM incidents_current").fetchall()
    assert len(rows) == 1
    assert (rows[0]["killed"], rows[0]["injured"], rows[0]["claimed_by"]) == (84, 284, "Islamic State")
    assert (rows[0]["killed_min"], rows[0]["killed_max"]) == (84, 103)


def test_a_repeat_of_the_same_figures_adds_a_source_not_a_version(db, database_url):
    ids = seed_reports(db)
    for name in ("first", "revision", "funerals"):
        resolve(database_url, ids[name])
    row = db.execute("SELECT * FROM incidents_current").fetchone()
    assert (row["version"], row["report_count"]) == (2, 3)


def test_a_retried_task_changes_nothing(db, database_url):
    ids = seed_reports(db)
    first = resolve(database_url, ids["first"])
    before = db.execute("SELECT * FROM incidents").fetchall()
    again = resolve(database_url, ids["first"])
    assert again.action == "already_done" and again.incident_id == first.incident_id
    assert db.execute("SELECT * FROM incidents").fetchall() == before
    assert resolve(database_url, 999_999).action == "gone"


def test_a_historical_report_alone_creates_no_live_incident(db, database_url):
    a = insert_article(db, LATE_OLDER, at(3, 20))
    rid = insert_report(db, a, at(3, 20), killed=95, historical=True, occurred_on=date(2024, 1, 5))
    assert resolve(database_url, rid).action == "historical_unmatched"
    assert db.execute("SELECT count(*) AS n FROM incidents").fetchone()["n"] == 0
    assert db.execute("SELECT status FROM articles WHERE id = %s", (a,)).fetchone()["status"] == "no_incident"


def test_each_version_is_announced_on_incident_changed_at_commit(db, database_url):
    ids = seed_reports(db)
    with psycopg.connect(database_url, autocommit=True) as listener:
        listener.execute("LISTEN incident_changed")
        resolve(database_url, ids["first"])
        resolve(database_url, ids["revision"])
        payloads = [n.payload for n in listener.notifies(timeout=2, stop_after=2)]
    assert [json.loads(p)["version"] for p in payloads] == [1, 2]


def test_two_workers_resolving_one_event_at_the_same_moment_make_one_incident(db, database_url):
    for _attempt in range(5):
        db.execute("TRUNCATE incident_history, reports, incidents, articles RESTART IDENTITY CASCADE")
        a = insert_article(db, FIRST, at(3, 18))
        b = insert_article(db, LATE_OLDER, at(3, 20))
        reports = [insert_report(db, a, at(3, 18), killed=103, injured=188),
                   insert_report(db, b, at(3, 20), killed=95, injured=150)]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def work(report_id: int, barrier: threading.Barrier = barrier,
                 errors: list[BaseException] = errors) -> None:
            try:
                with psycopg.connect(database_url, row_factory=dict_row) as conn:
                    barrier.wait(timeout=10)
                    resolve_report(conn, report_id)
            except BaseException as exc:  # surfaced by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(r,)) for r in reports]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors
        incidents = db.execute("SELECT * FROM incidents").fetchall()
        assert len(incidents) == 1
        linked = db.execute("SELECT DISTINCT incident_id FROM reports").fetchall()
        assert [r["incident_id"] for r in linked] == [incidents[0]["id"]]
        history = versions(db, incidents[0]["id"])
        assert [v["version"] for v in history] == list(range(1, incidents[0]["version"] + 1))
        assert (incidents[0]["killed"], incidents[0]["killed_min"]) == (95, 95)


def test_a_merge_keeps_the_older_id_and_both_histories(db, database_url):
    a = insert_article(db, FIRST, at(3, 18))
    b = insert_article(db, OTHER_BOMBING, at(3, 11))
    first = resolve(database_url, insert_report(db, a, at(3, 18), killed=103, injured=188)).incident_id
    second = resolve(database_url, insert_report(db, b, at(4, 9), location="Baghdad", killed=110,
                                                 claimed_by="Islamic State")).incident_id
    assert first != second
    with psycopg.connect(database_url, autocommit=True) as listener:
        listener.execute("LISTEN incident_changed")
        with psycopg.connect(database_url, row_factory=dict_row) as conn, conn.transaction():
            merge(conn, first, second)
        heard = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=2)]
    assert {"incident_id": first, "version": 2, "reason": "merge"} in heard
    assert {"incident_id": second, "merged_into": first} in heard
    survivor = db.execute("SELECT * FROM incidents_current").fetchall()
    assert [s["incident_id"] for s in survivor] == [first]
    assert (survivor[0]["killed"], survivor[0]["claimed_by"]) == (110, "Islamic State")
    assert db.execute("SELECT merged_into FROM incidents WHERE id = %s", (second,)).fetchone() == {
        "merged_into": first}
    assert [v["reason"] for v in versions(db, first)] == ["new", "merge"]
    assert [v["reason"] for v in versions(db, second)] == ["new"]
    assert {r["incident_id"] for r in db.execute("SELECT incident_id FROM reports")} == {first}


def test_merging_an_incident_that_was_merged_meanwhile_is_refused_and_changes_nothing(db, database_url):
    a = insert_article(db, FIRST, at(3, 18))
    b = insert_article(db, OTHER_BOMBING, at(3, 11))
    first = resolve(database_url, insert_report(db, a, at(3, 18), killed=103, injured=188)).incident_id
    second = resolve(database_url, insert_report(db, b, at(4, 9), location="Baghdad", killed=110)).incident_id
    with psycopg.connect(database_url, row_factory=dict_row) as conn, conn.transaction():
        merge(conn, first, second)
    before = db.execute("SELECT id, version, merged_into FROM incidents ORDER BY id").fetchall()
    with pytest.raises(StaleIncident, match="already merged"), \
            psycopg.connect(database_url, row_factory=dict_row) as conn, conn.transaction():
        merge(conn, second, first)
    assert db.execute("SELECT id, version, merged_into FROM incidents ORDER BY id").fetchall() == before


def test_an_updated_text_of_the_same_article_can_lower_its_own_figure(db, database_url):
    a = insert_article(db, FIRST, at(3, 18))
    first = resolve(database_url, insert_report(db, a, at(3, 18), killed=103, injured=188))
    db.execute("""INSERT INTO article_revisions (article_id, revision, text, content_hash, published_at, fetched_at)
                  VALUES (%s, 2, %s, 'h2', %s, %s)""", (a, REVISION, at(3, 18), at(4, 9)))
    db.execute("UPDATE articles SET revision = 2, status = 'extracted' WHERE id = %s", (a,))
    second = resolve(database_url, insert_report(db, a, at(3, 18), killed=84, injured=284, revision=2))
    assert (second.action, second.incident_id, second.reason) == ("linked", first.incident_id, "revised_down")
    row = db.execute("SELECT * FROM incidents_current").fetchone()
    assert (row["killed"], row["source_count"]) == (84, 1)
    assert db.execute("SELECT status FROM articles WHERE id = %s", (a,)).fetchone()["status"] == "resolved"


MISPLACED = (
    "A truck bomb tore through the Souk al-Khadra market in Hilla on Tuesday evening, killing dozens, said "
    "Governor Karim Saadi of Babil, who blamed lax security at the checkpoints around the stalls."
)


def test_two_incidents_that_later_evidence_shows_are_one_are_merged_into_the_older(db, database_url):
    a = insert_article(db, FIRST, at(3, 18))
    first = resolve(database_url, insert_report(db, a, at(3, 18), killed=103, injured=188))
    # The extractor put this one in Baghdad: two cities, neither text naming the other's: two incidents.
    b = insert_article(db, MISPLACED, at(3, 19))
    second = resolve(database_url, insert_report(db, b, at(3, 19), location="Baghdad", killed=40))
    assert second.action == "new" and second.incident_id != first.incident_id
    # "Hilla, south of Baghdad": now the Hilla incident's texts name Baghdad too, and the two match.
    c = insert_article(db, LATE_OLDER, at(3, 20))
    third = resolve(database_url, insert_report(db, c, at(3, 20), killed=95, injured=150))
    assert third.incident_id == first.incident_id and third.merged == (second.incident_id,)

    live = db.execute("SELECT * FROM incidents_current").fetchall()
    assert [r["incident_id"] for r in live] == [first.incident_id]
    assert (live[0]["killed"], live[0]["killed_min"], live[0]["killed_max"]) == (95, 40, 103)
    assert [v["reason"] for v in versions(db, first.incident_id)][-1] == "merge"
    assert versions(db, second.incident_id)[0]["reason"] == "new"  # its history stays
    owners = {r["incident_id"] for r in db.execute("SELECT incident_id FROM reports")}
    assert owners == {first.incident_id}


def test_two_reports_of_one_article_resolved_at_once_leave_the_article_resolved(db, database_url):
    for _attempt in range(5):
        db.execute("TRUNCATE incident_history, reports, incidents, articles RESTART IDENTITY CASCADE")
        a = insert_article(db, FUNERALS, at(5, 12))
        reports = [insert_report(db, a, at(5, 12), killed=84, injured=284, occurred_on=None),
                   # Another country: the region locks do not serialise the two.
                   insert_report(db, a, at(5, 12), ordinal=1, primary=False, event_type="airstrike",
                                 location="Abu Kamal", country="SY", killed=10, occurred_on=None)]
        barrier = threading.Barrier(2)

        def work(report_id: int, barrier: threading.Barrier = barrier) -> None:
            with psycopg.connect(database_url, row_factory=dict_row) as conn:
                barrier.wait(timeout=10)
                resolve_report(conn, report_id)

        threads = [threading.Thread(target=work, args=(r,)) for r in reports]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert db.execute("SELECT status FROM articles").fetchone()["status"] == "resolved"


def test_a_copy_resolved_before_its_original_speaks_as_of_the_original(db, database_url):
    """After a broker flush the order is anyone's: a wire story's copy (the same text, published
    hours later by another outlet) resolved before its original must not stand as the newest toll."""
    first = insert_article(db, FIRST, at(3, 18))
    newer = insert_article(db, REVISION, at(4, 12))          # 84 killed, at noon
    original = insert_article(db, LATE_OLDER, at(4, 8))     # 95 killed, at 8 o'clock: older than the 84
    copy = insert_article(db, LATE_OLDER, at(4, 20))        # the same text again in the evening
    for article, text in ((first, FIRST), (newer, REVISION), (original, LATE_OLDER), (copy, LATE_OLDER)):
        db.execute("UPDATE articles SET content_hash = md5(%s) WHERE id = %s", (text, article))
    reports = {"first": insert_report(db, first, at(3, 18), killed=103, injured=188),
               "newer": insert_report(db, newer, at(4, 12), killed=84, injured=284),
               "original": insert_report(db, original, at(4, 8), killed=95, injured=150),
               "copy": insert_report(db, copy, at(4, 20), killed=95, injured=150)}
    for name in ("first", "newer", "copy", "original"):
        resolve(database_url, reports[name])
    incident = db.execute("SELECT * FROM incidents WHERE merged_into IS NULL").fetchall()
    assert len(incident) == 1
    assert (incident[0]["killed"], incident[0]["injured"]) == (84, 284)  # the noon figures stay current
    assert (incident[0]["killed_min"], incident[0]["killed_max"]) == (84, 103)
