"""The shell: disclaimer gate, theme, navigation, NB_PREFIX routing, and accessibility (axe)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FRONTEND, open_app
from .test_browse import browse, row, row_action

AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"


def test_disclaimer_gate_once(browser, make_live):
    server = make_live()
    page = browser.new_page()
    try:
        page.goto(server.url + "/")
        dialog = page.get_by_role("dialog", name="Before you start")
        dialog.wait_for()
        assert "without warranty" in dialog.inner_text()
        dialog.get_by_role("button", name="Accept and continue").click()
        dialog.wait_for(state="detached")
        with server.client() as client:
            assert client.get("/api/disclaimer").json()["accepted"] is True
        page.reload()
        page.get_by_role("link", name="Storage browser").wait_for()
        assert page.get_by_role("dialog", name="Before you start").count() == 0
    finally:
        page.close()


def test_theme_toggle_is_remembered(page, live):
    open_app(page, live, "/buckets")
    assert "pf-v6-theme-dark" not in (page.locator("html").get_attribute("class") or "")
    page.get_by_role("button", name="Dark theme").click()
    assert "pf-v6-theme-dark" in page.locator("html").get_attribute("class")
    page.reload()
    page.get_by_role("link", name="Storage browser").wait_for()
    assert "pf-v6-theme-dark" in page.locator("html").get_attribute("class")
    assert page.get_by_role("button", name="Dark theme").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Light theme").click()
    assert "pf-v6-theme-dark" not in (page.locator("html").get_attribute("class") or "")


def test_navigation_and_about(page, live):
    open_app(page, live, "/")
    for name, heading in [
        ("Buckets", "Buckets"),
        ("Transfers", "Transfers"),
        ("VRAM estimator", "VRAM estimator"),
        ("Settings", "Settings"),
        ("Storage browser", "Storage browser"),
    ]:
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=name).click()
        page.get_by_role("heading", level=1, name=heading).wait_for()
    page.get_by_role("button", name="Help").click()
    page.get_by_role("menuitem", name="About").click()
    about = page.get_by_role("dialog")
    about.get_by_text("Version").wait_for()
    page.keyboard.press("Escape")
    # Unknown client routes are served by the SPA (deep links work).
    page.goto(live.url + "/no/such/page")
    page.get_by_text("Page not found").wait_for()


def test_everything_under_nb_prefix(browser, make_live, s3, bucket, tmp_path):
    prefix = "/notebook/ns/wb"
    server = make_live(nb_prefix=prefix)
    with server.client() as client:
        client.put("/api/disclaimer", json={"accepted": True}).raise_for_status()
    s3.put_object(Bucket=bucket, Key="docs/readme.txt", Body=b"hello from a prefix")
    page = browser.new_page(accept_downloads=True)
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    try:
        page.goto(f"http://127.0.0.1:{server.port}/")  # redirected under the prefix
        page.get_by_role("link", name="Storage browser").wait_for()
        assert page.url.startswith(f"http://127.0.0.1:{server.port}{prefix}/browse")
        page.goto(f"{server.url}/browse/s3:{bucket}")
        page.get_by_role("button", name="docs", exact=True).click()
        page.wait_for_url(f"**{prefix}/browse/**prefix=docs%2F")
        row(page, "readme.txt").get_by_role("button", name="readme.txt", exact=True).click()
        page.get_by_role("dialog").get_by_text("hello from a prefix").wait_for()
        page.keyboard.press("Escape")
        with page.expect_download() as info:
            row_action(page, "readme.txt", "Download")
        assert Path(info.value.path()).read_bytes() == b"hello from a prefix"
        upload = tmp_path / "up.txt"
        upload.write_bytes(b"uploaded under a prefix")
        page.get_by_test_id("file-input").set_input_files(str(upload))
        page.get_by_role("dialog", name="Uploads").locator('[data-state="done"]').wait_for()
        assert s3.get_object(Bucket=bucket, Key="docs/up.txt")["Body"].read() == b"uploaded under a prefix"
        # A reload of a deep link works, and every request stayed under the prefix.
        page.reload()
        row(page, "up.txt").wait_for()
        ours = [u for u in urls if u.startswith(f"http://127.0.0.1:{server.port}")]
        assert any(f"{prefix}/api/transfers/events" in u for u in ours)
        assert any(f"{prefix}/assets/" in u for u in ours)
        stray = [
            u
            for u in ours
            if not u.startswith(f"http://127.0.0.1:{server.port}{prefix}/") and u != f"http://127.0.0.1:{server.port}/"
        ]
        assert stray == []
    finally:
        page.close()


# Accessibility ------------------------------------------------------------------------------------


def axe_violations(page, context: str = "document") -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs through DevTools, outside the page's CSP (which rightly blocks inline scripts).
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        f"async () => (await axe.run({context}, {{resultTypes: ['violations']}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe_ready():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed ({AXE}); run `make ui` (npm ci installs it)")
    return AXE


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_accessibility_of_every_page(page, live, bucket, s3, axe_ready, theme):
    s3.put_object(Bucket=bucket, Key="folder/a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="notes.md", Body=b"# Notes\n\nsome *text*")
    page.add_init_script(f"localStorage.setItem('odh-tec-theme', '{theme}')")
    found: dict[str, list] = {}

    browse(page, live, bucket)
    row(page, "notes.md").wait_for()
    found["browser"] = axe_violations(page)
    page.get_by_role("checkbox", name="Select notes.md").check()
    found["browser with selection"] = axe_violations(page)
    row(page, "notes.md").get_by_role("button", name="notes.md", exact=True).click()
    page.get_by_role("dialog").get_by_text("Language: markdown").wait_for()
    found["preview"] = axe_violations(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Import from HuggingFace").click()
    page.get_by_role("dialog", name="Import from HuggingFace").wait_for()
    found["hf import"] = axe_violations(page)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Create folder").first.click()
    found["create folder"] = axe_violations(page)
    page.keyboard.press("Escape")

    for path, ready in [
        ("/buckets", "Create bucket"),
        ("/transfers", None),
        ("/vram", None),
        ("/settings", "Test connection"),
    ]:
        open_app(page, live, path)
        if ready:
            page.get_by_role("button", name=ready).first.wait_for()
        else:
            page.get_by_role("heading", level=1).wait_for()
        found[path] = axe_violations(page)
    page.get_by_role("tab", name="HuggingFace").click()
    found["settings hf"] = axe_violations(page)
    open_app(page, live, "/buckets")
    page.get_by_role("button", name="Create bucket").click()
    found["create bucket"] = axe_violations(page)

    problems = {where: v for where, v in found.items() if v}
    assert problems == {}, problems
