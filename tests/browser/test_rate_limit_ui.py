"""A bandwidth limit of one transfer, typed in the copy and import dialogs as people write rates."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .test_browse import browse, keys, row, row_action


def _job(live, kind: str) -> dict:
    with live.client() as client:
        return next(j for j in client.get("/api/transfers").json()["jobs"] if j["kind"] == kind)


def test_a_copy_started_with_a_limit_of_its_own(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="data/iris.csv", Body=b"a,b\n1,2\n")
    browse(page, live, bucket, "data/")
    row(page, "iris.csv").wait_for()
    row_action(page, "iris.csv", "Copy or move…")
    dialog = page.get_by_role("dialog", name="Copy or move 1 item")
    dialog.get_by_label("Destination folder").fill("limited/")
    limit = dialog.get_by_label("Bandwidth limit")
    copy = dialog.get_by_role("button", name="Copy", exact=True)

    limit.fill("fast please")
    expect(dialog.get_by_text("A size per second")).to_be_visible()
    expect(copy).to_be_disabled()

    limit.fill("1.5MiB/s")
    expect(copy).to_be_enabled()
    copy.click()
    dialog.wait_for(state="detached")

    assert _job(live, "copy")["limit_rate"] == 1572864
    page.goto(page.url.split("/browse")[0] + "/transfers")
    page.get_by_role("button", name=re.compile("^Show files of Copy .*limited")).first.click()
    expect(page.get_by_test_id("job-limit-rate").first).to_have_text("1.5 MiB/s")
    assert "limited/iris.csv" in keys(s3, bucket, "limited/")


def test_an_empty_limit_sends_none(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="data/one.txt", Body=b"one")
    browse(page, live, bucket, "data/")
    row(page, "one.txt").wait_for()
    row_action(page, "one.txt", "Copy or move…")
    dialog = page.get_by_role("dialog", name="Copy or move 1 item")
    dialog.get_by_label("Destination folder").fill("plain/")
    dialog.get_by_label("Bandwidth limit").fill("  ")
    dialog.get_by_role("button", name="Copy", exact=True).click()
    dialog.wait_for(state="detached")
    assert _job(live, "copy").get("limit_rate") is None
