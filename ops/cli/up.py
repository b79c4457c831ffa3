"""`newswatch up`: placeholder until its issue lands."""

import click


@click.command(name="up")
def command() -> None:
    """(up: not built yet)"""
