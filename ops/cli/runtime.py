"""The long-running commands: `newswatch poller`, `newswatch worker`, `newswatch web`, `newswatch up`."""

import click

from ops.cli import poller, up, web, worker

commands: list[click.Command] = [poller.command, worker.command, up.command, web.command]
