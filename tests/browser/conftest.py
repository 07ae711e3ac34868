"""End-to-end tests of the web widget in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Once per session: the real action server and rasa server (trained model, socket.io channel, CORS limited to the
demo page's origin, started like scripts/run.sh does) and the demo page server (scripts/web_serve.py), all on free
loopback ports. Each test gets a fresh browser profile. Screenshots go to tests/artifacts/browser/.

Needs: `make install index train`, scripts/web_build.sh (web/dist) and scripts/web_install_browser.sh.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from tests.support.processes import ACTIONS_PYTHON, MODEL, ROOT, free_port, offline_env, rasa_run, start, stop

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Longest wait for one bot answer (the machines are shared: a first answer can take a while).
REPLY_TIMEOUT_MS = 90_000
START_TIMEOUT_S = 420


class Stack:
    """Action server, rasa server and demo page server; `page_url` is the allowed origin, `other_origin_url` not."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.action_port, self.rasa_port = free_port(), free_port()
        self.web_port, self.other_web_port = free_port(), free_port()
        self.origins = [f"http://localhost:{self.web_port}", f"http://127.0.0.1:{self.web_port}"]
        self.env = offline_env(
            ACTION_PORT=str(self.action_port),
            ACTION_HOST="127.0.0.1",
            RASA_PORT=str(self.rasa_port),
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            WEB_PORT=str(self.web_port),
            CORS_ORIGINS=",".join(self.origins),
            TRACKER_DIALECT="sqlite",
            TRACKER_DB=str(tmp / "tracker.db"),
        )
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def page_url(self) -> str:
        return f"http://localhost:{self.web_port}/"

    @property
    def other_origin_url(self) -> str:
        return f"http://localhost:{self.other_web_port}/"

    def _start(self, name: str, command: list[str], health_url: str) -> None:
        self.processes[name] = start(command, self.tmp / f"{name}.log", self.env, health_url, timeout=START_TIMEOUT_S)

    def start(self) -> None:
        web = [
            str(ACTIONS_PYTHON),
            "scripts/web_serve.py",
            "--host",
            "127.0.0.1",
            "--rasa-url",
            f"http://localhost:{self.rasa_port}",
        ]
        self._start("web", web + ["--port", str(self.web_port)], self.page_url)
        # The same page from an origin the rasa server does not list.
        self._start("web-other", web + ["--port", str(self.other_web_port)], self.other_origin_url)
        self._start("actions", [str(ACTIONS_PYTHON), "-m", "actions"], f"http://127.0.0.1:{self.action_port}/health")
        self._start(
            "rasa",
            rasa_run(self.rasa_port, "--cors", *self.origins),
            f"http://127.0.0.1:{self.rasa_port}/webhooks/socketio/",
        )

    def stop(self) -> None:
        stop(self.processes.values())


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it first)")
    if not (ROOT / "web" / "dist" / "widget.js").exists():
        pytest.fail("web/dist/widget.js is missing: run scripts/web_build.sh")
    running = Stack(tmp_path_factory.mktemp("browser-stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/web_install_browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright_driver, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh Chromium profile (its own --user-data-dir) per test; a screenshot of every open page at the end."""
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1100, "height": 800},
        locale="en-GB",
    )
    context.set_default_timeout(30_000)
    dialogs: list[str] = []

    def watch(page) -> None:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        # A renderer crash is the machine's, not the widget's: said in the log (web_test.sh re-runs such a test once).
        page.on("crash", lambda crashed: print(f"chromium: the page {crashed.url} crashed", file=sys.stderr))

    context.on("page", watch)
    for page in context.pages:
        watch(page)
    context.dialogs = dialogs  # type: ignore[attr-defined]
    try:
        yield context
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for index, page in enumerate(context.pages):
            if not page.is_closed():
                suffix = f"-{index}" if index else ""
                page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}-end.png"), full_page=True)
        context.close()


@pytest.fixture
def page(browser):
    return browser.pages[0] if browser.pages else browser.new_page()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@lru_cache(maxsize=1)
def _responses() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def response_text(name: str, language: str) -> str:
    """The domain's text of a response in a language (French variations have a condition, English is default)."""
    for candidate in _responses()[name]:
        is_french = any(c.get("value") == "fr" for c in candidate.get("condition") or [])
        if is_french == (language == "fr"):
            return candidate["text"]
    raise KeyError(name)


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]
