"""The long-running commands: `newswatch poller`, `newswatch worker`, `newswatch up`."""

import click

from ops.cli import poller, up, worker

commands: list[click.Command] = [poller.command, worker.command, up.command]
