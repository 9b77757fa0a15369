"""The Sync dialog of the storage browser: preview the plan (totals, one row per file with its rule), a
change of options drops the plan, Start runs the job, which the Transfers page shows; the objects are
checked with boto3 and on disk."""

from __future__ import annotations

import os
import time
import uuid

from .conftest import open_app


def row_action(page, name: str, action: str):
    page.get_by_role("button", name=f"Actions for {name}").click()
    page.get_by_role("menuitem", name=action, exact=True).click()


def wait_for(check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def s3_objects(s3, bucket: str, prefix: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_sync_a_local_folder_to_s3_with_a_preview(page, live, bucket, s3, local_root):
    name = f"sync-ui-{uuid.uuid4().hex[:6]}"
    (local_root / name / "weights").mkdir(parents=True)
    (local_root / name / "config.json").write_bytes(b'{"a": 1}')
    (local_root / name / "weights/model.bin").write_bytes(b"\x01" * 5000)
    (local_root / name / "notes.log").write_bytes(b"not wanted")
    (local_root / name / "same.txt").write_bytes(b"same")
    s3.put_object(Bucket=bucket, Key="mirror/same.txt", Body=b"same")
    os.utime(local_root / name / "same.txt", (1e9, 1e9))  # older than its copy: unchanged
    s3.put_object(Bucket=bucket, Key="mirror/config.json", Body=b'{"a": 0}')
    future = time.time() + 3600
    os.utime(local_root / name / "config.json", (future, future))  # same size, newer: copied
    s3.put_object(Bucket=bucket, Key="mirror/stale.txt", Body=b"not in the source")
    location = live.services.locations.local[0]

    open_app(page, live, f"/browse/{location.id}?prefix={name}%2F")
    page.get_by_test_id("sync-folder").click()  # the toolbar's: the open folder
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(f"Sync {location.name}/{name}/ to…").wait_for()
    dialog.get_by_label("Destination location").select_option(label=f"{bucket} (S3)")
    dialog.get_by_label("Destination folder").fill("mirror/")
    dialog.get_by_label("Exclude patterns").fill("*.log")
    start = dialog.get_by_role("button", name="Start sync")
    assert start.is_disabled()  # not before a plan was shown

    dialog.get_by_role("button", name="Preview plan").click()
    dialog.get_by_test_id("sync-plan").wait_for()
    assert dialog.get_by_test_id("sync-total-copy").inner_text().startswith("2 files")
    assert dialog.get_by_test_id("sync-total-skip").inner_text() == "1 file"
    assert dialog.get_by_test_id("sync-total-delete").count() == 0  # delete is off
    rules = {
        row.locator("td").first.inner_text(): row.get_by_test_id("sync-rule").get_attribute("data-rule")
        for row in dialog.get_by_test_id("sync-plan-row").all()
    }
    assert rules == {"config.json": "size-mtime", "weights/model.bin": "new", "same.txt": "size-mtime"}
    assert start.is_enabled()

    # Another option drops the plan: Start waits for a new preview.
    dialog.get_by_label("Delete files that are not in the source").check()
    dialog.get_by_test_id("sync-plan-section").wait_for(state="detached")
    assert start.is_disabled()
    dialog.get_by_role("button", name="Preview plan").click()
    dialog.get_by_test_id("sync-total-delete").wait_for()
    assert dialog.get_by_test_id("sync-total-delete").inner_text() == "1 file · 17 B"
    delete_row = dialog.locator('[data-testid="sync-plan-row"][data-action="delete"]')
    assert delete_row.locator("td").first.inner_text() == "stale.txt"
    start.click()
    dialog.wait_for(state="detached")

    open_app(page, live, "/transfers")
    title = f"Sync {location.name}/{name}/ to {bucket}/mirror/"
    row = page.locator('[data-testid="job-row"][data-kind="sync"]', has_text=title)
    page.locator('[data-testid="job-row"][data-state="completed"]', has_text=title).wait_for()
    assert row.get_by_text("Sync →").count() == 1
    row.get_by_role("button", name=f"Show files of {title}").click()
    page.get_by_test_id("file-delete").first.wait_for()
    assert s3_objects(s3, bucket, "mirror/") == {
        "mirror/config.json": b'{"a": 1}',
        "mirror/same.txt": b"same",
        "mirror/weights/model.bin": b"\x01" * 5000,
    }


def test_sync_a_folder_from_its_row_action_to_a_local_folder(page, live, bucket, s3, local_root):
    s3.put_object(Bucket=bucket, Key="models/a/config.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="models/a/w/model.bin", Body=b"w" * 100)
    location = live.services.locations.local[0]
    target = f"sync-row-{uuid.uuid4().hex[:6]}"
    open_app(page, live, f"/browse/s3:{bucket}?prefix=models%2F")
    row_action(page, "a", "Sync…")
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Destination location").select_option(label=f"{location.name} (local)")
    dialog.get_by_label("Destination folder").fill(target)
    dialog.get_by_role("button", name="Preview plan").click()
    assert dialog.get_by_test_id("sync-total-copy").inner_text().startswith("2 files")
    dialog.get_by_role("button", name="Start sync").click()
    dialog.wait_for(state="detached")
    wait_for(lambda: (local_root / target / "w/model.bin").is_file())
    assert (local_root / target / "config.json").read_bytes() == b"{}"

    # The same folder as its own destination is refused before anything is asked of the server.
    row_action(page, "a", "Sync…")
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Destination location").select_option(label=f"{bucket} (S3)")
    dialog.get_by_label("Destination folder").fill("models/a/b/")
    dialog.get_by_test_id("sync-overlap").wait_for()
    assert dialog.get_by_role("button", name="Preview plan").is_disabled()
    assert dialog.get_by_role("button", name="Start sync").is_disabled()


def test_the_toolbar_keeps_every_button_in_view_at_800_px(page, live, bucket, s3):
    """With Sync… the folder's buttons no longer fit one line at 800 px: they wrap, none is pushed out."""
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(f"{live.url}/browse/s3:{bucket}")  # (the navigation starts closed at this width)
    page.get_by_text("a.txt", exact=True).wait_for()
    for button in (page.get_by_test_id("sync-folder"), page.get_by_role("button", name="Refresh")):
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 800, box
