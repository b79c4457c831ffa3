"""`newswatch poller`: placeholder until its issue lands."""

import click


@click.command(name="poller")
def command() -> None:
    """(poller: not built yet)"""
