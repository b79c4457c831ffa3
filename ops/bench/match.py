"""Matching one report against a large register: candidate search and scoring, timed.

    python -m ops.bench.match [--incidents 100000] [--reports 300] [--keep-db]

Fills a throwaway database with synthetic incidents (three years, a few hundred cities with a
skewed share, many per city, invented people and streets as their retrieval keys), then resolves
the matching part (candidate query + scoring, as the resolver runs it, no writes) of `--reports`
reports about cities and people of the register. Prints p50/p95/max in ms, the same with the
planner forbidden to use indexes (the baseline: what a table scan costs, measured in this run), and
the query plan. Each incident has `--sources` reports (an article each) with a MinHash and the
names and places they named, so an incident is compared source by source as on the real register
(the MinHashes are random: no report here is a copy of another).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ops.bench.linking import throwaway_database

START = date(2023, 1, 1)
DAYS = 3 * 365
_SYLLABLES = ["an", "ba", "cor", "da", "el", "fi", "gor", "ha", "is", "jo", "ka", "li", "mo", "na", "or",
              "pe", "ra", "sa", "ti", "ul", "va", "wen", "ya", "zo"]


def _word(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts))


def fill(conn: Any, n: int, rng: random.Random) -> list[tuple[str, list[str], date]]:
    """Insert `n` incidents; returns (city, keys, day) of each for making reports about them."""
    cities = [_word(rng, 3) for _ in range(400)]
    weights = [1 / (rank + 1) for rank in range(len(cities))]  # a few big cities hold most incidents
    made = []
    with conn.cursor().copy(
            "COPY incidents (category, event_type, location, country_code, occurred_on, killed, "
            "signature, match_keys, first_reported_at) FROM STDIN") as copy:
        for _ in range(n):
            city = rng.choices(cities, weights)[0]
            people = [f"{_word(rng)} {_word(rng, 3)}" for _ in range(rng.randint(1, 3))]
            street = f"{_word(rng)} street"
            keys = [city, street, *people]
            day = START + timedelta(days=rng.randrange(DAYS))
            copy.write_row(("attack", "shooting", city.title(), "US", day, rng.randint(0, 3),
                            Jsonb({"places": [city], "names": [street, *people]}), keys,
                            datetime.combine(day, datetime.min.time(), UTC)))
            made.append((city, keys, day))
    return made


def fill_sources(conn: Any, made: list[tuple[str, list[str], date]], per_incident: int, rng: random.Random) -> None:
    """`per_incident` resolved reports for each incident (ids 1..n, as a fresh database numbers them)."""
    if per_incident <= 0:
        return
    sketches = [[rng.getrandbits(20) for _ in range(128)] for _ in range(500)]
    with conn.cursor().copy("COPY articles (id, url, url_key, revision, status) FROM STDIN") as copy:
        for n in range(len(made) * per_incident):
            copy.write_row((n + 1, f"http://bench.test/{n}", f"bench.test/{n}", 1, "resolved"))
    with conn.cursor().copy(
            "COPY reports (article_id, revision, category, event_type, location, country_code, facts, "
            "incident_id, resolved_at, resolution, text_minhash, match_names, match_places, published_at) "
            "FROM STDIN") as copy:
        for incident, (city, keys, day) in enumerate(made, start=1):
            when = datetime.combine(day, datetime.min.time(), UTC)
            for k in range(per_incident):
                names = [*keys, *(_word(rng) for _ in range(20))]
                copy.write_row(((incident - 1) * per_incident + k + 1, 1, "attack", "shooting", city.title(), "US",
                                Jsonb({}), incident, when, "linked", rng.choice(sketches), names, [city], when))


def report_about(city: str, keys: list[str], day: date, rng: random.Random) -> dict[str, Any]:
    """A report naming the city and some of an incident's people, a few days later."""
    names = " and ".join(k.title() for k in keys[2:])
    text = (f"Police in {city.title()} named the victims of the shooting on {keys[1].title()} as {names}. "
            "Detectives asked witnesses to come forward.")
    published = datetime.combine(day + timedelta(days=rng.randint(0, 3)), datetime.min.time(), UTC)
    return {"article_id": 0, "category": "attack", "event_type": "shooting", "location": city.title(),
            "country_code": "US", "occurred_on": None, "killed": 1, "injured": None, "published_at": published,
            "facts": {}, "title": f"Victims named in {city.title()} shooting", "text": text}


def time_matches(conn: Any, reports: list[dict[str, Any]]) -> list[float]:
    from workers.resolution.matching import ranked
    from workers.resolution.material import report_material
    from workers.resolution.resolver import _candidates

    spent = []
    for row in reports:
        started = time.perf_counter()
        with conn.transaction():
            material = report_material(row, row["title"], row["text"])
            ranked(material, _candidates(conn, material))
        spent.append(1000 * (time.perf_counter() - started))
    return spent


def summary(label: str, ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"{label}: p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--baseline-reports", type=int, default=20, help="reports timed without indexes")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--sources", type=int, default=2, help="resolved reports per incident")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with throwaway_database(args.keep_db) as db_url, psycopg.connect(db_url, row_factory=dict_row) as conn:
        started = time.perf_counter()
        with conn.transaction():
            made = fill(conn, args.incidents, rng)
            fill_sources(conn, made, args.sources, rng)
        with psycopg.connect(db_url, autocommit=True) as maintenance:
            # As autovacuum would: statistics, and incident_keys' visibility map (index-only scans).
            maintenance.execute("VACUUM ANALYZE incidents")
            maintenance.execute("VACUUM ANALYZE reports")
            maintenance.execute("VACUUM ANALYZE incident_keys")
        print(f"{args.incidents} incidents, {args.incidents * args.sources} reports stored in "
              f"{time.perf_counter() - started:.1f} s")
        reports = [report_about(*rng.choice(made), rng) for _ in range(args.reports)]
        time_matches(conn, reports[:20])  # warm the caches (gazetteer, buffers)
        gc.freeze()  # as a worker's warm_up does: long-lived objects (and this bench's own) out of GC
        indexed = time_matches(conn, reports)
        print(summary(f"match one report against {args.incidents} incidents ({len(reports)} reports)", indexed))
        conn.execute("SET enable_bitmapscan = off")
        conn.execute("SET enable_indexscan = off")
        scanned = time_matches(conn, reports[: args.baseline_reports])
        conn.execute("RESET enable_bitmapscan")
        conn.execute("RESET enable_indexscan")
        print(summary(f"baseline, no indexes ({len(scanned)} reports)", scanned))
        print(f"p50 ratio, no indexes / indexes: {statistics.median(scanned) / statistics.median(indexed):.0f}x")
        from workers.resolution.material import report_material
        from workers.resolution.resolver import CANDIDATE_SEARCH, candidate_search_args

        material = report_material(reports[0], reports[0]["title"], reports[0]["text"])
        day = material.day or date.today()
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + CANDIDATE_SEARCH,
                            candidate_search_args(material.keys, day)).fetchall()
        print("query plan of the candidate search:")
        for line in plan:
            print("  " + line["QUERY PLAN"])


if __name__ == "__main__":
    main()
