"""`newswatch poller`: poll due feeds, fetch and clean their articles, enqueue them for extraction."""

from __future__ import annotations

import asyncio
import logging
import signal

import click


@click.command(name="poller")
@click.option("--once", is_flag=True, help="One pass over the due feeds and their pages, then exit (cron, tests).")
@click.option("--all", "all_feeds", is_flag=True, help="With --once: poll every active feed now, due or not.")
def command(once: bool, all_feeds: bool) -> None:
    """Poll feeds until stopped (SIGTERM or Ctrl-C finishes the work in hand, then exits).

    Any number of pollers may run, on any number of machines: each claims due feeds in
    PostgreSQL, so no feed is polled twice at once. New articles are stored, then sent to the
    `extract` queue (Redis). Every few minutes it also re-sends work that Redis lost.
    """
    if all_feeds and not once:
        raise click.UsageError("--all only goes with --once")
    from feeds.poller import Poller
    from newswatch.settings import get_settings
    from workers.app import send_extract, send_resolve

    settings = get_settings()
    if not logging.getLogger().handlers:
        from newswatch.logging import configure_logging  # JSON when asked, secrets masked

        configure_logging(settings)
    if not once:
        from db.pool import connect
        from newswatch import metrics

        metrics.serve(settings.metrics_port, address=settings.metrics_addr, extra=[metrics.DatabaseGauges(connect)])
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns everything else

    poller = Poller(settings, send_extract, send_resolve)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, poller.stop)
        if once:
            stats = await poller.run_once(all_feeds=all_feeds)
            click.echo(stats.line())
            await poller.run_sweep()  # cron-driven deployments have no long-running poller to sweep
        else:
            await poller.run_forever()

    asyncio.run(main())
