"""Linking quality: do reports of one incident end in one incident, and different ones apart?

    python -m ops.bench.linking                      # the sets below, extraction cached
    python -m ops.bench.linking --mode pipeline|inprocess|gold [--order published|shuffled]
                                [--seed N] [--workers W] [--one-country CC] [--keep-db]

The default (`--mode sets`) replays, each on a throwaway database, with the real resolver:
- dev: the labelled dev corpus, extracted (`newswatch extract`, cached by ops.bench.linking_data);
  an incident is what the labels' facts say (the Croydon crash has three cluster names);
- gva_train and gva_val: US local shooting stories; the false-merge check is every two articles
  about different shootings (another address or day) published within a week of each other:
  they must end in different incidents (>= 99%);
- scenarios: reports written for this project (ops.bench.linking_scenarios) with their facts given.
For each: B-cubed precision, recall and F1 against the truth, spurious incidents (made only of
articles about no incident), false merges (pairs of different incidents in one), final figures.

Modes of the dev corpus alone (each on a throwaway PostgreSQL database, dropped at the end unless --keep-db):
- pipeline: the real thing. ../shared/tools/newsroom.py serves dev_articles.jsonl as RSS feeds,
  `newswatch poller` and `newswatch worker` fetch, extract and resolve (ops.bench.pipeline.Run).
- inprocess: the same extraction (workers.extraction) and resolution (workers.resolution) called
  in this process, articles fed in publication order (or shuffled), no poller, queue or HTTP.
- gold: the labels' own facts as reports, so only resolution is measured.

It prints, over the articles labelled with an incident:
- B-cubed precision, recall and F1 of the incidents' article sets against the labels' `cluster`,
  and against "events": clusters whose labels give the same event (type, country, first place)
  taken as one, since the labels split one crash into "tram" and "tram victims" stories;
- how many incidents hold only articles labelled without one, and how many such articles were linked;
- per event, whether the incident's final killed and injured equal the newest labelled figures.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ops.bench import corpus

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


# -- the labels ------------------------------------------------------------------------------------
def published(value: str | None) -> datetime | None:
    if not value or value == "None":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def gold_events(labels: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    """Article id -> event key: clusters whose labelled (type, country, first place) agree are one."""
    signature: dict[str, Counter[tuple[str, str, str]]] = defaultdict(Counter)
    for label in labels.values():
        incident = label["incident"]
        if incident:
            place = (incident.get("location") or ["?"])[0]
            signature[str(label["cluster"])][(incident["event_type"], incident["country_code"], place)] += 1
    event_of_cluster = {cluster: "/".join(c.most_common(1)[0][0]) for cluster, c in signature.items()}
    return {aid: event_of_cluster[str(label["cluster"])] for aid, label in labels.items() if label["incident"]}


def bcubed(predicted: Mapping[str, Any], gold: Mapping[str, Any]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 of a clustering `predicted` against `gold` (same keys)."""
    items = list(gold)
    if not items:
        return 0.0, 0.0, 0.0
    by_pred: dict[Any, set[str]] = defaultdict(set)
    by_gold: dict[Any, set[str]] = defaultdict(set)
    for item in items:
        by_pred[predicted[item]].add(item)
        by_gold[gold[item]].add(item)
    precision = recall = 0.0
    for item in items:
        same_pred, same_gold = by_pred[predicted[item]], by_gold[gold[item]]
        both = len(same_pred & same_gold)
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    precision, recall = precision / len(items), recall / len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def newest_figure(labels: Iterable[dict[str, Any]], field: str) -> list[int | None] | None:
    """Accepted values of the newest labelled article that gives `field` (None: none gives it)."""
    dated = sorted(labels, key=lambda lab: (published(lab["published"]) or datetime.min.replace(tzinfo=UTC)))
    for label in reversed(dated):
        values = label["incident"].get(field)
        if values:
            return list(values)
    return None


def figure_ok(value: int | None, accepted: list[int | None] | None) -> bool:
    if accepted is None:
        return value is None
    return value in accepted or (value is None and None in accepted)


# -- filling a database ----------------------------------------------------------------------------
def insert_article(conn: Any, article: dict[str, Any], status: str) -> int:
    row = conn.execute(
        """INSERT INTO articles (url, url_key, title, text, published_at, status, revision, fetched_at)
           VALUES (%s, %s, %s, %s, %s, %s, 1, now()) RETURNING id""",
        (article.get("url") or f"corpus:{article['id']}", f"corpus:{article['id']}", article.get("title"),
         article.get("text") or "", published(article.get("published")), status)).fetchone()
    return int(row["id"])


def insert_report(conn: Any, article_id: int, incident: dict[str, Any], when: datetime | None,
                  ordinal: int) -> int:
    """A `reports` row from one INCIDENT of the extract contract, as the extract task writes it."""
    day = incident.get("occurred_on")
    row = conn.execute(
        """INSERT INTO reports (article_id, revision, ordinal, is_primary, category, event_type, location,
               country_code, occurred_on, killed, killed_qualifier, injured, injured_qualifier,
               perpetrator, claimed_by, historical, published_at, facts)
           VALUES (%s, 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (article_id, ordinal, bool(incident.get("primary", ordinal == 0)), incident["category"],
         incident["event_type"], incident.get("location"), incident.get("country_code"),
         date.fromisoformat(day) if day else None, incident.get("killed"), incident.get("killed_qualifier"),
         incident.get("injured"), incident.get("injured_qualifier"), incident.get("perpetrator"),
         incident.get("claimed_by"), bool(incident.get("historical")), when, Jsonb(incident))).fetchone()
    return int(row["id"])


def gold_incident(label: dict[str, Any]) -> list[dict[str, Any]]:
    """The label as an INCIDENT dict (first accepted value of each field)."""
    inc = label["incident"]
    if not inc:
        return []

    def first(values: list[Any] | None) -> Any:
        return next((v for v in values or [] if v is not None), None)

    return [{"category": inc["category"], "event_type": inc["event_type"], "location": first(inc["location"]),
             "country_code": inc["country_code"], "occurred_on": inc["occurred_on"],
             "killed": first(inc["killed"]), "injured": first(inc["injured"]),
             "perpetrator": inc["perpetrator"], "claimed_by": inc["claimed_by"], "primary": True,
             "historical": inc["historical"], "evidence": []}]


def run_inprocess(db_url: str, articles: list[dict[str, Any]], labels: Mapping[str, dict[str, Any]],
                  use_gold: bool, one_country: str | None = None) -> dict[str, int]:
    """Extract (or take the labels) and resolve every article here; returns corpus id -> article row id.

    `one_country` puts every incident in that country: a stress test of keeping apart different
    events that share a country and a week (the dev corpus has one event per country).
    """
    from workers.resolution.resolver import resolve_report

    if use_gold:
        found = [gold_incident(labels[str(a["id"])]) for a in articles]
    else:
        from workers.extraction.pipeline import extract_articles

        found = extract_articles(articles)
    if one_country:
        found = [[{**inc, "country_code": one_country} for inc in incidents] for incidents in found]
    row_of: dict[str, int] = {}
    resolving, reports = 0.0, 0
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        for article, incidents in zip(articles, found, strict=True):
            with conn.transaction():
                row_id = insert_article(conn, article, "extracted" if incidents else "no_incident")
                report_ids = [insert_report(conn, row_id, inc, published(article.get("published")), n)
                              for n, inc in enumerate(incidents)]
            row_of[str(article["id"])] = row_id
            started = time.perf_counter()
            for report_id in report_ids:
                resolve_report(conn, report_id)
            resolving += time.perf_counter() - started
            reports += len(report_ids)
    if reports:
        print(f"resolution: {reports} reports in {resolving:.2f} s ({1000 * resolving / reports:.1f} ms each)")
    return row_of


def run_pipeline(run: Any) -> dict[str, int]:
    """Let the real poller and workers of a started `ops.bench.pipeline.Run` do everything; returns
    the article row id of each corpus id."""
    run.release(None)
    run.watch(timeout=1800)
    with psycopg.connect(run.db_url, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT id, url FROM articles").fetchall()
    row_of = {}
    for row in rows:
        match = re.search(r"/articles/(.+)\.html", row["url"])
        if match:
            row_of[match.group(1)] = row["id"]
    return row_of


# -- measuring -------------------------------------------------------------------------------------
def evaluate(db_url: str, row_of: Mapping[str, int], labels: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        linked = {r["article_id"]: r["incident_id"] for r in conn.execute(
            "SELECT article_id, incident_id FROM reports WHERE is_primary AND incident_id IS NOT NULL")}
        incidents = {r["incident_id"]: r for r in conn.execute("SELECT * FROM incidents_current")}
        statuses = dict(Counter(r["status"] for r in conn.execute("SELECT status FROM articles")))
    predicted_of = {aid: linked.get(row_of[aid]) for aid in labels if aid in row_of}
    labelled = [aid for aid, lab in labels.items() if lab["incident"]]
    events = gold_events(labels)
    # An incident article that linked nothing is a cluster of its own (it costs recall).
    predicted = {aid: predicted_of.get(aid) or f"none:{aid}" for aid in labelled}
    clusters = {aid: str(labels[aid]["cluster"]) for aid in labelled}
    result: dict[str, Any] = {
        "articles": len(row_of), "statuses": statuses, "incidents": len(incidents),
        "labelled_incident_articles": len(labelled),
        "unlinked_incident_articles": sum(1 for aid in labelled if predicted_of.get(aid) is None),
        "bcubed_clusters": bcubed(predicted, clusters),
        "bcubed_events": bcubed(predicted, {aid: events[aid] for aid in labelled}),
    }
    non_incident = [aid for aid, lab in labels.items() if not lab["incident"]]
    wrongly_linked = [aid for aid in non_incident if predicted_of.get(aid) is not None]
    holders: dict[int, set[str]] = defaultdict(set)
    for aid, incident_id in predicted_of.items():
        if incident_id is not None:
            holders[incident_id].add(aid)
    spurious = [i for i, members in holders.items() if all(not labels[a]["incident"] for a in members)]
    result["non_incident_articles_linked"] = len(wrongly_linked)
    result["incidents_without_labelled_incident"] = len(spurious)
    figures: dict[str, dict[str, Any]] = {}
    for event in sorted(set(events.values())):
        members = [aid for aid in labelled if events[aid] == event]
        votes = Counter(predicted_of.get(aid) for aid in members if predicted_of.get(aid) is not None)
        if not votes:
            figures[event] = {"incident": None, "killed_ok": False, "injured_ok": False}
            continue
        incident_id = votes.most_common(1)[0][0]
        row = incidents.get(incident_id, {})
        member_labels = [labels[aid] for aid in members]
        killed_want, injured_want = newest_figure(member_labels, "killed"), newest_figure(member_labels, "injured")
        figures[event] = {"incident": incident_id, "killed": row.get("killed"), "killed_want": killed_want,
                          "killed_ok": figure_ok(row.get("killed"), killed_want),
                          "injured": row.get("injured"), "injured_want": injured_want,
                          "injured_ok": figure_ok(row.get("injured"), injured_want)}
    result["figures"] = figures
    return result


def report(result: dict[str, Any], mode: str) -> None:
    p, r, f = result["bcubed_clusters"]
    ep, er, ef = result["bcubed_events"]
    print(f"mode: {mode}; articles {result['articles']}; statuses {result['statuses']}")
    print(f"incidents: {result['incidents']} live; {result['labelled_incident_articles']} labelled incident "
          f"articles, {result['unlinked_incident_articles']} of them linked to none")
    print(f"B-cubed vs label clusters: precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
    print(f"B-cubed vs label events:   precision {ep:.3f} recall {er:.3f} F1 {ef:.3f}")
    print(f"articles labelled without an incident but linked: {result['non_incident_articles_linked']}; "
          f"incidents made only of such articles: {result['incidents_without_labelled_incident']}")
    ok = 0
    for event, fig in result["figures"].items():
        good = fig["killed_ok"] and fig["injured_ok"]
        ok += good
        print(f"  {event}: incident {fig['incident']} killed {fig.get('killed')} (want {fig.get('killed_want')}) "
              f"injured {fig.get('injured')} (want {fig.get('injured_want')}) {'ok' if good else 'WRONG'}")
    print(f"linking: F1 {f:.3f} (clusters) {ef:.3f} (events); non-incident articles linked "
          f"{result['non_incident_articles_linked']}; final figures right for {ok}/{len(result['figures'])} events")


# -- the sets: dev, gva_train, gva_val, scenarios -------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One article of a set: its incidents (extracted or given), and the truth of its main one."""

    key: str
    article: dict[str, Any]
    incidents: list[dict[str, Any]]
    truth: str | None                    # None: the article reports no incident
    pairable: bool = True                # False: its incident's identity is unknown


def cases(name: str) -> list[Case]:
    if name == "scenarios":
        from ops.bench.linking_scenarios import REPORTS

        return [Case(r.id, {"id": r.id, "url": f"scenario:{r.id}", "title": r.title, "text": r.text,
                            "published": r.published.isoformat()}, [r.facts], r.truth) for r in REPORTS]
    from ops.bench.linking_data import load

    return [Case(str(item.article["id"]), item.article, item.incidents, item.truth, item.pairable)
            for item in load(name)]


@contextmanager
def throwaway_database(keep: bool = False) -> Iterator[str]:
    """A fresh, migrated database; dropped afterwards unless `keep`."""
    from db.migrate import migrate

    name = f"newswatch_linking_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
            migrate(conn)
        yield db_url
    finally:
        if keep:
            print(f"database kept: {db_url}")
        else:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def replay(db_url: str, items: list[Case]) -> tuple[dict[str, int | None], dict[int, dict[str, Any]], float]:
    """Store and resolve every case in order; (case key -> incident of its main report, live incidents
    by id, milliseconds per resolved report)."""
    from workers.resolution.resolver import resolve_report

    report_of: dict[str, int] = {}
    spent, count = 0.0, 0
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        for case in items:
            with conn.transaction():
                row_id = insert_article(conn, {**case.article, "id": case.key},
                                        "extracted" if case.incidents else "no_incident")
                ids = [insert_report(conn, row_id, inc, published(case.article.get("published")), n)
                       for n, inc in enumerate(case.incidents)]
            if ids:
                report_of[case.key] = ids[0]
            started = time.perf_counter()
            for report_id in ids:
                resolve_report(conn, report_id)
            spent += time.perf_counter() - started
            count += len(ids)
        linked = {r["id"]: r["incident_id"] for r in conn.execute(
            "SELECT id, incident_id FROM reports WHERE id = ANY(%s)", (list(report_of.values()),))}
        live = {r["incident_id"]: r for r in conn.execute("SELECT * FROM incidents_current")}
    incident_of = {key: linked.get(rid) for key, rid in report_of.items()}
    return incident_of, live, 1000 * spent / max(1, count)


def false_merge_pairs(items: list[Case], incident_of: Mapping[str, int | None],
                      days: int = 7) -> tuple[int, int]:
    """(pairs, pairs kept apart) of articles about different known incidents, both linked, published
    within `days` of each other."""
    known = [(c, published(c.article.get("published"))) for c in items
             if c.truth and c.pairable and incident_of.get(c.key) is not None]
    pairs = apart = 0
    for n, (a, when_a) in enumerate(known):
        for b, when_b in known[n + 1:]:
            if a.truth == b.truth or when_a is None or when_b is None or abs((when_a - when_b).days) > days:
                continue
            pairs += 1
            apart += incident_of[a.key] != incident_of[b.key]
    return pairs, apart


def measure(name: str, items: list[Case], incident_of: Mapping[str, int | None],
            live: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    about = [c for c in items if c.truth]
    predicted = {c.key: incident_of.get(c.key) or f"none:{c.key}" for c in about}
    truth = {c.key: c.truth for c in about}
    holders: dict[int, list[Case]] = defaultdict(list)
    for c in items:
        if (incident := incident_of.get(c.key)) is not None:
            holders[incident].append(c)
    spurious = sum(1 for members in holders.values() if all(m.truth is None for m in members))
    false_merges = sum(1 for members in holders.values()
                       for n, a in enumerate(members) for b in members[n + 1:]
                       if a.truth and b.truth and a.pairable and b.pairable and a.truth != b.truth)
    result: dict[str, Any] = {"set": name, "articles": len(items), "about_incidents": len(about),
                              "unlinked": sum(1 for c in about if incident_of.get(c.key) is None),
                              "bcubed": bcubed(predicted, truth), "spurious": spurious,
                              "false_merges": false_merges, "incidents": len(live)}
    if name.startswith("gva"):
        result["same_week_pairs"] = false_merge_pairs(items, incident_of)
    figures = _final_figures(name, items, incident_of, live)
    if figures is not None:
        result["figures"] = figures
    return result


def _final_figures(name: str, items: list[Case], incident_of: Mapping[str, int | None],
                   live: Mapping[int, dict[str, Any]]) -> dict[str, tuple[bool, Any, Any]] | None:
    """Per event: (right?, figures found, figures wanted), for the dev corpus and the scenarios."""
    if name == "scenarios":
        from ops.bench.linking_scenarios import FINAL

        wanted: dict[str, Any] = dict(FINAL.items())
        ok_of = {t: (lambda got, want: got == want) for t in FINAL}
    elif name == "dev":
        from ops.bench.corpus import _load

        gold = {str(lab["id"]): lab for lab in _load("dev_labels.jsonl")}
        by_truth: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in items:
            if c.truth:
                by_truth[c.truth].append(gold[c.key])
        wanted = {t: (newest_figure(labs, "killed"), newest_figure(labs, "injured")) for t, labs in by_truth.items()}
        ok_of = {t: (lambda got, want: figure_ok(got[0], want[0]) and figure_ok(got[1], want[1])) for t in wanted}
    else:
        return None
    out = {}
    for event, want in wanted.items():
        votes = Counter(i for c in items if c.truth == event and (i := incident_of.get(c.key)) is not None)
        row = live.get(votes.most_common(1)[0][0], {}) if votes else {}
        got = (row.get("killed"), row.get("injured"))
        out[event] = (ok_of[event](got, want), got, want)
    return out


def print_set(result: dict[str, Any], ms: float) -> None:
    p, r, f = result["bcubed"]
    tuned = " (never tuned on)" if result["set"] == "gva_val" else ""
    line = (f"{result['set']}{tuned}: {result['articles']} articles, {result['about_incidents']} about an incident "
            f"({result['unlinked']} linked to none), {result['incidents']} incidents; B-cubed P {p:.3f} "
            f"R {r:.3f} F1 {f:.3f}; spurious {result['spurious']}; false merges {result['false_merges']}; "
            f"{ms:.1f} ms a report")
    print(line)
    if "same_week_pairs" in result:
        pairs, apart = result["same_week_pairs"]
        print(f"  different shootings published within a week, both linked: {pairs} pairs, "
              f"{apart} kept apart ({100 * apart / max(1, pairs):.2f}%)")
    for event, (ok, got, want) in (result.get("figures") or {}).items():
        print(f"  {event}: killed, injured {got} (want {want}) {'ok' if ok else 'WRONG'}")
    if result.get("figures"):
        right = sum(1 for ok, _, _ in result["figures"].values() if ok)
        print(f"  final figures right for {right}/{len(result['figures'])} events")


def run_sets(names: list[str], keep: bool) -> None:
    for name in names:
        items = cases(name)
        with throwaway_database(keep) as db_url:
            incident_of, live, ms = replay(db_url, items)
        print_set(measure(name, items, incident_of, live), ms)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["sets", "pipeline", "inprocess", "gold"], default="sets")
    parser.add_argument("--sets", default="dev,gva_train,gva_val,scenarios",
                        help="sets mode: which sets, comma-separated")
    parser.add_argument("--order", choices=["published", "shuffled"], default="published",
                        help="order articles arrive in (inprocess and gold modes)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (pipeline mode)")
    parser.add_argument("--one-country", metavar="CC",
                        help="inprocess/gold: put every incident in this country (keeps events apart?)")
    parser.add_argument("--keep-db", action="store_true", help="keep the throwaway database and print its URL")
    args = parser.parse_args(argv)
    if args.mode == "sets":
        wanted = [n.strip() for n in args.sets.split(",") if n.strip()]
        if not corpus.shared_available():
            print("../shared/corpus/articles is not present (set NEWSWATCH_SHARED): scenarios only")
            wanted = [n for n in wanted if n == "scenarios"]
        run_sets(wanted, args.keep_db)
        return
    if not corpus.shared_available():
        sys.exit("../shared/corpus/articles is not present")
    articles = corpus._load("dev_articles.jsonl")
    labels = {str(lab["id"]): lab for lab in corpus._load("dev_labels.jsonl")}
    articles.sort(key=lambda a: (published(a.get("published")) or datetime.min.replace(tzinfo=UTC), a["id"]))
    if args.order == "shuffled":
        random.Random(args.seed).shuffle(articles)

    if args.mode == "pipeline":
        from ops.bench.pipeline import Run

        with Run(articles=articles, feeds=4, workers=args.workers, keep_db=args.keep_db) as run:
            report(evaluate(run.db_url, run_pipeline(run), labels), args.mode)
            if args.keep_db:
                print(f"database kept: {run.db_url}")
        return

    name = f"newswatch_linking_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        from db.migrate import migrate

        with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
            migrate(conn)
        row_of = run_inprocess(db_url, articles, labels, use_gold=args.mode == "gold", one_country=args.one_country)
        report(evaluate(db_url, row_of, labels), f"{args.mode} ({args.order} order)")
    finally:
        if args.keep_db:
            print(f"database kept: {db_url}")
        else:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
