"""The long-running commands: `newswatch poller`, `newswatch worker`, `newswatch up`."""

import click

commands: list[click.Command] = []
