"""Debian's headless Chromium, driven through its chromedriver, for the browser tests.

ops/test installs the `chromium` and `chromium-driver` packages when they are missing (as root, with
apt-get); anywhere they are still missing the browser tests skip with one line saying so.

The W3C WebDriver protocol is plain HTTP and JSON, spoken here with httpx (already a dependency) in
the few calls the tests need. Not selenium: it depends on trio, and with trio installed httpcore
imports it in every process, which the dependency check (tests/unit/test_dependencies.py) rightly
flags as a library the services would import without declaring it.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ops.ports import free_port

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000"]
SCREENSHOTS = Path(tempfile.gettempdir()) / "newswatch-screenshots"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


class WebDriverError(AssertionError):
    pass


class Element:
    def __init__(self, browser: Browser, ref: str) -> None:
        self.browser, self.ref = browser, ref

    @property
    def text(self) -> str:
        return str(self.browser.call("GET", f"/element/{self.ref}/text"))

    def get_attribute(self, name: str) -> str | None:
        return self.browser.execute_script("return arguments[0].getAttribute(arguments[1])", self, name)

    def click(self) -> None:
        self.browser.call("POST", f"/element/{self.ref}/click", {})

    def find_element(self, by: str, value: str) -> Element:
        return Element(self.browser, self.browser.call("POST", f"/element/{self.ref}/element",
                                                       _locator(by, value))[ELEMENT])


def _locator(by: str, value: str) -> dict[str, str]:
    if by == "id":
        return {"using": "css selector", "value": f"#{value}"}
    return {"using": by, "value": value}


class Browser:
    """One headless Chromium session (a fresh profile) through a chromedriver of its own."""

    def __init__(self, chromium: str, chromedriver: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="newswatch-chromium-")
        port = free_port()
        self.driver = subprocess.Popen([chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.monotonic() + 20
        while True:
            try:
                if self.http.get("/status").json()["value"]["ready"]:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.quit()
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.1)
        capabilities = {"browserName": "chrome", "unhandledPromptBehavior": "ignore",
                        "goog:chromeOptions": {"binary": chromium,
                                               "args": [*CHROMIUM_FLAGS, f"--user-data-dir={self.profile}"]}}
        answer = self.http.post("/session", json={"capabilities": {"alwaysMatch": capabilities}}).json()["value"]
        if "sessionId" not in answer:
            self.quit()
            raise WebDriverError(f"no browser session: {answer.get('message')}")
        self.session: str | None = answer["sessionId"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.http.request(method, f"/session/{self.session}{path}", json=body).json()["value"]
        if isinstance(answer, dict) and "error" in answer:
            raise WebDriverError(f"{answer['error']}: {answer.get('message', '').splitlines()[0]}")
        return answer

    def get(self, url: str) -> None:
        self.call("POST", "/url", {"url": url})

    def refresh(self) -> None:
        self.call("POST", "/refresh", {})

    @property
    def current_url(self) -> str:
        return str(self.call("GET", "/url"))

    def execute_script(self, script: str, *args: Any) -> Any:
        plain = [{ELEMENT: a.ref} if isinstance(a, Element) else a for a in args]
        return self.call("POST", "/execute/sync", {"script": script, "args": plain})

    def find_element(self, by: str, value: str) -> Element:
        return Element(self, self.call("POST", "/element", _locator(by, value))[ELEMENT])

    def find_elements(self, by: str, value: str) -> list[Element]:
        return [Element(self, e[ELEMENT]) for e in self.call("POST", "/elements", _locator(by, value))]

    def set_window_size(self, width: int, height: int) -> None:
        self.call("POST", "/window/rect", {"width": width, "height": height})

    def save_screenshot(self, path: str) -> None:
        Path(path).write_bytes(base64.b64decode(self.call("GET", "/screenshot")))

    def alert_text(self) -> str | None:
        try:
            return str(self.call("GET", "/alert/text"))
        except WebDriverError as exc:
            if str(exc).startswith("no such alert"):
                return None
            raise

    def quit(self) -> None:
        try:
            if getattr(self, "session", None):
                self.http.delete(f"/session/{self.session}")
                self.session = None
        finally:
            self.http.close()
            self.driver.terminate()
            try:
                self.driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def browser_or_skip() -> Browser:
    """A fresh headless Chromium, or a skip saying what is missing."""
    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip("no headless browser: Debian's chromium and chromium-driver are not installed "
                    "(ops/test installs them with apt-get when it runs as root)")
    return Browser(chromium, chromedriver)


def screenshot(driver: Browser, name: str) -> Path:
    """Save the page as SCREENSHOTS/<name>.png (the whole page, not just the window)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, max(1000, min(int(height) + 140, 6000)))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    return path


def assert_no_alert(driver: Browser) -> None:
    text = driver.alert_text()
    if text is not None:
        raise AssertionError(f"a script ran: an alert said {text!r}")
