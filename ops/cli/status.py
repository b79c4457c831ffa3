"""`newswatch status`: how much there is and how much work is left, from Postgres alone."""

from __future__ import annotations

from typing import Any

import click

from db.pool import connect
from ops.cli.base import echo_json

# Every article status, so a consumer always finds each key (0 included): work not yet finished is
# new (page not fetched), pending (not extracted) and extracted (not resolved).
ARTICLE_STATUSES = ("new", "pending", "extracted", "resolved", "no_incident", "failed")

_COUNTS = """
SELECT (SELECT count(*) FROM feeds) AS feeds,
       (SELECT count(*) FROM feeds WHERE paused) AS feeds_paused,
       (SELECT count(*) FROM reports) AS reports,
       (SELECT count(*) FROM reports WHERE resolved_at IS NULL) AS reports_unresolved,
       (SELECT count(*) FROM incidents WHERE merged_into IS NULL) AS incidents,
       (SELECT count(*) FROM incidents WHERE merged_into IS NOT NULL) AS incidents_merged
"""


def collect(conn: Any) -> dict[str, Any]:
    counts = conn.execute(_COUNTS).fetchone()
    articles = dict.fromkeys(ARTICLE_STATUSES, 0)
    for row in conn.execute("SELECT status, count(*) AS n FROM articles GROUP BY status"):
        articles[row["status"]] = row["n"]
    return {"feeds": counts["feeds"], "articles": articles, "reports": counts["reports"],
            "incidents": counts["incidents"], "feeds_paused": counts["feeds_paused"],
            "reports_unresolved": counts["reports_unresolved"],
            "incidents_merged": counts["incidents_merged"]}


@click.command(name="status")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"feeds", "articles": {status: n}, "reports", "incidents", ...} as JSON.')
def command(as_json: bool) -> None:
    """Counts of feeds, articles by status, reports and incidents."""
    with connect() as conn:
        status = collect(conn)
    if as_json:
        echo_json(status)
        return
    articles = status["articles"]
    click.echo(f"feeds:     {status['feeds']} ({status['feeds_paused']} paused)")
    click.echo(f"articles:  {sum(articles.values())} "
               f"({', '.join(f'{name} {n}' for name, n in articles.items())})")
    click.echo(f"reports:   {status['reports']} ({status['reports_unresolved']} not resolved yet)")
    click.echo(f"incidents: {status['incidents']} ({status['incidents_merged']} merged into others)")
