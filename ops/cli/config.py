"""`newswatch config`: every setting, its value here and its default (secrets masked)."""

from __future__ import annotations

import re
from dataclasses import fields

import click

from newswatch.settings import Settings, get_settings
from ops.cli.base import echo_json

_PASSWORD = re.compile(r"(//[^:/@]*:)[^@]*@")


def mask(value: object) -> object:
    """Hide the password in a URL such as postgresql://user:secret@host/db."""
    return _PASSWORD.sub(r"\1***@", value) if isinstance(value, str) else value


def _shown(value: object, secret: bool) -> object:
    if secret and value is not None:
        return "***"
    return mask(value)


@click.command(name="config")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(as_json: bool) -> None:
    """Show every setting (from the environment), its value and its default."""
    settings = get_settings()
    rows = [(f.metadata["env"], _shown(getattr(settings, f.name), f.metadata["secret"]), f.default,
             f.metadata["doc"]) for f in fields(Settings)]
    if as_json:
        echo_json({env: value for env, value, _, _ in rows})
        return
    for env, value, default, doc in rows:
        marker = "" if value == default else "   (set)"
        click.echo(f"{env} = {value}{marker}\n    {doc} Default: {default}")
