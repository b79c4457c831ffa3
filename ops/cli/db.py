"""`newswatch db`: schema migrations."""

from __future__ import annotations

import click

from db import migrate as migrations
from db.pool import connect


@click.group(name="db")
def group() -> None:
    """Create and upgrade the database schema."""


@group.command(name="migrate")
def migrate_command() -> None:
    """Apply pending migrations and re-apply the views.

    Safe to run at any time and from several processes at once: it takes an advisory lock,
    applies each migration in its own transaction, and does nothing when all are applied.
    """
    with connect(autocommit=True) as conn:
        done = migrations.migrate(conn)
    if done:
        for m in done:
            click.echo(f"applied {m.number:04d}_{m.name}")
    else:
        click.echo("schema up to date")


@group.command(name="status")
def status_command() -> None:
    """List applied and pending migrations."""
    with connect(autocommit=True) as conn:
        rows = migrations.status(conn)
    pending = 0
    for m, applied_at in rows:
        if applied_at is None:
            pending += 1
            click.echo(f"{m.number:04d}_{m.name:<32} pending")
        else:
            click.echo(f"{m.number:04d}_{m.name:<32} applied {applied_at:%Y-%m-%d %H:%M:%S%z}")
    click.echo(f"{len(rows) - pending} applied, {pending} pending")
