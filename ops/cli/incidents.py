"""`newswatch incidents`: placeholder until its issue lands."""

import click


@click.group(name="incidents")
def group() -> None:
    """(incidents: not built yet)"""
