"""`newswatch worker`: placeholder until its issue lands."""

import click


@click.command(name="worker")
def command() -> None:
    """(worker: not built yet)"""
