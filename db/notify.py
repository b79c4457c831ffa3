"""The `incident_changed` channel, and what a listener may believe of a message on it.

Messages: `{"incident_id", "version", "reason"}` for each new version (a trigger on
incident_history, delivered at commit), and `{"incident_id", "merged_into"}` when an incident is
merged into another.

PostgreSQL checks no privilege for NOTIFY: any role connected to the database, the read-only
`newswatch_reader` included, can send any message on any channel. So a listener takes a message
as a hint and keeps only what `confirm` finds in the `incident_versions` view (readable by the
reader role too); a forged or garbled message changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

CHANNEL = "incident_changed"


@dataclass(frozen=True)
class IncidentChange:
    incident_id: int
    version: int | None = None      # a new version ...
    reason: str | None = None
    merged_into: int | None = None  # ... or a merge into another incident


def parse(payload: str) -> IncidentChange | None:
    """The change a payload announces; None for anything else."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or not _is_id(data.get("incident_id")):
        return None
    if _is_id(data.get("merged_into")):
        return IncidentChange(data["incident_id"], merged_into=data["merged_into"])
    if _is_id(data.get("version")) and isinstance(data.get("reason"), str):
        return IncidentChange(data["incident_id"], data["version"], data["reason"])
    return None


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def confirm(conn: psycopg.Connection[Any], payloads: Iterable[str]) -> list[IncidentChange]:
    """The announced changes that the database holds, in the order heard (forged ones dropped)."""
    changes = [c for c in map(parse, payloads) if c is not None]
    if not changes:
        return []
    versions = [c for c in changes if c.merged_into is None]
    merges = [c for c in changes if c.merged_into is not None]
    rows = conn.execute(
        """SELECT incident_id, version, reason, NULL::bigint AS merged_from FROM incident_versions
           WHERE (incident_id, version) IN (SELECT * FROM unnest(%s::bigint[], %s::int[]))
           UNION ALL
           SELECT incident_id, NULL, NULL, merged_from FROM incident_versions
           WHERE (incident_id, merged_from) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))""",
        ([c.incident_id for c in versions], [c.version for c in versions],
         [c.merged_into for c in merges], [c.incident_id for c in merges])).fetchall()
    known = set()
    for row in rows:
        values = row.values() if isinstance(row, dict) else row
        incident_id, version, reason, merged_from = values
        if merged_from is None:
            known.add(IncidentChange(incident_id, version, reason))
        else:
            known.add(IncidentChange(merged_from, merged_into=incident_id))
    return [c for c in changes if c in known]
