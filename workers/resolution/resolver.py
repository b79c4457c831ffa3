"""Resolve one report into the incident register: link it, create an incident, or leave it out.

Everything happens in one transaction that first locks the report row (a retried or duplicated task
waits, then finds it resolved and changes nothing) and its article's row (two reports of one article
resolved at once: the second sees the first's outcome, so the last one marks the article done).

Candidates are the live incidents sharing a retrieval key with the report (a place, a person, a
group, a site: material.retrieval_keys) within WINDOW_DAYS of its day, in any country and of any
type; matching.py scores them. Before searching, the resolver takes a transaction-level advisory
lock on every key of the report (in one global order, so two resolvers never deadlock on them).
Two reports that could ever be each other's candidates share a key, so they are resolved one
after the other and the second sees the incident the first committed: two workers never both
create one event. Reports that share no key can never match, so their running at once changes
nothing. Versions are announced on channel `incident_changed` by a trigger on incident_history.

Decisions beside matching (see matching.py) and the version policy (versions.py):
- Every incident an article reports is a report of its own and links on its own. One the article
  mentions beside its main one (`is_primary` false) may create an incident or add a source, but its
  figures never displace an incident's current ones (a passing "the attack that killed ten" is
  background): they only fill an unknown figure and widen the range seen.
- A historical report (a retrospective, event over 30 days before publication) joins a matching
  incident if the register has one, but never creates a live incident on its own.
- A syndicated copy (or a re-crawl of a known text under a new date) counts as of its original.
- When the report matches another incident as strongly as MERGE, and the two incidents match each
  other, they are one event: merged into the older (reason `merge`), unless a person split them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import psycopg

from newswatch.errors import StaleIncident
from workers.resolution.matching import MATCH, MERGE, WINDOW_DAYS, Match, ranked, score
from workers.resolution.material import (
    Material,
    Source,
    incident_material,
    merged_signature,
    report_material,
    union_keys,
    union_signatures,
)
from workers.resolution.store import VersionNote, insert_incident, update_incident, write_version
from workers.resolution.versions import Claim, Outcome, State, apply, first_state, quote_for

Conn = psycopg.Connection[Any]

# pg_advisory_xact_lock(int, int): this namespace, then a 32-bit hash of one retrieval key.
LOCK_NAMESPACE = 0x6E77
TEXTS_PER_INCIDENT = 50   # the latest sources' MinHashes an incident is compared by
SOURCES_PER_INCIDENT = 12  # the latest sources whose names and places an incident is compared by
COPY_MIN_CHARS = 200      # a text at least this long shared by two articles is one copied from the other
CANDIDATES = 40           # incidents scored per report: those sharing the most keys, then the nearest

# Reports with what they are matched by: their article's title and text, and when their revision
# was fetched (report_as_of). A caller adds its WHERE and lock clauses.
# same_text_published: the earliest publication of the same cleaned text by another article (a
# syndicated copy's original), for texts long enough that sharing them means copying.
REPORTS_WITH_TEXT = """SELECT r.*, a.title, a.text, rv.fetched_at AS revision_fetched_at,
        (SELECT min(o.published_at) FROM articles o
         WHERE o.content_hash = a.content_hash AND o.id <> a.id AND length(a.text) >= %(copy_min_chars)s)
            AS same_text_published
    FROM reports r JOIN articles a ON a.id = r.article_id
    LEFT JOIN article_revisions rv ON rv.article_id = r.article_id AND rv.revision = r.revision"""


def one_row(cursor: psycopg.Cursor[Any]) -> dict[str, Any]:
    """The one row a statement must return (an incident locked under the key locks exists)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("expected a row, got none")
    return dict(row)


@dataclass(frozen=True)
class Resolution:
    """What resolving one report did."""

    action: str            # new, linked, copy, historical_unmatched, already_done, gone
    incident_id: int | None = None
    version: int | None = None     # the version written, if any
    reason: str | None = None
    merged: tuple[int, ...] = ()   # incidents merged into `incident_id` on the way


def resolve_report(conn: Conn, report_id: int) -> Resolution:
    """Resolve `reports.id = report_id`; safe to call again (returns `already_done`)."""
    with conn.transaction():
        row = conn.execute(REPORTS_WITH_TEXT + " WHERE r.id = %(id)s FOR NO KEY UPDATE OF r, a",
                           {"id": report_id, "copy_min_chars": COPY_MIN_CHARS}).fetchone()
        if row is None:
            return Resolution("gone")
        if row["resolved_at"] is not None:
            return Resolution("already_done", row["incident_id"])
        row = {**row, "as_of": report_as_of(row)}
        material = report_material(row, *own_text(row))
        if not row["is_primary"]:
            # Its article is about another incident: sharing the article says nothing of this one.
            material = replace(material, article_ids=frozenset())
        lock_keys(conn, material.keys)
        result = _resolve(conn, row, material)
        _finish_article(conn, row["article_id"])
        return result


def key_lock_ids(keys: tuple[str, ...] | list[str]) -> list[int]:
    """The advisory lock ids of these keys, sorted: every resolver takes them in this one order."""
    return sorted({int.from_bytes(hashlib.blake2b(k.encode(), digest_size=4).digest(), "big", signed=True)
                   for k in keys})


def lock_keys(conn: Conn, keys: tuple[str, ...] | list[str]) -> None:
    """Serialise resolution of reports sharing any key (all candidate searches go through keys)."""
    ids = key_lock_ids(keys)
    if ids:
        # A function scan of an array yields its elements in order, so the locks are taken sorted.
        conn.execute("SELECT count(pg_advisory_xact_lock(%s, k)) FROM unnest(%s::int[]) AS k",
                     (LOCK_NAMESPACE, ids))


def own_text(row: dict[str, Any]) -> tuple[str | None, str | None]:
    """(title, text) a report is matched by: its article's, or for another incident the article
    mentions only the sentences quoted about it (the rest of the text is about the main one)."""
    if row["is_primary"]:
        return row["title"], row["text"]
    evidence = _evidence(row)
    quotes = [str(e.get("quote")) for e in evidence if isinstance(e, dict) and e.get("quote")] \
        if isinstance(evidence, list) else []
    return None, " ".join(dict.fromkeys(quotes))


def report_as_of(row: dict[str, Any]) -> Any:
    """When the report's figures were current: the article's publish time, or for a later revision
    of its text (an updated story) the time that revision was fetched, which is when it said so."""
    published, fetched = row.get("published_at"), row.get("revision_fetched_at")
    as_of = published
    if row.get("revision", 1) > 1 and fetched is not None:
        as_of = fetched if published is None else max(published, fetched)
    original = row.get("same_text_published")
    if original is not None and as_of is not None and original < as_of:
        # The same text published earlier elsewhere: a copy, even when resolved before its original
        # (after a broker flush, or fetched first), says what it said then.
        return original
    return as_of


def _resolve(conn: Conn, row: dict[str, Any], material: Material) -> Resolution:
    candidates = _candidates(conn, material, row["article_id"] if row["is_primary"] else None)
    found = ranked(material, candidates)
    if found:
        incident_id, match = found[0]
        result = _link(conn, row, material, incident_id, match)
        if result.action != "copy" and result.incident_id is not None:
            result = _merge_matched(conn, result, result.incident_id, candidates, found[1:], row)
        return result
    if row["historical"]:
        _mark(conn, row, material, None, "historical_unmatched")
        return Resolution("historical_unmatched")
    return _create(conn, row, material)


# Live incidents sharing the most retrieval keys with a report within the window, nearest day next.
# incident_keys (migration 0017) holds one row per key, day and live incident: the keys are counted
# from its btree alone, and only the CANDIDATES chosen are read from incidents.
CANDIDATE_SEARCH = """
    WITH hits AS (
        SELECT incident_id, count(*) AS shared, min(abs(match_day - %(day)s::date)) AS distance
        FROM incident_keys
        WHERE key = ANY(%(keys)s) AND match_day BETWEEN %(low)s AND %(high)s
        GROUP BY incident_id
        ORDER BY shared DESC, distance, incident_id
        LIMIT %(limit)s)
    SELECT i.*, hits.shared FROM hits JOIN incidents i ON i.id = hits.incident_id
    WHERE i.merged_into IS NULL
    ORDER BY hits.shared DESC, hits.distance, i.id"""


def candidate_search_args(keys: tuple[str, ...] | list[str], day: date) -> dict[str, Any]:
    return {"keys": list(keys), "low": day - timedelta(days=WINDOW_DAYS), "high": day + timedelta(days=WINDOW_DAYS),
            "day": day, "limit": CANDIDATES}


def _candidates(conn: Conn, material: Material, article_id: int | None = None) -> dict[int, Material]:
    """Live incidents sharing a key with `material` within the window around its day, most keys
    shared first, and those holding another revision of the same article."""
    day = material.day or date.today()
    rows = []
    if material.keys:
        rows = conn.execute(CANDIDATE_SEARCH, candidate_search_args(material.keys, day),
                            # Never a prepared statement: a generic plan cannot see how rare the keys are.
                            prepare=False).fetchall()
    if article_id is not None:
        rows += conn.execute(
            """SELECT * FROM incidents WHERE merged_into IS NULL AND id IN (
                   SELECT COALESCE(i.merged_into, i.id) FROM reports r JOIN incidents i ON i.id = r.incident_id
                   WHERE r.article_id = %s AND r.is_primary)""", (article_id,)).fetchall()
    if not rows:
        return {}
    incidents = {r["id"]: r for r in rows}
    sources = _latest_sources(conn, list(incidents))
    return {i: _material_of(row, sources[i]) for i, row in incidents.items()}


def _latest_sources(conn: Conn, incident_ids: list[int]) -> dict[int, list[tuple[int, list[int], Source | None]]]:
    """(article id, MinHash, what it named) of each incident's latest sources, syndicated copies and
    articles that only mention it left out: enough to spot a copy, and bounded so a long-running
    incident's lookup stays cheap. What it named is None for a report resolved before names were
    kept per report, and past the SOURCES_PER_INCIDENT latest."""
    found: dict[int, list[tuple[int, list[int], Source | None]]] = {incident_id: [] for incident_id in incident_ids}
    for r in conn.execute(
            """SELECT incident_id, article_id, text_minhash, match_names, match_places, n FROM (
                   SELECT incident_id, article_id, text_minhash, match_names, match_places,
                          row_number() OVER (PARTITION BY incident_id ORDER BY id DESC) AS n
                   FROM reports
                   WHERE incident_id = ANY(%s) AND text_minhash IS NOT NULL AND copy_of IS NULL
                     AND is_primary) latest
               WHERE n <= %s ORDER BY incident_id, n""",
            (incident_ids, TEXTS_PER_INCIDENT)):
        source = None
        if r["match_names"] is not None and r["n"] <= SOURCES_PER_INCIDENT:
            source = Source(r["article_id"], frozenset(r["match_names"]), frozenset(r["match_places"] or ()))
        found[r["incident_id"]].append((r["article_id"], r["text_minhash"], source))
    return found


def _material_of(row: dict[str, Any], found: list[tuple[int, list[int], Source | None]]) -> Material:
    """An incident's material from its row and its latest sources. Sources are compared one by one
    only when every one of them kept its names (otherwise the signature's union stands in)."""
    latest = [s for _, _, s in found[:SOURCES_PER_INCIDENT]]
    sources = [s for s in latest if s is not None] if latest and None not in latest else []
    return incident_material(row, [(a, h) for a, h, _ in found], sources)


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


def _lock_live(conn: Conn, incident_id: int) -> dict[str, Any]:
    """Lock the incident's row, following merges made since it was read (a merge repoints every
    incident merged into the loser, so one step reaches the live one)."""
    incident = one_row(conn.execute("SELECT * FROM incidents WHERE id = %s FOR UPDATE", (incident_id,)))
    if incident["merged_into"] is not None:
        incident = one_row(conn.execute("SELECT * FROM incidents WHERE id = %s FOR UPDATE",
                                     (incident["merged_into"],)))
    return incident


def _link(conn: Conn, row: dict[str, Any], material: Material, incident_id: int, match: Match) -> Resolution:
    incident = _lock_live(conn, incident_id)
    copy_of = original_published = None
    if match.copy_of_article is not None:
        original = one_row(conn.execute(
            """SELECT min(id) AS id, min(COALESCE(published_at, created_at)) AS published_at FROM reports
               WHERE incident_id = %s AND article_id = %s""", (incident["id"], match.copy_of_article)))
        copy_of, original_published = original["id"], original["published_at"]
    claim = _claim(conn, row, incident) if row["is_primary"] else Claim.from_report(row)
    claim = claim.as_told(primary=row["is_primary"], original_published=original_published)
    outcome = apply(State.from_row(incident), claim)
    version = _save(conn, incident, outcome, row, material)
    _mark(conn, row, material, incident["id"], "copy" if copy_of else "linked", copy_of)
    return Resolution("copy" if copy_of else "linked", incident["id"],
                      version if outcome.is_new_version else None, outcome.reason)


def _create(conn: Conn, row: dict[str, Any], material: Material) -> Resolution:
    outcome = first_state(Claim.from_report(row))
    incident = insert_incident(conn, outcome.state, historical=bool(row["historical"]),
                               signature=merged_signature({}, material), keys=list(material.keys),
                               first_reported_at=row["published_at"])
    write_version(conn, incident["id"], 1, outcome.state,
                  VersionNote("new", outcome.changed_fields, row["id"], row["article_id"],
                              quote_for("new", _evidence(row))))
    _mark(conn, row, material, incident["id"], "new")
    return Resolution("new", incident["id"], 1, "new")


def _save(conn: Conn, incident: dict[str, Any], outcome: Outcome, row: dict[str, Any] | None,
          material: Material | None, merged_from: int | None = None, reason: str | None = None) -> int:
    """Write the incident's new state, and a version when a headline field changed (or a merge)."""
    new_version = outcome.is_new_version or reason == "merge"
    version = incident["version"] + 1 if new_version else incident["version"]
    signature = merged_signature(incident["signature"], material) if material else incident["signature"]
    keys = union_keys(incident["match_keys"], material.keys) if material else incident["match_keys"]
    update_incident(conn, incident["id"], outcome.state, version=version, signature=signature, keys=keys,
                    reported_at=row["published_at"] if row else None, touched=new_version)
    if new_version:
        why = reason or outcome.reason or "update"
        quote = quote_for(why, _evidence(row)) if row else None
        write_version(conn, incident["id"], version, outcome.state,
                      VersionNote(why, outcome.changed_fields, row["id"] if row else None,
                                  row["article_id"] if row else None, quote, merged_from))
    return version


def _mark(conn: Conn, row: dict[str, Any], material: Material, incident_id: int | None,
          resolution: str, copy_of: int | None = None) -> None:
    minhash = list(material.texts[0][1]) if material.texts else None
    source = material.sources[0] if material.sources else None
    conn.execute(
        """UPDATE reports SET incident_id = %s, resolved_at = now(), resolution = %s, copy_of = %s,
               text_minhash = %s, match_names = %s, match_places = %s WHERE id = %s""",
        (incident_id, resolution, copy_of, minhash, sorted(source.names) if source else None,
         sorted(source.places) if source else None, row["id"]))


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


def _merge_matched(conn: Conn, result: Resolution, survivor: int, candidates: dict[int, Material],
                   others: list[tuple[int, Match]], row: dict[str, Any]) -> Resolution:
    """Merge into the report's incident (`survivor`) every other candidate the report matches as
    strongly as MERGE when the two incidents also match each other: the report showed they are one."""
    merged: list[int] = []
    for other_id, match in others:
        if match.score < MERGE or other_id == survivor or _kept_apart(conn, survivor, other_id):
            continue
        mine = _live_material(conn, survivor)
        if mine is None or score(mine, candidates[other_id]).score < MATCH:
            continue
        keep, lose = min(survivor, other_id), max(survivor, other_id)
        try:
            merge(conn, keep, lose, row)
        except StaleIncident:
            continue  # merged elsewhere meanwhile: nothing left to fold in
        merged.append(lose)
        survivor = keep
    if not merged:
        return result
    return replace(result, incident_id=survivor, merged=tuple(merged))


def _live_material(conn: Conn, incident_id: int) -> Material | None:
    row = conn.execute("SELECT * FROM incidents WHERE id = %s AND merged_into IS NULL", (incident_id,)).fetchone()
    if row is None:
        return None
    return _material_of(row, _latest_sources(conn, [incident_id])[incident_id])


def _kept_apart(conn: Conn, a: int, b: int) -> bool:
    """Did a person split one of these incidents (or one merged into it since) out of the other? Then
    no report merges them again."""
    return conn.execute(
        """SELECT 1 FROM incident_history h
               JOIN incidents born ON born.id = h.incident_id
               JOIN incidents parent ON parent.id = h.split_from
           WHERE h.split_from IS NOT NULL
             AND ARRAY[COALESCE(born.merged_into, born.id), COALESCE(parent.merged_into, parent.id)]
                 <@ ARRAY[%s, %s]::bigint[]
             AND COALESCE(born.merged_into, born.id) <> COALESCE(parent.merged_into, parent.id)
           LIMIT 1""",
        (a, b)).fetchone() is not None


def merge(conn: Conn, survivor_id: int, loser_id: int, row: dict[str, Any] | None = None) -> int:
    """Fold incident `loser_id` into `survivor_id`; returns the survivor's new version.

    Both histories stay; the loser points to the survivor, its reports move over, and the survivor
    gets a 'merge' version with the combined figures (the newer figure of the two stands, the ranges
    are joined). Raises StaleIncident when either was merged meanwhile (checked under the row locks).
    """
    rows = {r["id"]: r for r in conn.execute(
        "SELECT * FROM incidents WHERE id = ANY(%s) ORDER BY id FOR UPDATE", ([survivor_id, loser_id],))}
    survivor, loser = rows[survivor_id], rows[loser_id]
    for incident in (loser, survivor):
        if incident["merged_into"]:
            raise StaleIncident(f"incident #{incident['id']} was already merged into #{incident['merged_into']}")
    claim = replace(Claim.from_incident(loser), category=survivor["category"], event_type=survivor["event_type"])
    outcome = apply(State.from_row(survivor), claim)
    signature = union_signatures(survivor["signature"], loser["signature"])
    keys = union_keys(survivor["match_keys"], loser["match_keys"])
    version = _save(conn, {**survivor, "signature": signature, "match_keys": keys}, outcome, row, None,
                    merged_from=loser_id, reason="merge")
    conn.execute("""UPDATE incidents SET first_reported_at = LEAST(first_reported_at, %s) WHERE id = %s""",
                 (loser["first_reported_at"], survivor_id))
    conn.execute("UPDATE incidents SET merged_into = %s, updated_at = now() WHERE id = %s OR merged_into = %s",
                 (survivor_id, loser_id, loser_id))
    conn.execute("UPDATE reports SET incident_id = %s WHERE incident_id = %s", (survivor_id, loser_id))
    conn.execute("SELECT pg_notify('incident_changed', %s)",
                 (f'{{"incident_id": {loser_id}, "merged_into": {survivor_id}}}',))
    return version
