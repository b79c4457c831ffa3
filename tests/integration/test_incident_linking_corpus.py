"""The labelled dev corpus through resolution, with the labels' own facts as reports.

Extraction is left out (its quality is measured on its own), so this checks that resolution alone
puts every labelled event's articles in one incident, with the newest figures.
"""

from __future__ import annotations

import json

import pytest

from ops.bench.linking import evaluate, published, run_inprocess

pytestmark = pytest.mark.integration


def test_the_dev_corpus_events_each_end_in_one_incident_with_the_newest_figures(db, database_url, shared_dir):
    folder = shared_dir / "corpus" / "articles"
    articles = [json.loads(line) for line in (folder / "dev_articles.jsonl").open(encoding="utf-8")]
    labels = {str(lab["id"]): lab for lab in map(json.loads, (folder / "dev_labels.jsonl").open(encoding="utf-8"))}
    articles.sort(key=lambda a: (str(published(a.get("published"))), a["id"]))
    result = evaluate(database_url, run_inprocess(database_url, articles, labels, use_gold=True), labels)
    assert result["bcubed_events"][2] == 1.0
    assert result["non_incident_articles_linked"] == 0
    assert all(f["killed_ok"] and f["injured_ok"] for f in result["figures"].values())


def test_the_resolve_task_runs_on_the_pooled_connection(db, database_url):
    from tests.integration.test_incident_resolution import FIRST, at, insert_article, insert_report
    from workers.resolve_task import resolve_report

    report_id = insert_report(db, insert_article(db, FIRST, at(3, 18)), at(3, 18), killed=103)
    resolve_report(report_id)
    resolve_report(report_id)  # a redelivered message changes nothing
    rows = db.execute("SELECT version, killed FROM incidents").fetchall()
    assert rows == [{"version": 1, "killed": 103}]
