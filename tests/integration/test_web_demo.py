"""`ops/up --demo` with its pages: the URL printed, the incident appearing and changing version live in
a real headless Chromium (no reload), its page with the chart and each version's quote and outlet, and
the API's versions and as_of.

Screenshots go to $TMPDIR/newswatch-screenshots/ (demo-1-list-live.png, demo-2-list-claim.png,
demo-3-incident.png).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest

from ops.ports import free_port
from tests.conftest import ROOT
from tests.integration.browser_support import assert_no_alert, browser_or_skip, screenshot
from tests.integration.test_up import Lines, _env, _ours

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]

DEMO_INTERVAL_S = 5  # seconds between two demo articles: time enough to see each change arrive


@dataclass
class Demo:
    url: str
    lines: Lines
    process: subprocess.Popen[str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo") / "nw"
    env = {**_env(data_dir), "NEWSWATCH_WEB_ADDR": f"127.0.0.1:{free_port()}"}
    up = subprocess.Popen([sys.executable, "-m", "ops", "up", "--demo", "--plain", "--demo-interval",
                           str(DEMO_INTERVAL_S)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    lines = Lines(up)
    try:
        line = lines.wait_for("incidents, live: http://", timeout=90)
        url = line.split("incidents, live: ", 1)[1].strip().rstrip("/")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the web child answers a moment after it is started
            try:
                httpx.get(url + "/static/style.css", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield Demo(url, lines, up)
    finally:
        up.send_signal(signal.SIGINT)
        try:
            assert up.wait(timeout=120) == 0
        finally:
            for proc in _ours(data_dir):
                proc.kill()
            link = data_dir / "postgres"
            if link.is_symlink():
                shutil.rmtree(link.resolve(), ignore_errors=True)
    assert _ours(data_dir) == []


def _row(driver) -> dict[str, str] | None:
    # One script reads the row whole: the live list replaces rows as versions arrive, so reading
    # attributes one WebDriver call at a time can hit a row that was swapped out in between.
    return driver.execute_script("""
        for (const row of document.querySelectorAll('#incidents tbody tr[data-id]')) {
            const text = row.innerText;
            if (text.includes('bombing') && text.includes('Mombasa')) {
                return {id: row.dataset.id, version: row.dataset.version, text: text};
            }
        }
        return null;""")


def _wait(driver, predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {timeout}s; the page shows:\n"
                         f"{driver.find_element('tag name', 'main').text}")


def test_in_a_browser_the_demo_incident_appears_and_changes_version_live_and_its_page_tells_the_story(demo):
    driver = browser_or_skip()
    try:
        driver.get(demo.url + "/")
        assert driver.execute_script("return document.querySelector('#incidents').dataset.live") is not None
        driver.execute_script("window.__loadedOnce = 'yes'")  # gone if the page were reloaded
        _wait(driver, lambda: driver.find_element("id", "live-status").text == "live", 15, "the live connection")

        first = _wait(driver, lambda: _row(driver), 120, "the bombing appearing")
        assert "12" in first["text"]
        screenshot(driver, "demo-1-list-live")
        versions_seen = {first["version"]}

        def claim_shown() -> dict[str, str] | None:
            row = _row(driver)
            if row is None:
                return None
            versions_seen.add(row["version"])
            return row if "Coastal Freedom Brigade" in row["text"] else None

        claimed = _wait(driver, claim_shown, 120, "the claim arriving")
        assert driver.execute_script("return window.__loadedOnce") == "yes", "the page was reloaded"
        assert len(versions_seen) >= 3, versions_seen  # v1, the toll rising, the claim: each arrived live
        assert "17" in claimed["text"]
        assert driver.find_elements("css selector", "#incidents tr.fresh")  # the changed row is marked
        screenshot(driver, "demo-2-list-claim")
        assert_no_alert(driver)

        incident = claimed["id"]
        # clicked in-page: the live list may swap the row (the last report is still arriving)
        driver.execute_script(f"document.querySelector('#incidents tr[data-id=\"{incident}\"] a').click()")
        _wait(driver, lambda: driver.current_url.endswith(f"/incidents/{incident}"), 15, "the incident page")

        def toll_of_19() -> bool:  # the incident page is not live: look again until the last report is in
            # the killed figure itself: "19" may also be in a date or a time of day on the page
            killed_text = driver.find_element("css selector", ".facts dd.killed").text
            if re.search(r"(^|\s)19(\s|$)", killed_text):
                return True
            time.sleep(1)
            driver.refresh()
            return False

        _wait(driver, toll_of_19, 90, "the toll of 19")
        chart = driver.find_element("id", "chart")
        killed = chart.find_element("css selector", "path.series.killed").get_attribute("d")
        injured = chart.find_element("css selector", "path.series.injured").get_attribute("d")
        assert killed.count(" V ") == 2 and injured.count(" V ") == 1  # 12 -> 17 -> 19 killed; 30 -> 41 injured
        versions = driver.find_elements("css selector", "li.version")
        assert len(versions) == 4
        for item in versions:
            assert item.find_element("css selector", "blockquote.quote").text
            assert item.find_element("css selector", ".outlet").text.endswith("(demo)")
        screenshot(driver, "demo-3-incident")
    finally:
        driver.quit()


def test_during_the_demo_the_api_gives_versions_with_quotes_and_as_of_before_the_claim_has_no_claim(demo):
    seen = [s for s in demo.lines.seen if "(claim): bombing in Mombasa" in s]
    line = seen[0] if seen else demo.lines.wait_for("(claim): bombing in Mombasa", timeout=240)
    incident = re.search(r"incident #(\d+)", line).group(1)
    detail = httpx.get(f"{demo.url}/api/incidents/{incident}").json()
    with_quotes = [v for v in detail["versions"] if v["quote"]]
    assert len(with_quotes) >= 2
    claim = next(v for v in detail["versions"] if v["reason"] == "claim")
    assert claim["claimed_by"] == "Coastal Freedom Brigade" and claim["article_url"].startswith("http://127.0.0.1:")

    earlier = httpx.get(f"{demo.url}/api/incidents/{incident}",
                        params={"as_of": _minus_a_millisecond(claim["valid_from"])}).json()
    assert earlier["claimed_by"] is None and all(v["reason"] != "claim" for v in earlier["versions"])
    assert earlier["version"] == claim["version"] - 1
    page = httpx.get(f"{demo.url}/incidents/{incident}", params={"as_of": _minus_a_millisecond(claim["valid_from"])})
    assert "Coastal Freedom Brigade" not in page.text


def _minus_a_millisecond(iso: str) -> str:
    return (datetime.fromisoformat(iso) - timedelta(milliseconds=1)).isoformat()


def test_the_demo_prints_where_its_pages_are(demo):
    assert demo.url.startswith("http://127.0.0.1:")
    assert httpx.get(demo.url + "/feeds").text.count("(demo)") >= 4
