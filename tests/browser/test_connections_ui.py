"""Settings › S3 connections: add a connection to a second S3, test it, browse its bucket from the
location picker, and never see its secret (issue 13)."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from playwright.sync_api import expect

from conftest import OTHER_ADMIN, empty_and_delete_bucket

from .conftest import open_app


@pytest.fixture
def team_bucket(other_s3):
    name = f"team-{uuid.uuid4().hex[:8]}"
    other_s3.create_bucket(Bucket=name)
    other_s3.put_object(Bucket=name, Key="models/readme.txt", Body=b"on the second server")
    yield name
    empty_and_delete_bucket(other_s3, name)


def test_add_test_and_browse_a_connection(page, live, other_s3_server, team_bucket):
    bodies: list[str] = []

    def record(response):
        with contextlib.suppress(Exception):
            bodies.append(response.text())

    page.on("response", record)
    try:
        open_app(page, live, "/settings?tab=connections")
        tab = page.get_by_test_id("connections-tab")
        tab.wait_for()
        assert tab.get_by_test_id("connection-row").first.get_attribute("data-name") == "default"
        tab.get_by_role("button", name="Add connection").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Name").fill("Bad name")
        dialog.get_by_text("Use 1–32 lowercase letters").wait_for()
        assert dialog.get_by_role("button", name="Add connection").is_disabled()
        dialog.get_by_label("Name").fill("team")
        dialog.get_by_label("Endpoint").fill(other_s3_server.endpoint)
        dialog.get_by_label("Access key ID").fill(OTHER_ADMIN.access_key_id)
        dialog.get_by_label("Secret access key").fill(OTHER_ADMIN.secret_access_key)
        dialog.get_by_role("button", name="Add connection").click()
        page.get_by_text("Connection team added").first.wait_for()
        row = tab.locator('[data-testid="connection-row"][data-name="team"]')
        row.wait_for()
        assert "Settings" in row.inner_text() and "Set" in row.inner_text()

        row.get_by_role("button", name="Test connection team").click()
        result = page.get_by_test_id("connection-test-result")
        result.wait_for()
        assert "team: Connection test passed" in result.inner_text(), result.inner_text()

        # The buckets page shows each connection's buckets, picked by connection.
        page.get_by_role("link", name="Buckets").click()
        page.get_by_test_id("bucket-connection").select_option("team")
        page.locator(f'[data-testid="bucket-row"][data-name="{team_bucket}"]').wait_for()
        link = page.get_by_role("link", name=f"Browse {team_bucket}").or_(page.get_by_role("link", name=team_bucket))
        assert f"s3%3Ateam%40{team_bucket}" in (link.first.get_attribute("href") or "")

        # The picker groups the new connection's buckets under its name; its objects open as usual.
        page.get_by_role("link", name="Storage browser").click()
        page.get_by_test_id("location-picker").click()
        group = page.locator('[data-testid="location-group"][data-connection="team"]')
        group.wait_for()
        assert "S3 buckets · team" in group.inner_text()
        group.get_by_role("option", name=team_bucket).click()
        expect(page.get_by_test_id("location-picker")).to_contain_text("team@", timeout=15_000)  # once it re-renders
        page.get_by_role("button", name="models", exact=True).click()
        page.get_by_text("readme.txt").wait_for()
        assert OTHER_ADMIN.secret_access_key not in page.content()
        assert all(OTHER_ADMIN.secret_access_key not in body for body in bodies)
    finally:
        with live.client() as client:
            client.delete("/api/connections/team")
