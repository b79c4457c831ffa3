"""`newswatch articles`: placeholder until its issue lands."""

import click


@click.group(name="articles")
def group() -> None:
    """(articles: not built yet)"""
