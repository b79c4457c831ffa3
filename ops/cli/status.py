"""`newswatch status`: placeholder until its issue lands."""

import click


@click.command(name="status")
def command() -> None:
    """(status: not built yet)"""
