"""`newswatch incidents`: the register of incidents, each with its versions and sources.

Reads the consumers' views (incidents_current, incident_versions, incident_articles), so what the
CLI shows is what a dashboard reading the views shows.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click

from db.pool import connect
from newswatch.errors import NotFound, UserError
from newswatch.settings import parse_duration
from ops.cli.base import echo_json

_LIST = """
SELECT * FROM {source}
WHERE (%(since)s::timestamptz IS NULL OR updated_at >= %(since)s OR first_reported_at >= %(since)s)
  AND (%(country)s::text IS NULL OR country_code = %(country)s)
ORDER BY updated_at DESC, incident_id DESC
LIMIT %(limit)s
"""


@click.group(name="incidents")
def group() -> None:
    """The incidents found so far: current figures, every version, every source."""


def parse_since(text: str | None, now: datetime | None = None, option: str = "--since") -> datetime | None:
    """'2d' (that long ago), '2026-03-03' or an ISO timestamp; None for no limit."""
    if text is None:
        return None
    now = now or datetime.now(UTC)
    try:
        return now - timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} {text!r}: give a duration like 6h or 2d, or a date like 2026-03-03") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_country(text: str | None) -> str | None:
    if text is None:
        return None
    if not re.fullmatch(r"[A-Za-z]{2}", text.strip()):
        raise UserError(f"--country {text!r}: give a two-letter ISO 3166-1 code like GB or AF")
    return text.strip().upper()


@group.command(name="list")
@click.option("--since", help="Only incidents reported or changed since then: 6h, 2d, or a date 2026-03-03.")
@click.option("--country", help="Only incidents in this country (ISO 3166-1 alpha-2, e.g. GB).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Show at most this many.")
@click.option("--as-of", "as_of", help="As known then (a time like 2026-11-29T18:00Z, a date, or 6h for 6 hours ago): "
              "each incident at its version then, later ones absent.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of incidents_current rows.")
def list_command(since: str | None, country: str | None, limit: int, as_of: str | None, as_json: bool) -> None:
    """List live incidents, most recently changed first."""
    moment = parse_since(as_of, option="--as-of")
    params = {"since": parse_since(since), "country": parse_country(country), "limit": limit, "as_of": moment}
    source = "incidents_as_of(%(as_of)s)" if moment else "incidents_current"
    with connect() as conn:
        rows = conn.execute(_LIST.format(source=source), params).fetchall()
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no incidents")
        return
    for row in rows:
        click.echo(_headline(row))
        click.echo(f"         {_figures(row)}  ({_sources(row)}, updated {_when(row['updated_at'])})")


@group.command(name="show")
@click.argument("incident_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: incident, versions, sources.")
def show_command(incident_id: int, as_json: bool) -> None:
    """Show one incident: current figures, its history with reasons and quotes, and its sources.

    An incident merged into another is shown as the one it was merged into.
    """
    with connect() as conn:
        detail = load_incident(conn, incident_id)
    if as_json:
        echo_json(detail)
        return
    incident = detail["incident"]
    if detail["requested_id"] != incident["incident_id"]:
        click.echo(f"(#{detail['requested_id']} was merged into #{incident['incident_id']})")
    click.echo(_headline(incident))
    click.echo(f"  {_figures(incident, ranges=True)}")
    click.echo(f"  first reported {_when(incident['first_reported_at'])}, updated "
               f"{_when(incident['updated_at'])}, {_sources(incident)}")
    if detail["merged_from"]:
        click.echo(f"  merged from {', '.join(f'#{i}' for i in detail['merged_from'])}")
    click.echo("history:")
    for v in detail["versions"]:
        fields = f" [{', '.join(v['changed_fields'])}]" if v["changed_fields"] else ""
        click.echo(f"  v{v['version']:<3} {_when(v['valid_from'])}  {v['reason']}{fields}  {_figures(v)}")
        if v["quote"]:
            click.echo(f"        \u201c{v['quote']}\u201d")
        if v["article_url"]:
            click.echo(f"        {v['article_url']}")
    click.echo("sources:")
    for s in detail["sources"]:
        copy = f"  (syndicated copy of report {s['copy_of_report']})" if s["copy_of_report"] else ""
        click.echo(f"  {_when(s['published_at'])}  {s['article_url']}  {_figures(s)}{copy}")


def load_incident(conn: Any, incident_id: int) -> dict[str, Any]:
    """The incident (following merges), its versions and its sources, as plain rows."""
    # A merge repoints everything that pointed at the merged incident, so merged_into is always live.
    row = conn.execute("SELECT COALESCE(merged_into, id) AS live FROM incidents WHERE id = %s",
                       (incident_id,)).fetchone()
    if row is None:
        raise NotFound(f"no incident #{incident_id} (see `newswatch incidents list`)")
    live = row["live"]
    incident = conn.execute("SELECT * FROM incidents_current WHERE incident_id = %s", (live,)).fetchone()
    if incident is None:
        raise NotFound(f"incident #{incident_id} points to #{live}, which is not live")
    versions = conn.execute("SELECT * FROM incident_versions WHERE incident_id = %s ORDER BY version",
                            (live,)).fetchall()
    sources = conn.execute("SELECT * FROM incident_articles WHERE incident_id = %s ORDER BY published_at, "
                           "article_id", (live,)).fetchall()
    merged_from = [r["id"] for r in conn.execute(
        "SELECT id FROM incidents WHERE merged_into = %s ORDER BY id", (live,))]
    return {"requested_id": incident_id, "incident": incident, "versions": versions,
            "sources": sources, "merged_from": merged_from}


@group.command(name="merge")
@click.argument("first", type=int)
@click.argument("second", type=int)
def merge_command(first: int, second: int) -> None:
    """Merge two incidents that are one event: the older id survives, both histories are kept."""
    from workers.resolution.resolver import merge

    if first == second:
        raise UserError("give two different incident ids")
    with connect() as conn:
        rows = conn.execute("SELECT id, merged_into FROM incidents WHERE id = ANY(%s)",
                            ([first, second],)).fetchall()
        found = {r["id"]: r for r in rows}
        for wanted in (first, second):
            if wanted not in found:
                raise NotFound(f"no incident #{wanted}")
            if found[wanted]["merged_into"] is not None:
                raise UserError(f"incident #{wanted} was already merged into #{found[wanted]['merged_into']}")
        survivor, loser = min(first, second), max(first, second)
        version = merge(conn, survivor, loser)
        conn.commit()
    click.echo(f"merged #{loser} into #{survivor} (now version {version})")


@group.command(name="split")
@click.argument("incident_id", type=int)
@click.option("--report", "report_ids", type=int, multiple=True, required=True, metavar="REPORT_ID",
              help="A report to move out (repeat for several; ids as `incidents show` lists them).")
def split_command(incident_id: int, report_ids: tuple[int, ...]) -> None:
    """Move reports wrongly linked to an incident into a new incident of their own.

    Both incidents' figures are recomputed from the reports each keeps; both histories are kept
    (reason `split`), and no later report merges the two again. Another revision of a moved
    article and its syndicated copies move with it.
    """
    from workers.resolution.split import split

    with connect() as conn:
        done = split(conn, incident_id, list(dict.fromkeys(report_ids)))
    moved = ", ".join(f"#{r}" for r in done.moved)
    click.echo(f"moved report{'s' if len(done.moved) != 1 else ''} {moved} out of #{done.incident_id} "
               f"(now version {done.version}) into new incident #{done.new_incident_id}")


def _headline(row: dict[str, Any]) -> str:
    place = ", ".join(p for p in (row.get("location"), row.get("country_code")) if p) or "place unknown"
    day = row["occurred_on"].isoformat() if row.get("occurred_on") else "date unknown"
    return (f"#{row['incident_id']:<6} {row['category']}/{row['event_type']}  {place}  {day}  "
            f"v{row['version']}")


def _figure(row: dict[str, Any], name: str, ranges: bool) -> str:
    value = row.get(name)
    if value is None:
        return f"{name} ?"
    # Qualifiers are stored as codes ("at_least", "more_than"); shown as words.
    qualifier = f"{row[f'{name}_qualifier'].replace('_', ' ')} " if row.get(f"{name}_qualifier") else ""
    text = f"{name} {qualifier}{value}"
    low, high = row.get(f"{name}_min"), row.get(f"{name}_max")
    if ranges and low is not None and high is not None and low != high:
        text += f" (seen {low}-{high})"
    return text


def _figures(row: dict[str, Any], ranges: bool = False) -> str:
    parts = [_figure(row, "killed", ranges), _figure(row, "injured", ranges)]
    if row.get("claimed_by"):
        parts.append(f"claimed by {row['claimed_by']}")
    elif row.get("perpetrator"):
        parts.append(f"by {row['perpetrator']}")
    return "  ".join(parts)


def _sources(row: dict[str, Any]) -> str:
    reports, sources = row.get("report_count") or 0, row.get("source_count")
    if sources is not None and sources != reports:
        return f"{reports} articles from {sources} sources"
    return f"{reports} article{'s' if reports != 1 else ''}"


def _when(moment: datetime | date | None) -> str:
    if moment is None:
        return "?"
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()
