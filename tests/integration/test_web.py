"""`newswatch web` against the real database: pages, API, as_of, merges, live events, safety.

The server is the real command in a subprocess (`python -m ops web`) on a loopback port; data comes
from the real resolver (the Hilla story of test_incident_resolution) or, for hostile values that
the pipeline would never produce, from rows written directly.
"""

from __future__ import annotations

import base64
import html
import re
import subprocess
import sys
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from ops.ports import free_port
from tests.conftest import ROOT
from tests.integration.test_incident_resolution import at, insert_article, insert_report, quote, seed_reports
from tests.integration.web_support import EventStream, WebServer
from workers.resolution.resolver import merge, resolve_report

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def web(database_url):
    server = WebServer(database_url)
    yield server
    server.stop()


def _resolve(database_url: str, report_ids: list[int]) -> list[Any]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return [resolve_report(conn, rid) for rid in report_ids]


def _now(db: Any) -> str:
    return db.execute("SELECT clock_timestamp() AS t").fetchone()["t"].isoformat()


@pytest.fixture()
def story(db, database_url):
    """The Hilla bombing (three versions: new, revised_down, claim) and a Baghdad bombing, resolved
    in order; `moments` holds the time just after each step."""
    ids = seed_reports(db)
    results, moments = {}, {}
    for name in ("other", "first", "revision", "claim", "syndicated", "funerals", "late"):
        results[name] = _resolve(database_url, [ids[name]])[0]
        moments[name] = _now(db)
    return {"hilla": results["first"].incident_id, "other": results["other"].incident_id, "moments": moments}


def test_the_incidents_page_lists_incidents_newest_change_first_with_their_figures(web, story):
    page = httpx.get(web.url + "/")
    assert page.status_code == 200
    order = [int(i) for i in re.findall(r'<tr data-id="(\d+)"', page.text)]
    assert order == [story["hilla"], story["other"]]  # Hilla changed last (its claim)
    row = page.text.split(f'data-id="{story["hilla"]}"')[1].split("</tr>")[0]
    assert "84" in row and "284" in row and "84–103" in row and "Islamic State" in row and "v3" in row
    assert 'data-live="/events?after=' in page.text


def test_the_api_filters_by_country_type_text_and_day(web, story):
    def ids(query: str) -> list[int]:
        answer = httpx.get(web.url + "/api/incidents?" + query)
        assert answer.status_code == 200, answer.text
        return [r["incident_id"] for r in answer.json()["incidents"]]

    assert ids("country=iq") == [story["hilla"], story["other"]]
    assert ids("country=GB") == []
    assert ids("q=baghdad") == [story["other"]]
    assert ids("q=islamic+state") == [story["hilla"]]
    assert ids("q=%25") == []  # a % is a percent sign, not a wildcard
    assert ids("type=bombing&category=attack") == [story["hilla"], story["other"]]
    assert ids("type=shooting") == []
    assert ids("since=2026-03-03&until=2026-03-03") == [story["hilla"], story["other"]]
    assert ids("since=2026-03-04") == []


def test_cursor_paging_gives_every_incident_once_in_order(web, story):
    seen, url = [], "/api/incidents?limit=1"
    while url:
        answer = httpx.get(web.url + url).json()
        seen += [r["incident_id"] for r in answer["incidents"]]
        url = answer["next"]
    assert seen == [story["hilla"], story["other"]]
    page = httpx.get(web.url + "/?cursor=" + httpx.get(web.url + "/api/incidents?limit=1").json()["next_cursor"])
    assert [int(i) for i in re.findall(r'<tr data-id="(\d+)"', page.text)] == [story["other"]]
    assert "data-live" not in page.text  # an older page does not jump about


def test_the_incident_api_gives_versions_with_reason_changes_quote_article_and_the_sources(web, story):
    detail = httpx.get(web.url + f"/api/incidents/{story['hilla']}").json()
    assert (detail["incident_id"], detail["version"], detail["killed"], detail["claimed_by"]) == (
        story["hilla"], 3, 84, "Islamic State")
    versions = detail["versions"]
    assert [v["reason"] for v in versions] == ["new", "revised_down", "claim"]
    for v in versions:
        assert {"version", "reason", "changed", "killed", "injured", "quote", "article_url", "published",
                "changed_fields", "valid_from"} <= set(v)
    assert sorted(versions[1]["changed"]) == ["injured", "killed"]
    assert versions[1]["quote"] == "lowered the death toll from the Hilla market bombing to 84"
    assert versions[1]["article_url"].startswith("http://news.test/")
    assert versions[1]["published"].startswith("2026-03-04T08:00")
    assert len(detail["sources"]) == 6
    assert {"article_id", "article_url", "published_at", "killed", "injured", "title"} <= set(detail["sources"][0])


def test_as_of_before_the_claim_shows_the_incident_without_it_on_every_page_and_call(web, story):
    before_claim = story["moments"]["revision"]
    detail = httpx.get(web.url + f"/api/incidents/{story['hilla']}", params={"as_of": before_claim}).json()
    assert (detail["version"], detail["claimed_by"]) == (2, None)
    assert [v["reason"] for v in detail["versions"]] == ["new", "revised_down"]
    assert len(detail["sources"]) == 2
    listed = httpx.get(web.url + "/api/incidents", params={"as_of": before_claim}).json()["incidents"]
    assert [(r["incident_id"], r["version"]) for r in listed] == [(story["hilla"], 2), (story["other"], 1)]
    page = httpx.get(web.url + f"/incidents/{story['hilla']}", params={"as_of": before_claim})
    assert page.status_code == 200 and "Islamic State" not in page.text and "What was known at" in page.text
    before_all = story["moments"]["other"]
    assert httpx.get(web.url + f"/api/incidents/{story['hilla']}", params={"as_of": before_all}).status_code == 404
    front = httpx.get(web.url + "/", params={"as_of": before_all}).text
    assert [int(i) for i in re.findall(r'<tr data-id="(\d+)"', front)] == [story["other"]]
    assert "data-live" not in front


def test_the_incident_page_draws_one_step_per_figure_change_and_shows_each_quote_and_outlet(web, story):
    page = httpx.get(web.url + f"/incidents/{story['hilla']}").text
    svg = page.split('<svg id="chart"')[1].split("</svg>")[0]
    killed = re.search(r'<path class="series killed" d="([^"]+)"', svg).group(1)
    injured = re.search(r'<path class="series injured" d="([^"]+)"', svg).group(1)
    assert killed.count(" V ") == 1 and injured.count(" V ") == 1  # 103 -> 84 and 188 -> 284, once each
    assert svg.count('class="other"') == 1  # the claim changed no figure
    assert page.count('<li class="version"') == 3
    assert "lowered the death toll from the Hilla market bombing to 84" in page
    assert 'class="outlet">news.test<' in page  # no feed: the article's host stands for the outlet


def test_a_merged_incident_id_redirects_to_the_incident_it_joined(web, story, database_url):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        merge(conn, story["hilla"], story["other"])
        conn.commit()
    for path in (f"/incidents/{story['other']}", f"/api/incidents/{story['other']}"):
        answer = httpx.get(web.url + path + "?x=1")
        assert answer.status_code == 301
        assert answer.headers["location"] == path.replace(str(story["other"]), str(story["hilla"])) + "?x=1"
    # Before the merge it was an incident of its own.
    then = httpx.get(web.url + f"/api/incidents/{story['other']}", params={"as_of": story["moments"]["late"]})
    assert then.status_code == 200 and then.json()["killed"] == 7


@pytest.mark.parametrize(("path", "message"), [
    ("/api/incidents?as_of=soon", "as_of='soon'"), ("/api/incidents?limit=0", "limit='0'"),
    ("/api/incidents?country=Iraq", "country='Iraq'"), ("/api/incidents?cursor=abc", "cursor:"),
    ("/api/incidents/999999", "no incident #999999"),
])
def test_a_bad_request_is_one_clear_line(web, story, path, message):
    answer = httpx.get(web.url + path)
    assert answer.status_code in (400, 404)
    assert message in answer.json()["error"] and "\n" not in answer.json()["error"]


def test_every_response_carries_the_security_headers_and_nothing_can_be_written(web, story):
    for path in ("/", f"/incidents/{story['hilla']}", "/feeds", "/api/incidents", "/api/openapi.json",
                 "/static/live.js", "/nowhere"):
        answer = httpx.get(web.url + path)
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-content-type-options"] == "nosniff"
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert httpx.request(method, web.url + path).status_code in (404, 405), (method, path)


def test_the_openapi_description_names_every_view_column(web, story, db):
    schemas = httpx.get(web.url + "/api/openapi.json").json()["components"]["schemas"]
    for schema, view in (("Incident", "incidents_current"), ("Version", "incident_versions"),
                         ("Source", "incident_articles"), ("Feed", "feed_health")):
        columns = [r["column_name"] for r in db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (view,))]
        assert set(columns) <= set(schemas[schema]["properties"]), schema
    assert {"changed", "published"} <= set(schemas["Version"]["properties"])


def test_hostile_titles_quotes_and_urls_are_shown_as_text_never_as_markup_or_links(web, db, database_url):
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    article = insert_article(db, "A bomb went off.", at(3, 9), title=f"Bomb {hostile}")
    db.execute("UPDATE articles SET url = %s WHERE id = %s", ("javascript:alert(3)", article))
    report = insert_report(db, article, at(3, 9), location=f"Hilla{hostile}", killed=5,
                           claimed_by='"><script>alert(4)</script>',
                           evidence=[quote("killed", f"5 killed {hostile}")])
    incident = _resolve(database_url, [report])[0].incident_id
    for path in ("/", f"/incidents/{incident}", "/events?after=2000-01-01"):
        if path.startswith("/events"):
            stream = EventStream(web.url + path)
            text = stream.next("upsert")["data"]["html"]
            stream.close()
        else:
            text = httpx.get(web.url + path).text
        assert "<script>alert" not in text and "<img src=x" not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
        assert 'href="javascript:' not in text.lower(), path
    page = httpx.get(web.url + f"/incidents/{incident}").text
    assert '<span class="article">javascript:alert(3)</span>' in page  # shown, not linked
    assert httpx.get(web.url + f"/api/incidents/{incident}").json()["versions"][0]["quote"] == f"5 killed {hostile}"


def test_an_open_page_hears_of_a_new_version_and_one_filtered_out_is_told_to_drop_it(web, db, database_url):
    ids = seed_reports(db)
    hilla = _resolve(database_url, [ids["first"]])[0].incident_id
    page = httpx.get(web.url + "/?country=IQ").text
    live = html.unescape(re.search(r'data-live="([^"]+)"', page).group(1))  # what the page's script opens
    iraq = EventStream(web.url + live)
    assert iraq.status == 200
    britain = EventStream(web.url + "/events?country=GB")
    try:
        assert iraq.next("upsert")["data"]["version"] == 1  # the page's last minute, sent again on connecting
        _resolve(database_url, [ids["revision"]])
        event = iraq.next("upsert", where=lambda data: data["version"] != 1)  # v1 may come twice: harmless
        assert event["data"]["id"] == hilla and event["data"]["version"] == 2
        assert f'<tr data-id="{hilla}" data-version="2">' in event["data"]["html"]
        assert "84" in event["data"]["html"]
        assert event["id"]  # the Last-Event-ID to resume from
        assert britain.next("remove")["data"] == {"id": hilla}
        assert britain.events.empty() or all(e.get("event") != "upsert" for e in list(britain.events.queue))

        # Reconnecting with Last-Event-ID before the change gets it again (a page that lost its connection).
        resumed = EventStream(web.url + "/events?country=IQ", headers={"Last-Event-ID": "2000-01-01T00:00:00+00:00"})
        assert resumed.next("upsert", where=lambda data: data["version"] == 2)["data"]["id"] == hilla
        resumed.close()
    finally:
        iraq.close()
        britain.close()


def test_a_token_is_asked_for_and_accepted_as_bearer_or_basic_password(database_url, db):
    server = WebServer(database_url, env={"NEWSWATCH_WEB_TOKEN": "letmein-7"})
    try:
        refused = httpx.get(server.url + "/api/incidents")
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
        assert httpx.get(server.url + "/api/incidents", headers={"Authorization": "Bearer nope"}).status_code == 401
        bearer = {"Authorization": "Bearer letmein-7"}
        assert httpx.get(server.url + "/api/incidents", headers=bearer).status_code == 200
        basic = base64.b64encode(b"me:letmein-7").decode()
        assert httpx.get(server.url + "/", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    finally:
        server.stop()


def test_off_loopback_without_a_token_it_refuses_to_start_in_one_line(database_url):
    env = {"DATABASE_URL": database_url, "NEWSWATCH_WEB_ADDR": f"0.0.0.0:{free_port()}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "ops", "web"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "NEWSWATCH_WEB_TOKEN" in done.stderr and "reachable from other machines" in done.stderr


def test_an_address_already_taken_is_one_line_too(database_url, web):
    env = {"DATABASE_URL": database_url, "NEWSWATCH_WEB_ADDR": f"127.0.0.1:{web.port}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "ops", "web"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1 and "cannot listen there" in done.stderr
    assert done.stderr.strip().count("\n") == 0


def test_the_web_reads_as_the_reader_role_which_cannot_touch_the_tables(database_url):
    import asyncio

    from ops.web.db import become_reader

    async def probe() -> None:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            await become_reader(conn)
            await conn.execute("SELECT * FROM incidents_current LIMIT 1")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                await conn.execute("SELECT * FROM incidents LIMIT 1")

    asyncio.run(probe())
