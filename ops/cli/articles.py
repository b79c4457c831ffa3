"""`newswatch articles`: the articles that could not be processed, and a way to try them again."""

from __future__ import annotations

import logging
from typing import Any

import click

from db.pool import connect
from newswatch.errors import NotFound, UserError
from ops.cli.base import echo_json

log = logging.getLogger(__name__)

_FAILED = """
SELECT id, url, title, feed_id, published_at, revision, attempts, failure_reason, updated_at
FROM articles WHERE status = 'failed' ORDER BY updated_at DESC, id DESC LIMIT %s
"""

# An article with text goes back to extraction; one whose page never came back to fetching.
_RETRY = """
UPDATE articles
SET status = CASE WHEN revision > 0 THEN 'pending' ELSE 'new' END,
    failure_reason = NULL, attempts = 0, next_attempt_at = now(),
    enqueued_at = CASE WHEN revision > 0 THEN now() ELSE enqueued_at END, updated_at = now()
WHERE id = ANY(%s) AND status = 'failed'
RETURNING id, status, revision
"""


@click.group(name="articles")
def group() -> None:
    """Articles that could not be fetched or read, and retrying them."""


@group.command(name="failed")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def failed_command(limit: int, as_json: bool) -> None:
    """List failed articles, newest first, with the reason they failed."""
    with connect() as conn:
        rows = conn.execute(_FAILED, (limit,)).fetchall()
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no failed articles")
        return
    for row in rows:
        click.echo(f"#{row['id']:<7} {row['url']}")
        click.echo(f"         {row['failure_reason'] or 'no reason recorded'} "
                   f"(after {row['attempts']} attempts, {row['updated_at']:%Y-%m-%d %H:%M})")


@group.command(name="retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Retry every failed article.")
def retry_command(ids: tuple[int, ...], retry_all: bool) -> None:
    """Try failed articles again (by id, or --all): fetched again if they have no text, else read again."""
    if not ids and not retry_all:
        raise UserError("give the ids of failed articles to retry, or --all (see `newswatch articles failed`)")
    if ids and retry_all:
        raise UserError("give ids or --all, not both")
    with connect() as conn:
        if retry_all:
            wanted = [r["id"] for r in conn.execute("SELECT id FROM articles WHERE status = 'failed'")]
        else:
            wanted = list(dict.fromkeys(ids))
            _check_all_failed(conn, wanted)
        rows = conn.execute(_RETRY, (wanted,)).fetchall()
        conn.commit()
    # Enqueue only after the commit: a worker must find the row already pending.
    to_extract = [(row["id"], row["revision"]) for row in rows if row["status"] == "pending"]
    queued = _enqueue(to_extract)
    refetch = len(rows) - len(to_extract)
    click.echo(f"retrying {len(rows)} articles: {len(to_extract)} to extract again, {refetch} to fetch again")
    if queued < len(to_extract):
        click.echo("the queue was not reachable; the pending sweep will enqueue the rest", err=True)


def _check_all_failed(conn: Any, ids: list[int]) -> None:
    found = {r["id"]: r["status"] for r in conn.execute("SELECT id, status FROM articles WHERE id = ANY(%s)", (ids,))}
    for article_id in ids:
        if article_id not in found:
            raise NotFound(f"no article #{article_id}")
        if found[article_id] != "failed":
            raise UserError(f"article #{article_id} has not failed (it is {found[article_id]})")


def _enqueue(articles: list[tuple[int, int]]) -> int:
    """Send `extract.article(article_id, revision)` for each; returns how many were sent."""
    if not articles:
        return 0
    from workers.app import send_extract

    sent = 0
    for article_id, revision in articles:
        try:
            send_extract(article_id, revision)
        except Exception as exc:  # broker down: the rows are pending, the sweep re-sends them
            log.warning("could not enqueue article %s: %s", article_id, exc)
            break
        sent += 1
    return sent
