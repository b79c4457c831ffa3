"""Undo a wrong link or merge: move reports out of an incident into a new incident of their own.

`newswatch incidents split ID --report R ...` calls `split`. Both incidents' current figures are
recomputed from the reports each keeps, by the version rules (versions.replay): the reports are
replayed in the order they were resolved, the type and day are the ones most of their sources give,
as the resolver does. Nothing is deleted: the incident keeps its history (every quote stays), gets a
version with reason `split`, and the new incident's first version (reason `split`) names it in
`split_from`. A split pair is never merged again by a report (resolver._kept_apart).

A report moves with the other revisions of its article in the incident and with its syndicated
copies (the same text). The split takes the same locks as a resolver, in the same order (the
incident's retrieval keys, then its row), so a report resolved meanwhile sees one side or the other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import psycopg

from newswatch.errors import NotFound, UserError
from workers.resolution.material import Material, merged_signature, report_material, union_keys
from workers.resolution.resolver import (
    COPY_MIN_CHARS,
    REPORTS_WITH_TEXT,
    lock_keys,
    one_row,
    own_text,
    report_as_of,
)
from workers.resolution.store import VersionNote, insert_incident, update_incident, write_version
from workers.resolution.versions import HEADLINE, Claim, State, most_given, replay

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Split:
    """What a split did."""

    incident_id: int          # the incident the reports left
    version: int              # its version after the split
    new_incident_id: int      # the incident they moved to (at version 1)
    moved: tuple[int, ...]    # every report moved, the asked ones and those that go with them


def split(conn: Conn, incident_id: int, report_ids: list[int]) -> Split:
    """Move `report_ids` (and what goes with them) out of incident `incident_id` (following merges)
    into a new incident. Raises NotFound or UserError, changing nothing, for an unknown incident, a
    report not in it, or a split that would leave it no report."""
    with conn.transaction():
        live, keys = _live(conn, incident_id)
        lock_keys(conn, keys)
        incident = one_row(conn.execute("SELECT * FROM incidents WHERE id = %s FOR UPDATE", (live,)))
        if incident["merged_into"] is not None:  # merged between the read and the lock
            raise UserError(f"incident #{live} was merged into #{incident['merged_into']} meanwhile; try again")
        reports = conn.execute(
            REPORTS_WITH_TEXT + " WHERE r.incident_id = %(id)s ORDER BY r.resolved_at NULLS LAST, r.id FOR UPDATE OF r",
            {"id": live, "copy_min_chars": COPY_MIN_CHARS}).fetchall()
        reports = [{**r, "as_of": report_as_of(r)} for r in reports]
        moving = _moving(reports, report_ids, live)
        staying = [r for r in reports if r["id"] not in moving]
        if not staying:
            raise UserError(f"splitting out every report of incident #{live} would leave it empty; "
                            "leave at least one")
        leaving = [r for r in reports if r["id"] in moving]
        conn.execute("""UPDATE reports SET copy_of = NULL
                        WHERE id = ANY(%s) AND copy_of IS NOT NULL AND NOT (copy_of = ANY(%s))""",
                     (list(moving), list(moving)))
        conn.execute("UPDATE reports SET copy_of = NULL WHERE id = ANY(%s) AND copy_of = ANY(%s)",
                     ([r["id"] for r in staying], list(moving)))
        new_id = _create(conn, live, incident, leaving)
        conn.execute("UPDATE reports SET incident_id = %s WHERE id = ANY(%s)", (new_id, list(moving)))
        version = _recompute(conn, incident, staying)
        return Split(live, version, new_id, tuple(sorted(moving)))


def _live(conn: Conn, incident_id: int) -> tuple[int, list[str]]:
    """The live incident `incident_id` is (or was merged into), and its retrieval keys."""
    row = conn.execute(
        """SELECT live.id, live.match_keys FROM incidents i JOIN incidents live
               ON live.id = COALESCE(i.merged_into, i.id) WHERE i.id = %s""", (incident_id,)).fetchone()
    if row is None:
        raise NotFound(f"no incident #{incident_id} (see `newswatch incidents list`)")
    return int(row["id"]), list(row["match_keys"])


def _moving(reports: list[dict[str, Any]], asked: list[int], incident_id: int) -> set[int]:
    """The asked reports, the other revisions of their articles in the incident, and their copies."""
    by_id = {r["id"]: r for r in reports}
    missing = [r for r in asked if r not in by_id]
    if missing:
        raise UserError(f"report #{missing[0]} is not in incident #{incident_id} "
                        f"(see `newswatch incidents show {incident_id}`)")
    articles = {(by_id[r]["article_id"], by_id[r]["is_primary"]) for r in asked}
    moving = {r["id"] for r in reports if (r["article_id"], r["is_primary"]) in articles}
    while copies := {r["id"] for r in reports if r["copy_of"] in moving and r["id"] not in moving}:
        moving |= copies
    return moving


def _claims(reports: list[dict[str, Any]]) -> list[Claim]:
    """Each report's claim as the resolver made it: another incident an article mentions never sets
    a current figure; a copy speaks as of its original; type and day are those most sources give."""
    published = {r["id"]: r["published_at"] for r in reports}
    claims = [Claim.from_report(r).as_told(primary=r["is_primary"], original_published=published.get(r["copy_of"]))
              for r in reports]
    sources = {r["article_id"]: r for r in reports if r["is_primary"] and r["copy_of"] is None} or \
        {r["article_id"]: r for r in reports}
    event_type, category = most_given([(r["event_type"], r["category"]) for r in sources.values()])
    day = most_given([r["occurred_on"] for r in sources.values()])
    return [replace(c, event_type=event_type, category=category,
                    occurred_on=day if day is not None else c.occurred_on) for c in claims]


def _material(reports: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The signature and retrieval keys of an incident made of these reports."""
    signature: dict[str, Any] = {}
    keys: list[str] = []
    for r in reports:
        material: Material = report_material(r, *own_text(r))
        signature = merged_signature(signature, material)
        keys = union_keys(keys, list(material.keys))
    return signature, keys


def _first_reported(reports: list[dict[str, Any]]) -> Any:
    return min((r["published_at"] for r in reports if r["published_at"] is not None), default=None)


def _create(conn: Conn, parent_id: int, parent: dict[str, Any], reports: list[dict[str, Any]]) -> int:
    state = replay(_claims(reports))
    signature, keys = _material(reports)
    historical = bool(parent["historical"]) and all(r["historical"] for r in reports)
    row = insert_incident(conn, state, historical=historical, signature=signature, keys=keys,
                          first_reported_at=_first_reported(reports))
    first = reports[0]
    changed = tuple(f for f in HEADLINE if getattr(state, f) is not None)
    write_version(conn, row["id"], 1, state, VersionNote("split", changed, first["id"], first["article_id"],
                                                         split_from=parent_id))
    return int(row["id"])


def _recompute(conn: Conn, incident: dict[str, Any], reports: list[dict[str, Any]]) -> int:
    """The incident from the reports it keeps: a `split` version with what changed."""
    old = State.from_row(incident)
    state = replay(_claims(reports))
    signature, keys = _material(reports)
    version = incident["version"] + 1
    update_incident(conn, incident["id"], state, version=version, signature=signature, keys=keys,
                    reported_at=None, touched=True)
    conn.execute("UPDATE incidents SET first_reported_at = COALESCE(%s, first_reported_at) WHERE id = %s",
                 (_first_reported(reports), incident["id"]))
    changed = tuple(f for f in HEADLINE if getattr(state, f) != getattr(old, f))
    write_version(conn, incident["id"], version, state, VersionNote("split", changed))
    return version
