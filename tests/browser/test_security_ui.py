"""The security posture as a person meets it: pages run under their CSP, the API docs work with no
CDN, the login URL of a token-protected server, and no other site can frame the UI."""

from __future__ import annotations

from .conftest import open_app

TOKEN = "browser-token-" + "0123456789abcdef" * 2


def test_every_screen_runs_under_its_csp(page, live):
    for path in ("/", "/buckets", "/transfers", "/vram", "/settings"):
        open_app(page, live, path)
        page.wait_for_load_state("networkidle")
    # The page fixture fails the test on any CSP violation reported on the console.


def test_api_docs_render_from_the_app_itself(page, live):
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live.url + "/api/docs")
    page.get_by_text("/api/locations/{location_id}/objects", exact=False).first.wait_for()
    assert requested and all(url.startswith(live.url) for url in requested), requested


def test_login_url_then_the_app(browser, make_live):
    server = make_live(auth_token=TOKEN)
    with server.client() as c:
        c.put("/api/disclaimer", json={"accepted": True}, headers={"Authorization": f"Bearer {TOKEN}"})
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        page.get_by_label("Access token").fill("wrong")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("alert").wait_for()
        page.goto(server.url + f"/login?token={TOKEN}")
        page.get_by_role("link", name="Storage browser").wait_for()
        cookies = context.cookies()
        assert cookies and all(c["httpOnly"] and c["sameSite"] == "Strict" for c in cookies)
        assert all(TOKEN not in c["value"] for c in cookies)
    finally:
        context.close()


def test_another_site_cannot_frame_the_ui(browser, live):
    context = browser.new_context()
    page = context.new_page()
    try:
        # A page of another origin (a data: URL is opaque) that frames the app.
        page.set_content(f'<iframe id="f" src="{live.url}/" width="800" height="600"></iframe>')
        page.wait_for_timeout(1500)
        frame = page.frame_locator("#f")
        assert frame.get_by_role("link", name="Storage browser").count() == 0
    finally:
        context.close()
