"""Benchmark the poller on unchanged feeds: `python -m ops.bench.poll [--feeds 1000]`.

Starts its own HTTP server (a child process, so its CPU is not counted) serving N feeds spread over
many loopback addresses (127.0.0.2, 127.0.0.3, ...: separate hosts for the per-host cap), each
answering a conditional request with 304. Registers the feeds in a throwaway database, runs one
warm-up pass (200s: the poller learns every ETag), then timed `--once --all` passes that get only
304s, and prints polls per second, the poller's CPU seconds per 1,000 polls (user + system of this
process, database client work included, Postgres and the server excluded) and statements sent to
Postgres per poll. Needs DATABASE_URL's server to allow CREATE DATABASE (or TEST_PG_ADMIN_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import resource
import sys
import time
from typing import Any

import psycopg

from ops.ports import free_port

FEED = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>bench feed {n}</title>'
        "<link>http://bench.invalid/</link><description>unchanged</description></channel></rss>")


# -- the server (child process) ---------------------------------------------------------------------

async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
            body = FEED.format(n=path).encode()
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if headers.get("if-none-match") == etag:
                writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode())
            else:
                writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\n"
                             f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, IndexError):
        pass
    finally:
        writer.close()


def _serve(hosts: list[str], port: int, ready: Any) -> None:
    async def main() -> None:
        server = await asyncio.start_server(_handle, host=hosts, port=port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())




# -- the benchmark ----------------------------------------------------------------------------------

def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Poller throughput on unchanged (304) feeds.")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=100, help="loopback addresses the feeds are spread over")
    parser.add_argument("--passes", type=int, default=3, help="timed passes after the warm-up")
    parser.add_argument("--concurrency", type=int, default=None, help="NEWSWATCH_POLL_CONCURRENCY for the run")
    parser.add_argument("--batch", type=int, default=200, help="feeds claimed and written per statement")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the throwaway database")
    args = parser.parse_args(argv)

    admin_url = os.environ.get("TEST_PG_ADMIN_URL") or os.environ.get(
        "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"newswatch_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    os.environ["DATABASE_URL"] = url
    os.environ["NEWSWATCH_ALLOW_PRIVATE_NETWORKS"] = "1"
    if args.concurrency:
        os.environ["NEWSWATCH_POLL_CONCURRENCY"] = str(args.concurrency)

    hosts = [f"127.0.0.{2 + i}" for i in range(min(args.hosts, 250))]
    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(hosts, port, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(10):
            print("the benchmark server did not start", file=sys.stderr)
            return 1
        return _run(url, hosts, port, args)
    finally:
        server.terminate()
        server.join(5)
        from db.pool import close_pool

        close_pool()
        if not args.keep_db:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class CountingCursor(psycopg.Cursor[Any]):
    """Counts the statements the poller sends (queries per poll)."""

    executed = 0  # a figure, not an invariant: a lost increment between threads does not matter

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        CountingCursor.executed += 1
        return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        CountingCursor.executed += 1
        return super().executemany(*args, **kwargs)


def _count_statements(conn: psycopg.Connection[Any]) -> None:
    conn.cursor_factory = CountingCursor


def _run(url: str, hosts: list[str], port: int, args: argparse.Namespace) -> int:
    from psycopg.rows import dict_row

    from db.migrate import migrate
    from db.pool import configure_new_connections
    from feeds.poller import Poller
    from newswatch.settings import get_settings, reset_settings

    reset_settings()
    settings = get_settings()
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        migrate(conn)
        urls = [f"http://{hosts[i % len(hosts)]}:{port}/feeds/{i}.xml" for i in range(args.feeds)]
        conn.execute("INSERT INTO feeds (url, url_key, interval_s) SELECT u, u, 300 FROM unnest(%s::text[]) u",
                     (urls,))
    configure_new_connections(_count_statements)
    poller = Poller(settings, lambda *_: None, batch_size=args.batch)
    print(f"{args.feeds} feeds on {len(hosts)} hosts, poll concurrency {settings.poll_concurrency}, "
          f"{settings.per_host_concurrency} per host, batches of {args.batch}")

    def one_pass(label: str) -> None:
        cpu, wall, sent = _cpu(), time.perf_counter(), CountingCursor.executed
        stats = asyncio.run(poller.run_once(all_feeds=True))
        wall, cpu, sent = time.perf_counter() - wall, _cpu() - cpu, CountingCursor.executed - sent
        polls = max(stats.polled, 1)
        print(f"{label:<8} {stats.polled} polls ({stats.not_modified} x 304, {stats.failed} failed) in {wall:.2f}s: "
              f"{stats.polled / wall:,.0f} polls/s, {1000 * cpu / polls:.2f} CPU s per 1,000 polls, "
              f"{sent / polls:.3f} statements per poll")

    one_pass("warm-up")
    for n in range(args.passes):
        one_pass(f"pass {n + 1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
