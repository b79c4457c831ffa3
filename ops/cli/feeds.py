"""`newswatch feeds`: register and manage the feeds to watch. No network is used here."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

import click

from db.pool import connect
from feeds import registry
from feeds.opml import Outline, iter_opml, write_opml
from newswatch.errors import UserError
from ops.cli.base import echo_json


@click.group(name="feeds")
def group() -> None:
    """Add, list, pause and remove the feeds newswatch polls."""


def _describe(feed: dict[str, Any]) -> str:
    state = "paused" if feed["paused"] else (feed["last_status"] or "never polled")
    name = f" ({feed['name']})" if feed["name"] else ""
    return f"#{feed['id']:<5} {feed['url']}{name}  every {_interval(feed['interval_s'])}  {state}"


def _interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _public(feed: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in feed.items() if k not in ("etag", "last_modified")}
    out["interval"] = _interval(feed["interval_s"])
    return out


@group.command(name="add")
@click.argument("url")
@click.option("--name", help="A name to show instead of the URL.")
@click.option("--interval", help="How often to poll: 90s, 5m, 2h, 1d. Default: NEWSWATCH_DEFAULT_INTERVAL (5m).")
def add_command(url: str, name: str | None, interval: str | None) -> None:
    """Register the feed at URL (RSS or Atom). It is first polled by the next poller pass."""
    feed = registry.prepare(url, name)  # bad input is refused before the database is touched
    seconds = registry.parse_interval(interval)
    with connect() as conn:
        row = registry.add_feed(conn, feed, seconds)
        conn.commit()
    click.echo(f"added {_describe(row)}")


@group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_command(as_json: bool) -> None:
    """List every feed with its polling state."""
    with connect() as conn:
        feeds = registry.list_feeds(conn)
    if as_json:
        echo_json([_public(f) for f in feeds])
        return
    if not feeds:
        click.echo("no feeds (add one with `newswatch feeds add URL`)")
    for feed in feeds:
        click.echo(_describe(feed))


@group.command(name="show")
@click.argument("feed")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_command(feed: str, as_json: bool) -> None:
    """Show one feed (by id or URL): its state, errors and article counts."""
    with connect() as conn:
        row = registry.find_feed(conn, feed)
        stats = registry.feed_stats(conn, row["id"])
    if as_json:
        echo_json({**_public(row), "articles": stats})
        return
    click.echo(_describe(row))
    for label, key in (("last polled", "last_polled_at"), ("next poll", "next_poll_at"),
                       ("HTTP status", "last_http_status"), ("errors in a row", "error_count"),
                       ("last error", "last_error"), ("added", "created_at")):
        click.echo(f"  {label:<16} {row[key] if row[key] is not None else '-'}")
    counts = ", ".join(f"{n} {status}" for status, n in sorted(stats.items())) or "none yet"
    click.echo(f"  {'articles':<16} {counts}")


@group.command(name="remove")
@click.argument("feed")
def remove_command(feed: str) -> None:
    """Stop watching a feed (by id or URL). Its articles and incidents are kept."""
    with connect() as conn:
        row = registry.remove_feed(conn, feed)
        conn.commit()
    click.echo(f"removed #{row['id']} {row['url']}")


@group.command(name="pause")
@click.argument("feed")
def pause_command(feed: str) -> None:
    """Stop polling a feed (by id or URL) until it is resumed."""
    with connect() as conn:
        row = registry.set_paused(conn, feed, True)
        conn.commit()
    click.echo(f"paused {_describe(row)}")


@group.command(name="resume")
@click.argument("feed")
def resume_command(feed: str) -> None:
    """Poll a paused feed again, starting with the next pass."""
    with connect() as conn:
        row = registry.set_paused(conn, feed, False)
        conn.commit()
    click.echo(f"resumed {_describe(row)}")


@group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--interval", help="Poll interval for the imported feeds (default 5m).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid entries when some URLs are invalid.")
def import_command(file: str, interval: str | None, skip_invalid: bool) -> None:
    """Add every feed of an OPML file (- for stdin). Feeds already registered are left alone.

    The file is read as a stream and written in one transaction: any size, nothing written when it
    turns out not to be OPML or (without --skip-invalid) to hold an invalid URL.
    """
    seconds = registry.parse_interval(interval)
    with ExitStack() as stack:
        if file == "-":
            stream: BinaryIO = sys.stdin.buffer
        else:
            try:
                stream = stack.enter_context(Path(file).open("rb"))
            except OSError as exc:
                raise UserError(f"cannot read {file}: {exc.strerror}") from None
        conn = stack.enter_context(connect())
        try:
            counts = registry.import_feeds(conn, iter_opml(stream, source=file), seconds, skip_invalid)
        except OSError as exc:  # a read error midway (a file on a failing disk or a network mount)
            raise UserError(f"cannot read {file}: {exc.strerror or exc}") from None
        if not counts.listed:
            raise UserError(f"{file} lists no feeds (no <outline> with an xmlUrl)")
        conn.commit()
    for line in counts.skipped:
        click.echo(f"skipped {line}", err=True)
    click.echo(f"imported {counts.added} feeds, {counts.existing} already registered, {len(counts.skipped)} skipped")


@group.command(name="export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here, not stdout.")
def export_command(output: str | None) -> None:
    """Write every feed as OPML (to stdout, or --output FILE)."""
    with connect() as conn:
        feeds = registry.list_feeds(conn)
    text = write_opml([Outline(f["url"], f["name"]) for f in feeds])
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror}") from None
        click.echo(f"exported {len(feeds)} feeds to {output}", err=True)
    else:
        click.echo(text, nl=False)
