"""The `newswatch` command: one group per noun, each in its own module.

Every command module imports its heavy dependencies (spaCy, Celery, trafilatura) inside the
command function, so `newswatch --help` and the admin commands start fast.
"""

from __future__ import annotations

import click

from ops.cli import articles, config, db, extract, feeds, incidents, poller, status, up, web, worker
from ops.cli.base import run_main
from ops.embedded import apply_running_services


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="newswatch", prog_name="newswatch")
def cli() -> None:
    """newswatch: watch news feeds and keep a live, versioned register of incidents.

    Feeds are polled, their articles cleaned and read for incidents (attacks, accidents,
    disasters): what happened, where, when, how many were killed and injured, who did it.
    Later reports update the same incident as new versions.

    Configuration comes from the environment (DATABASE_URL, REDIS_URL, NEWSWATCH_*);
    see `newswatch config`.
    """


for command in (
    db.group,
    feeds.group,
    incidents.group,
    articles.group,
    status.command,
    config.command,
    extract.command,
    poller.command,  # the long-running commands
    worker.command,
    up.command,
    web.command,
):
    cli.add_command(command)


def main() -> None:
    apply_running_services()  # reach the embedded database of a running `newswatch up`
    run_main(cli)
