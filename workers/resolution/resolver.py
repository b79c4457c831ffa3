"""Resolve one report into the incident register: link it, create an incident, or leave it out.

Everything happens in one transaction that first locks the report row (a retried or duplicated task
waits, then finds it resolved and changes nothing) and its article's row (two reports of one article
resolved at once: the second sees the first's outcome, so the last one marks the article done),
and then takes a transaction-level advisory lock
on the report's country, so two workers resolving reports of one event never both decide to create
it: the second sees the incident the first committed. Versions are announced on channel
`incident_changed` by a trigger on incident_history (delivered at commit).

Decisions beside matching (see matching.py) and the version policy (versions.py):
- A report of an incident mentioned in passing (`is_primary` false) links nothing, creates nothing
  and changes no figure: a figure for another incident is not a figure for this one.
- A historical report (a retrospective, event over 30 days before publication) joins a matching
  incident if the register has one, but never creates a live incident on its own.
- After linking, other live incidents that now score as the same event are merged into the older.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from newswatch.errors import UserError
from workers.resolution.matching import AFTERMATH_DAYS, MERGE, best_match, score
from workers.resolution.material import (
    Material,
    incident_material,
    merged_signature,
    report_material,
    union_signatures,
)
from workers.resolution.versions import Claim, Outcome, State, apply, first_state, quote_for

Conn = psycopg.Connection[Any]


def _one(cursor: psycopg.Cursor[Any]) -> dict[str, Any]:
    """The one row a statement must return (an incident locked under the region lock exists)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("expected a row, got none")
    return dict(row)

# pg_advisory_xact_lock(int, int): this namespace, then hashtext(country).
LOCK_NAMESPACE = 0x6E77
WINDOW_DAYS = AFTERMATH_DAYS + 2
TEXTS_PER_INCIDENT = 200


@dataclass(frozen=True)
class Resolution:
    """What resolving one report did."""

    action: str            # new, linked, copy, passing_mention, historical_unmatched, already_done, gone
    incident_id: int | None = None
    version: int | None = None     # the version written, if any
    reason: str | None = None
    merged: tuple[int, ...] = ()   # incidents merged into `incident_id` on the way


def resolve_report(conn: Conn, report_id: int) -> Resolution:
    """Resolve `reports.id = report_id`; safe to call again (returns `already_done`)."""
    with conn.transaction():
        row = conn.execute(
            """SELECT r.*, a.title, a.text, rv.fetched_at AS revision_fetched_at
               FROM reports r JOIN articles a ON a.id = r.article_id
               LEFT JOIN article_revisions rv ON rv.article_id = r.article_id AND rv.revision = r.revision
               WHERE r.id = %s FOR NO KEY UPDATE OF r, a""", (report_id,)).fetchone()
        if row is None:
            return Resolution("gone")
        if row["resolved_at"] is not None:
            return Resolution("already_done", row["incident_id"])
        lock_region(conn, row["country_code"])
        row = {**row, "as_of": _as_of(row)}
        material = report_material(row, row["title"], row["text"])
        result = _resolve(conn, row, material)
        if result.incident_id is not None and result.action != "copy":
            survivor, merged = _merge_duplicates(conn, result.incident_id, row)
            if merged:
                result = replace(result, incident_id=survivor, merged=merged)
        _finish_article(conn, row["article_id"])
        return result


def lock_region(conn: Conn, country_code: str | None) -> None:
    """Serialise resolution within one country (all incident writes there hold this lock)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, country_code or ""))


def _as_of(row: dict[str, Any]) -> Any:
    """When the report's figures were current: the article's publish time, or for a later revision
    of its text (an updated story) the time that revision was fetched, which is when it said so."""
    published, fetched = row.get("published_at"), row.get("revision_fetched_at")
    if row.get("revision", 1) > 1 and fetched is not None:
        return fetched if published is None else max(published, fetched)
    return published


def _resolve(conn: Conn, row: dict[str, Any], material: Material) -> Resolution:
    if not row["is_primary"]:
        _mark(conn, row, material, None, "passing_mention")
        return Resolution("passing_mention")
    candidates = _candidates(conn, material)
    found = best_match(material, candidates)
    if found is not None:
        incident_id, match = found
        copy_of = None
        if match.copy_of_article is not None:
            copy_of = _one(conn.execute(
                "SELECT min(id) AS id FROM reports WHERE incident_id = %s AND article_id = %s",
                (incident_id, match.copy_of_article)))["id"]
        return _link(conn, row, material, incident_id, copy_of)
    if row["historical"]:
        _mark(conn, row, material, None, "historical_unmatched")
        return Resolution("historical_unmatched")
    return _create(conn, row, material)


def _candidates(conn: Conn, material: Material, exclude: int | None = None) -> dict[int, Material]:
    """Live incidents of the report's country within the window around its day."""
    day = material.day or date.today()
    incidents = conn.execute(
        """SELECT * FROM incidents
           WHERE merged_into IS NULL AND country_code IS NOT DISTINCT FROM %s AND id IS DISTINCT FROM %s
             AND COALESCE(occurred_on, first_reported_at::date) BETWEEN %s AND %s""",
        (material.country_code, exclude, day - timedelta(days=WINDOW_DAYS),
         day + timedelta(days=WINDOW_DAYS))).fetchall()
    if not incidents:
        return {}
    texts = _latest_texts(conn, [i["id"] for i in incidents])
    return {i["id"]: incident_material(i, texts[i["id"]]) for i in incidents}


def _latest_texts(conn: Conn, incident_ids: list[int]) -> dict[int, list[tuple[int, list[int]]]]:
    """(article id, MinHash) of each incident's latest sources, syndicated copies left out: enough to
    spot a copy, and bounded so a long-running incident's lookup stays cheap."""
    texts: dict[int, list[tuple[int, list[int]]]] = {incident_id: [] for incident_id in incident_ids}
    for r in conn.execute(
            """SELECT incident_id, article_id, text_minhash FROM (
                   SELECT incident_id, article_id, text_minhash,
                          row_number() OVER (PARTITION BY incident_id ORDER BY id DESC) AS n
                   FROM reports
                   WHERE incident_id = ANY(%s) AND text_minhash IS NOT NULL AND copy_of IS NULL) latest
               WHERE n <= %s""",
            (incident_ids, TEXTS_PER_INCIDENT)):
        texts[r["incident_id"]].append((r["article_id"], r["text_minhash"]))
    return texts


def _claim(conn: Conn, row: dict[str, Any], incident: dict[str, Any]) -> Claim:
    """The report's claim, its type replaced by the type most of the incident's sources give."""
    claim = Claim.from_report(row)
    votes: dict[tuple[str, str], int] = {(row["event_type"], row["category"]): 1}
    for v in conn.execute(
            """SELECT event_type, category, count(DISTINCT article_id) AS n FROM reports
               WHERE incident_id = %s AND is_primary AND copy_of IS NULL GROUP BY 1, 2""",
            (incident["id"],)):
        key = (v["event_type"], v["category"])
        votes[key] = votes.get(key, 0) + v["n"]
    current = (incident["event_type"], incident["category"])
    top = max(votes.values())
    winner = current if votes.get(current, 0) == top else max(votes, key=lambda k: votes[k])
    return replace(claim, event_type=winner[0], category=winner[1],
                   occurred_on=_day_most_given(conn, row, incident), settle_day=True)


def _day_most_given(conn: Conn, row: dict[str, Any], incident: dict[str, Any]) -> Any:
    """The event day most of the incident's sources give (ties: the current day, else the earliest)."""
    days: dict[Any, int] = {}
    if row["occurred_on"] is not None:
        days[row["occurred_on"]] = 1
    for v in conn.execute(
            """SELECT occurred_on, count(DISTINCT article_id) AS n FROM reports
               WHERE incident_id = %s AND is_primary AND copy_of IS NULL AND occurred_on IS NOT NULL
               GROUP BY 1""", (incident["id"],)):
        days[v["occurred_on"]] = days.get(v["occurred_on"], 0) + v["n"]
    if not days:
        return incident["occurred_on"]
    top = max(days.values())
    if days.get(incident["occurred_on"], 0) == top:
        return incident["occurred_on"]
    return min(day for day, n in days.items() if n == top)


def _link(conn: Conn, row: dict[str, Any], material: Material, incident_id: int,
          copy_of: int | None) -> Resolution:
    incident = _one(conn.execute("SELECT * FROM incidents WHERE id = %s FOR UPDATE", (incident_id,)))
    outcome = apply(State.from_row(incident), _claim(conn, row, incident))
    version = _save(conn, incident, outcome, row, material)
    _mark(conn, row, material, incident_id, "copy" if copy_of else "linked", copy_of)
    return Resolution("copy" if copy_of else "linked", incident_id,
                      version if outcome.is_new_version else None, outcome.reason)


def _create(conn: Conn, row: dict[str, Any], material: Material) -> Resolution:
    outcome = first_state(Claim.from_report(row))
    s = outcome.state
    incident = _one(conn.execute(
        """INSERT INTO incidents (version, category, event_type, location, country_code, occurred_on,
               killed, killed_qualifier, killed_min, killed_max, killed_as_of,
               injured, injured_qualifier, injured_min, injured_max, injured_as_of,
               perpetrator, claimed_by, historical, signature, first_reported_at)
           VALUES (1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                   COALESCE(%s, now()))
           RETURNING *""",
        (s.category, s.event_type, s.location, s.country_code, s.occurred_on,
         s.killed, s.killed_qualifier, s.killed_min, s.killed_max, s.killed_as_of,
         s.injured, s.injured_qualifier, s.injured_min, s.injured_max, s.injured_as_of,
         s.perpetrator, s.claimed_by, bool(row["historical"]),
         Jsonb(merged_signature({}, material)), row["published_at"])))
    _write_version(conn, incident["id"], 1, outcome, row, quote_for("new", _evidence(row)))
    _mark(conn, row, material, incident["id"], "new")
    return Resolution("new", incident["id"], 1, "new")


def _save(conn: Conn, incident: dict[str, Any], outcome: Outcome, row: dict[str, Any] | None,
          material: Material | None, merged_from: int | None = None, reason: str | None = None) -> int:
    """Write the incident's new state, and a version when a headline field changed (or a merge)."""
    s = outcome.state
    new_version = outcome.is_new_version or reason == "merge"
    version = incident["version"] + 1 if new_version else incident["version"]
    signature = merged_signature(incident["signature"], material) if material else incident["signature"]
    conn.execute(
        """UPDATE incidents SET version = %s, category = %s, event_type = %s, location = %s,
               country_code = %s, occurred_on = %s,
               killed = %s, killed_qualifier = %s, killed_min = %s, killed_max = %s, killed_as_of = %s,
               injured = %s, injured_qualifier = %s, injured_min = %s, injured_max = %s, injured_as_of = %s,
               perpetrator = %s, claimed_by = %s, signature = %s,
               first_reported_at = LEAST(first_reported_at, COALESCE(%s, first_reported_at)),
               updated_at = CASE WHEN %s THEN now() ELSE updated_at END
           WHERE id = %s""",
        (version, s.category, s.event_type, s.location, s.country_code, s.occurred_on,
         s.killed, s.killed_qualifier, s.killed_min, s.killed_max, s.killed_as_of,
         s.injured, s.injured_qualifier, s.injured_min, s.injured_max, s.injured_as_of,
         s.perpetrator, s.claimed_by, Jsonb(signature),
         row["published_at"] if row else None, new_version, incident["id"]))
    if new_version:
        why = reason or outcome.reason
        quote = quote_for(why, _evidence(row)) if row else None
        _write_version(conn, incident["id"], version, replace(outcome, reason=why), row, quote, merged_from)
    return version


def _write_version(conn: Conn, incident_id: int, version: int, outcome: Outcome,
                   row: dict[str, Any] | None, quote: str | None, merged_from: int | None = None) -> None:
    s = outcome.state
    conn.execute(
        """INSERT INTO incident_history (incident_id, version, category, event_type, location,
               country_code, occurred_on, killed, killed_qualifier, injured, injured_qualifier,
               perpetrator, claimed_by, changed_fields, reason, report_id, article_id, quote,
               killed_min, killed_max, injured_min, injured_max, merged_from)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                   %s, %s, %s, %s, %s)""",
        (incident_id, version, s.category, s.event_type, s.location, s.country_code, s.occurred_on,
         s.killed, s.killed_qualifier, s.injured, s.injured_qualifier, s.perpetrator, s.claimed_by,
         list(outcome.changed_fields), outcome.reason, row["id"] if row else None,
         row["article_id"] if row else None, quote,
         s.killed_min, s.killed_max, s.injured_min, s.injured_max, merged_from))


def _mark(conn: Conn, row: dict[str, Any], material: Material, incident_id: int | None,
          resolution: str, copy_of: int | None = None) -> None:
    minhash = list(material.texts[0][1]) if material.texts else None
    conn.execute(
        """UPDATE reports SET incident_id = %s, resolved_at = now(), resolution = %s, copy_of = %s,
               text_minhash = %s WHERE id = %s""",
        (incident_id, resolution, copy_of, minhash, row["id"]))


def _evidence(row: dict[str, Any] | None) -> Any:
    facts = (row or {}).get("facts") or {}
    return facts.get("evidence") if isinstance(facts, dict) else None


def _finish_article(conn: Conn, article_id: int) -> None:
    """Once every report of the article's current revision is resolved, the article is done."""
    conn.execute(
        """UPDATE articles a SET updated_at = now(),
               status = CASE WHEN EXISTS (SELECT 1 FROM reports r WHERE r.article_id = a.id
                                          AND r.revision = a.revision AND r.incident_id IS NOT NULL)
                             THEN 'resolved' ELSE 'no_incident' END
           WHERE a.id = %s AND a.status = 'extracted'
             AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.article_id = a.id
                             AND r.revision = a.revision AND r.resolved_at IS NULL)""",
        (article_id,))


def _merge_duplicates(conn: Conn, incident_id: int, row: dict[str, Any]) -> tuple[int, tuple[int, ...]]:
    """Merge into one every live incident of the region that now scores as the same event; returns
    the surviving incident and the ones merged into it."""
    merged: list[int] = []
    current = incident_id
    while True:
        incident = _one(conn.execute("SELECT * FROM incidents WHERE id = %s", (current,)))
        mine = incident_material(incident, _latest_texts(conn, [current])[current])
        others = _candidates(conn, mine, exclude=current)
        same = [(score(mine, other).score, other_id) for other_id, other in others.items()]
        same = [s for s in same if s[0] >= MERGE]
        if not same:
            return current, tuple(merged)
        _, other_id = max(same)
        survivor, loser = min(current, other_id), max(current, other_id)
        merge(conn, survivor, loser, row)
        merged.append(loser)
        current = survivor


def merge(conn: Conn, survivor_id: int, loser_id: int, row: dict[str, Any] | None = None) -> int:
    """Fold incident `loser_id` into `survivor_id`; returns the survivor's new version.

    The caller holds the region lock(s). Both histories stay; the loser points to the survivor, its
    reports move over, and the survivor gets a 'merge' version with the combined figures (the newer
    figure of the two stands, the ranges are joined).
    """
    rows = {r["id"]: r for r in conn.execute(
        "SELECT * FROM incidents WHERE id = ANY(%s) ORDER BY id FOR UPDATE", ([survivor_id, loser_id],))}
    survivor, loser = rows[survivor_id], rows[loser_id]
    if survivor["merged_into"] or loser["merged_into"]:
        # Checked under the row locks: a resolver may have merged one of them since the caller looked.
        raise UserError(f"incident #{loser_id if loser['merged_into'] else survivor_id} was already merged "
                        f"into #{(loser if loser['merged_into'] else survivor)['merged_into']}")
    claim = Claim(
        category=survivor["category"], event_type=survivor["event_type"], location=loser["location"],
        country_code=loser["country_code"], occurred_on=loser["occurred_on"],
        killed=loser["killed"], killed_qualifier=loser["killed_qualifier"], killed_as_of=loser["killed_as_of"],
        injured=loser["injured"], injured_qualifier=loser["injured_qualifier"],
        injured_as_of=loser["injured_as_of"], perpetrator=loser["perpetrator"],
        claimed_by=loser["claimed_by"], killed_range=(loser["killed_min"], loser["killed_max"]),
        injured_range=(loser["injured_min"], loser["injured_max"]))
    outcome = apply(State.from_row(survivor), claim)
    signature = union_signatures(survivor["signature"], loser["signature"])
    version = _save(conn, {**survivor, "signature": signature}, outcome, row, None,
                    merged_from=loser_id, reason="merge")
    conn.execute("""UPDATE incidents SET first_reported_at = LEAST(first_reported_at, %s) WHERE id = %s""",
                 (loser["first_reported_at"], survivor_id))
    conn.execute("UPDATE incidents SET merged_into = %s, updated_at = now() WHERE id = %s OR merged_into = %s",
                 (survivor_id, loser_id, loser_id))
    conn.execute("UPDATE reports SET incident_id = %s WHERE incident_id = %s", (survivor_id, loser_id))
    conn.execute("SELECT pg_notify('incident_changed', %s)",
                 (f'{{"incident_id": {loser_id}, "merged_into": {survivor_id}}}',))
    return version
