"""newswatch web's pure parts: the step chart, link safety, the token check, filters and cursors."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta

import pytest
from starlette.datastructures import QueryParams

from ops.web import chart
from ops.web.queries import BadRequest, Filters, decode_cursor, encode_cursor, parse_moment
from ops.web.security import is_loopback, safe_href, token_matches

T0 = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)


def version(n: int, minutes: int, killed: int | None, injured: int | None, reason: str) -> dict:
    return {"version": n, "valid_from": T0 + timedelta(minutes=minutes), "killed": killed, "injured": injured,
            "reason": reason}


DEMO = [version(1, 0, 12, 30, "new"), version(2, 20, 17, 41, "toll_update"), version(3, 45, 17, 41, "claim"),
        version(4, 70, 19, 41, "toll_update")]


def test_the_chart_steps_once_per_figure_change_and_marks_other_versions_on_the_time_axis():
    drawn = chart.build(DEMO, T0 + timedelta(hours=2))
    killed, injured = drawn.series
    assert killed.steps == 2 and injured.steps == 1  # 12 -> 17 -> 19; 30 -> 41
    assert killed.path.count(" V ") == 2 and injured.path.count(" V ") == 1
    assert [p.label for p in drawn.others] == ["v3 claim, 08:15"]
    assert killed.points[-1].label == "v4 toll_update, 08:40: 19 killed"


def test_time_labels_show_seconds_when_the_versions_are_minutes_apart():
    close = [version(1, 0, 12, 30, "new"), version(2, 4, 17, 41, "toll_update")]
    drawn = chart.build(close, close[1]["valid_from"])
    assert [label for _, label in drawn.x_ticks][:2] == ["07:30:00", "07:31:00"]


def test_the_chart_runs_from_the_first_version_to_the_end_time_and_scales_to_a_round_top():
    drawn = chart.build(DEMO, T0 + timedelta(hours=2))
    x0, y0, x1, y1 = drawn.plot
    killed = drawn.series[0]
    assert killed.points[0].x == x0 and killed.path.endswith(f"H {float(x1)}")
    assert drawn.y_ticks[-1][1] == "50" and drawn.y_ticks[0] == (y1, "0")
    injured_41 = drawn.series[1].points[-1]
    assert injured_41.y == pytest.approx(y1 - (y1 - y0) * 41 / 50, abs=0.1)


def test_a_figure_never_reported_draws_no_series_and_no_figures_at_all_is_an_empty_chart():
    only_killed = chart.build([version(1, 0, 3, None, "new")], T0)
    assert only_killed.series[1].points == () and only_killed.series[0].steps == 0
    assert chart.build([version(1, 0, None, None, "new")], T0).empty


@pytest.mark.parametrize(("value", "top"), [(0, 1), (1, 1), (4, 4), (12, 15), (41, 50), (103, 150), (284, 300)])
def test_the_y_axis_top_is_a_round_number_at_or_above_the_peak(value, top):
    assert chart.nice_ceiling(value)[0] == top


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>",
                                 "/relative", "//evil.example", "vbscript:x", "http:", None, 12])
def test_only_absolute_http_urls_become_links(url):
    assert safe_href(url) is None


def test_an_http_url_stays_a_link_as_given():
    assert safe_href("https://news.example/a?b=<c>") == "https://news.example/a?b=<c>"


def test_the_token_is_accepted_as_bearer_or_as_the_basic_password_and_nothing_else():
    basic = base64.b64encode(b"anyone:s3cret").decode()
    assert token_matches("Bearer s3cret", "s3cret")
    assert token_matches(f"Basic {basic}", "s3cret")
    assert not token_matches("Bearer s3cre", "s3cret")
    assert not token_matches("Basic !!!", "s3cret")
    assert not token_matches(f"Basic {base64.b64encode(b's3cret:').decode()}", "s3cret")
    assert not token_matches(None, "s3cret")


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("::", False),
                                                ("192.168.1.5", False), ("example.org", False)])
def test_loopback_addresses_are_told_apart(host, loopback):
    assert is_loopback(host) is loopback


def test_filters_are_read_from_the_query_string_and_kept_for_links():
    filters = Filters.from_query(QueryParams("category=attack&type=bombing&country=ke&since=2026-11-01&q=+Mombasa+"))
    assert filters == Filters("attack", "bombing", "KE", date(2026, 11, 1), None, "Mombasa")
    assert Filters.from_query(QueryParams(filters.as_query())) == filters


@pytest.mark.parametrize(("query", "message"), [
    ("country=Kenya", "country='Kenya'"), ("since=yesterday", "since='yesterday'"),
    ("type=Bombing;DROP", "type="), ("q=" + "x" * 201, "q: at most 200"),
])
def test_a_bad_filter_is_one_clear_line(query, message):
    with pytest.raises(BadRequest, match=message):
        Filters.from_query(QueryParams(query))


def test_a_cursor_round_trips_and_a_forged_one_is_refused():
    row = {"updated_at": T0, "incident_id": 42}
    assert decode_cursor(encode_cursor(row)) == (T0, 42)
    with pytest.raises(BadRequest, match="cursor"):
        decode_cursor("bm90IGEgY3Vyc29y")


def test_as_of_takes_a_time_with_zone_a_naive_time_as_utc_or_a_day():
    assert parse_moment("2026-11-29T18:00Z") == datetime(2026, 11, 29, 18, tzinfo=UTC)
    assert parse_moment("2026-11-29T18:00") == datetime(2026, 11, 29, 18, tzinfo=UTC)
    assert parse_moment("2026-11-29") == datetime(2026, 11, 29, tzinfo=UTC)
    with pytest.raises(BadRequest, match="as_of='soon'"):
        parse_moment("soon")
