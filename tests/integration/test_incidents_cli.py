"""`newswatch incidents` and `newswatch status` as users run them, on the real database."""

from __future__ import annotations

import json

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.test_incident_resolution import seed_reports
from workers.resolution.resolver import resolve_report

pytestmark = pytest.mark.integration


@pytest.fixture()
def resolved(db, database_url):
    ids = seed_reports(db)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        results = {name: resolve_report(conn, rid) for name, rid in ids.items()}
    return results


def test_incidents_list_shows_each_live_incident_with_its_current_figures(resolved, newswatch):
    out = newswatch("incidents", "list")
    assert out.returncode == 0, out.stderr
    hilla = resolved["first"].incident_id
    assert f"#{hilla}" in out.stdout and "killed 84" in out.stdout and "claimed by Islamic State" in out.stdout
    assert "killed 7" in out.stdout


def test_incidents_list_json_filters_by_country_and_since(resolved, newswatch):
    everything = json.loads(newswatch("incidents", "list", "--json", "--country", "iq").stdout)
    assert len(everything) == 3  # Hilla, the Baghdad bombing, the al-Qaim strike the funerals story mentions
    assert json.loads(newswatch("incidents", "list", "--json", "--country", "GB").stdout) == []
    recent = json.loads(newswatch("incidents", "list", "--json", "--since", "1h").stdout)
    assert len(recent) == 3
    future = json.loads(newswatch("incidents", "list", "--json", "--since", "2999-01-01").stdout)
    assert future == []


def test_incidents_show_gives_history_with_reasons_and_quotes_and_the_sources(resolved, newswatch):
    hilla = resolved["first"].incident_id
    out = newswatch("incidents", "show", str(hilla))
    assert out.returncode == 0, out.stderr
    assert "revised_down [killed, injured]" in out.stdout
    assert "lowered the death toll from the Hilla market bombing to 84" in out.stdout
    assert "killed 84 (seen 84-103)" in out.stdout
    assert "syndicated copy of report" in out.stdout
    detail = json.loads(newswatch("incidents", "show", str(hilla), "--json").stdout)
    assert [v["reason"] for v in detail["versions"]] == ["new", "revised_down", "claim"]
    assert len(detail["sources"]) == 6
    assert detail["incident"]["killed"] == 84


def test_a_merged_incident_is_shown_as_the_one_it_joined(resolved, newswatch):
    hilla, other = resolved["first"].incident_id, resolved["other"].incident_id
    out = newswatch("incidents", "merge", str(other), str(hilla))
    assert out.returncode == 0, out.stderr
    assert f"merged #{max(hilla, other)} into #{min(hilla, other)}" in out.stdout
    shown = json.loads(newswatch("incidents", "show", str(max(hilla, other)), "--json").stdout)
    assert shown["incident"]["incident_id"] == min(hilla, other)
    assert shown["merged_from"] == [max(hilla, other)]
    again = newswatch("incidents", "merge", str(other), str(hilla))
    assert again.returncode == 1 and "already merged" in again.stderr


@pytest.mark.parametrize("args, message", [
    (("incidents", "show", "424242"), "no incident #424242"),
    (("incidents", "show", "abc"), "is not a valid integer"),
    (("incidents", "list", "--since", "last tuesday"), "--since 'last tuesday'"),
    (("incidents", "list", "--country", "Iraq"), "--country 'Iraq'"),
])
def test_bad_input_is_one_line_and_exit_code_1(db, newswatch, args, message):
    out = newswatch(*args)
    assert out.returncode == 1
    assert message in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_status_json_counts_feeds_articles_by_status_reports_and_incidents(resolved, db, newswatch):
    db.execute("INSERT INTO feeds (url, url_key) VALUES ('http://f.test/rss', 'f.test/rss')")
    db.execute("INSERT INTO articles (url, url_key, status) VALUES ('http://x.test/1', 'x.test/1', 'pending')")
    status = json.loads(newswatch("status", "--json").stdout)
    assert status["feeds"] == 1
    assert status["articles"]["pending"] == 1
    assert status["articles"]["resolved"] == 7
    assert status["reports"] == 8
    assert status["incidents"] == 3  # with the strike the funerals story mentions


def test_status_on_an_empty_database_still_lists_pending(db, newswatch):
    out = newswatch("status", "--json")
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["articles"]["pending"] == 0 and status["incidents"] == 0
    assert "articles:" in newswatch("status").stdout
