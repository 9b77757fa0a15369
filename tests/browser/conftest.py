"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), launched once per session."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from odh_tec.app import STATIC_DIR

CHROMIUM = os.environ.get("ODH_TEC_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make browsers)")
    if not (STATIC_DIR / "index.html").exists():
        pytest.skip("The web UI is not built (make ui)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def accepted(live):
    """The shared app with the disclaimer already accepted (one test checks the gate on a fresh app)."""
    with live.client() as client:
        client.put("/api/disclaimer", json={"accepted": True}).raise_for_status()
    return live


class Errors(list):
    """Uncaught page errors: every test fails on them."""


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


FAILURES = Path(os.environ.get("ODH_TEC_BROWSER_FAILURES", "/tmp/odh-tec-browser-failures"))


@pytest.fixture
def page(browser, accepted, request) -> Iterator:
    context = browser.new_context(
        accept_downloads=True, viewport={"width": 1400, "height": 900}, locale="en-US", timezone_id="UTC"
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors = Errors()
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # A Content-Security-Policy violation is reported on the console, not as a page error.
    pg.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None,
    )
    pg.errors = errors
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # a screenshot is a bonus: never mask the test's own failure
            pg.screenshot(path=str(FAILURES / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def open_app(page, server, path: str = "/"):
    """Go to `path` under the app's prefix and wait for the shell."""
    page.goto(server.url + path)
    page.get_by_role("link", name="Storage browser").wait_for()
    return page
