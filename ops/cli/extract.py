"""`newswatch extract`: placeholder until its issue lands."""

import click


@click.command(name="extract")
def command() -> None:
    """(extract: not built yet)"""
