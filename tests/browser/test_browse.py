"""Storage browser end to end: browse, paginate, search, folders, selection, uploads, downloads."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

from .conftest import open_app


def rows(page):
    return page.locator('[data-testid="object-row"]')


def row(page, name: str):
    return page.locator(f'[data-testid="object-row"][data-name="{name}"]')


def browse(page, live, bucket: str, prefix: str = ""):
    path = f"/browse/s3:{bucket}" + (f"?prefix={prefix}" if prefix else "")
    open_app(page, live, path)
    return page


def row_action(page, name: str, action: str):
    page.get_by_role("button", name=f"Actions for {name}").click()
    page.get_by_role("menuitem", name=action, exact=True).click()


def keys(s3, bucket: str, prefix: str = "") -> list[str]:
    out = []
    for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in p.get("Contents", [])]
    return sorted(out)


def test_browse_paginate_and_search(page, live, bucket, s3):
    for i in range(130):
        s3.put_object(Bucket=bucket, Key=f"many/file-{i:03d}.txt", Body=b"x" * i)
    s3.put_object(Bucket=bucket, Key="many/sub/inner.txt", Body=b"inner")
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"top")
    browse(page, live, bucket)
    page.get_by_role("button", name="many", exact=True).click()
    page.wait_for_url("**prefix=many%2F")
    # One page of 100 entries (key order), then "Load more" for the rest.
    page.get_by_text("100 items loaded, more available").wait_for()
    assert rows(page).count() == 100
    page.get_by_role("button", name="Load more").click()
    page.get_by_text("131 items loaded").wait_for()
    assert rows(page).count() == 131
    assert rows(page).first.get_attribute("data-name") == "sub"  # folders first
    assert not page.get_by_role("button", name="Load more").is_visible()
    # Sizes are human readable; sorting by size puts the largest first.
    page.get_by_role("button", name="Size").click()
    page.get_by_role("button", name="Size").click()
    assert rows(page).nth(1).get_attribute("data-name") == "file-129.txt"
    assert "129 B" in rows(page).nth(1).inner_text()
    # Server-side prefix search.
    page.get_by_role("textbox", name="Search this folder").fill("file-12")
    page.get_by_text("10 items loaded").wait_for()
    assert sorted(rows(page).evaluate_all("rs => rs.map(r => r.dataset.name)")) == [
        f"file-12{i}.txt" for i in range(10)
    ]
    page.get_by_role("textbox", name="Search this folder").fill("nothing-like-this")
    page.get_by_text("No matching items").wait_for()
    # Breadcrumb back to the root.
    page.get_by_role("navigation", name="Current folder").get_by_role("link", name=bucket).click()
    row(page, "top.txt").wait_for()
    assert rows(page).count() == 2


def test_create_and_delete_folder(page, live, bucket, s3):
    browse(page, live, bucket)
    page.get_by_text("This folder is empty").wait_for()
    page.get_by_role("button", name="Create folder").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Folder name").fill("bad//name")
    assert dialog.get_by_role("button", name="Create").is_disabled()
    dialog.get_by_label("Folder name").fill("new folder")
    dialog.get_by_role("button", name="Create").click()
    row(page, "new folder").wait_for()
    assert keys(s3, bucket) == ["new folder/"]
    row_action(page, "new folder", "Delete")
    dialog = page.get_by_role("dialog")
    delete = dialog.get_by_role("button", name="Delete")
    assert delete.is_disabled()
    dialog.get_by_label('Type "new folder" to confirm').fill("new folder")
    delete.click()
    page.get_by_text("This folder is empty").wait_for()
    assert keys(s3, bucket) == []


def test_select_range_and_bulk_delete(page, live, bucket, s3):
    for name in ["a.txt", "b.txt", "c.txt", "d.txt"]:
        s3.put_object(Bucket=bucket, Key=name, Body=name.encode())
    s3.put_object(Bucket=bucket, Key="dir/x.txt", Body=b"x")
    browse(page, live, bucket)
    row(page, "a.txt").wait_for()
    page.get_by_role("checkbox", name="Select dir").check()
    page.get_by_role("checkbox", name="Select b.txt").click(modifiers=["Shift"])
    assert page.get_by_test_id("selection-count").inner_text() == "2 files, 1 folder selected"
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("dir/").wait_for()
    dialog.get_by_label('Type "delete 3 items" to confirm').fill("delete 3 items")
    dialog.get_by_role("button", name="Delete").click()
    row(page, "d.txt").wait_for()
    # The function form: a bare expression is compiled with eval, which the page's CSP refuses.
    page.wait_for_function("() => document.querySelectorAll('[data-testid=object-row]').length === 2")
    assert keys(s3, bucket) == ["c.txt", "d.txt"]
    # Select all, then Escape clears.
    page.get_by_role("checkbox", name="Select all loaded items").check()
    assert page.get_by_test_id("selection-count").inner_text() == "2 files, 0 folders selected"
    page.keyboard.press("Escape")
    assert not page.get_by_test_id("selection-count").is_visible()


def test_upload_files_and_folder(page, live, bucket, s3, tmp_path):
    one = tmp_path / "one.bin"
    one.write_bytes(os.urandom(3 * 1024 * 1024 + 5))
    folder = tmp_path / "dataset"
    (folder / "train" / "deep").mkdir(parents=True)
    (folder / "train" / "deep" / "a.jsonl").write_bytes(b'{"a": 1}\n')
    (folder / "train" / "b é.txt").write_text("bé")
    (folder / "README.md").write_text("# data")
    s3.put_object(Bucket=bucket, Key="up/placeholder", Body=b"")
    browse(page, live, bucket, "up/")
    row(page, "placeholder").wait_for()
    page.get_by_test_id("file-input").set_input_files(str(one))
    dialog = page.get_by_role("dialog", name="Uploads")
    dialog.locator('[data-testid="upload-row"][data-state="done"]').wait_for()
    dialog.get_by_role("button", name="Close").last.click()
    row(page, "one.bin").wait_for()
    body = s3.get_object(Bucket=bucket, Key="up/one.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(one.read_bytes()).digest()

    page.get_by_test_id("folder-input").set_input_files(str(folder))
    dialog = page.get_by_role("dialog", name="Uploads")
    dialog.get_by_text("4 of 4 files uploaded").wait_for()
    dialog.get_by_role("button", name="Close").last.click()
    row(page, "dataset").wait_for()
    assert keys(s3, bucket, "up/dataset/") == [
        "up/dataset/README.md",
        "up/dataset/train/b é.txt",
        "up/dataset/train/deep/a.jsonl",
    ]
    assert s3.get_object(Bucket=bucket, Key="up/dataset/train/b é.txt")["Body"].read() == "bé".encode()


def test_upload_conflict_asks_before_overwriting(page, live, bucket, s3, tmp_path):
    s3.put_object(Bucket=bucket, Key="same.txt", Body=b"old")
    new = tmp_path / "same.txt"
    new.write_bytes(b"new content")
    browse(page, live, bucket)
    row(page, "same.txt").wait_for()
    page.get_by_test_id("file-input").set_input_files(str(new))
    dialog = page.get_by_role("dialog", name="Uploads")
    dialog.get_by_text("1 file already exists. Overwrite or skip?").wait_for()
    assert s3.get_object(Bucket=bucket, Key="same.txt")["Body"].read() == b"old"
    dialog.get_by_role("button", name="Overwrite same.txt").click()
    dialog.locator('[data-testid="upload-row"][data-state="done"]').wait_for()
    assert s3.get_object(Bucket=bucket, Key="same.txt")["Body"].read() == b"new content"


def test_cancel_upload_leaves_nothing(page, live, bucket, s3, tmp_path):
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(64 * 1024 * 1024)
    browse(page, live, bucket)
    page.get_by_text("This folder is empty").wait_for()
    # Slow the browser's uploads down so there is time to cancel mid-way.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 4 * 1024 * 1024},
    )
    page.get_by_test_id("file-input").set_input_files(str(big))
    dialog = page.get_by_role("dialog", name="Uploads")
    dialog.locator('[data-testid="upload-row"][data-state="uploading"]').wait_for()
    page.wait_for_function(
        "() => { const p = document.querySelector('[data-testid=upload-row] [role=progressbar]');"
        " return p && Number(p.getAttribute('aria-valuenow')) > 5; }",
        timeout=30_000,
    )
    dialog.get_by_role("button", name="Cancel upload of big.bin").click()
    dialog.locator('[data-testid="upload-row"][data-state="cancelled"]').wait_for()
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    # The server sees the disconnect and aborts its multipart upload: nothing is left behind.
    deadline = time.monotonic() + 15
    while True:
        uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        if not uploads or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert uploads == []
    assert keys(s3, bucket) == []


def test_download_file_and_zip(page, live, bucket, s3):
    data = os.urandom(2 * 1024 * 1024 + 3)
    s3.put_object(Bucket=bucket, Key="w/model.safetensors", Body=data)
    s3.put_object(Bucket=bucket, Key="w/config.json", Body=b'{"x": 1}')
    s3.put_object(Bucket=bucket, Key="w/sub/tokenizer.json", Body=b'{"t": 2}')
    browse(page, live, bucket, "w/")
    row(page, "model.safetensors").wait_for()
    with page.expect_download() as info:
        row_action(page, "model.safetensors", "Download")
    download = info.value
    assert download.suggested_filename == "model.safetensors"
    assert hashlib.sha256(Path(download.path()).read_bytes()).digest() == hashlib.sha256(data).digest()

    # A folder as a zip, from its row menu.
    with page.expect_download() as info:
        row_action(page, "sub", "Download as zip")
    archive = zipfile.ZipFile(info.value.path())
    assert archive.namelist() == ["sub/tokenizer.json"]

    # A selection as one zip.
    page.get_by_role("checkbox", name="Select sub").check()
    page.get_by_role("checkbox", name="Select model.safetensors").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download as zip").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert sorted(archive.namelist()) == ["model.safetensors", "sub/tokenizer.json"]
    assert hashlib.sha256(archive.read("model.safetensors")).digest() == hashlib.sha256(data).digest()


def test_object_details_show_metadata(page, live, bucket, s3):
    s3.put_object(
        Bucket=bucket,
        Key="m/config.json",
        Body=b"{}",
        ContentType="application/json",
        Metadata={"hf-sha256": "ab" * 32, "hf-revision": "0123456789abcdef"},
    )
    browse(page, live, bucket, "m/")
    row_action(page, "config.json", "Details")
    dialog = page.get_by_role("dialog", name="Details: config.json")
    dialog.get_by_text("application/json").wait_for()
    assert dialog.get_by_text("ab" * 32).first.is_visible()
    assert dialog.get_by_text("0123456789abcdef").first.is_visible()


def test_error_state_for_missing_bucket(page, live):
    open_app(page, live, "/browse/s3:no-such-bucket-here")
    page.get_by_text("Could not list this folder").wait_for()
    assert "does not exist" in page.get_by_test_id("load-error").inner_text()


def test_drop_files_to_upload(page, live, bucket, s3):
    browse(page, live, bucket)
    page.get_by_text("This folder is empty").wait_for()
    data = page.evaluate_handle(
        "() => { const dt = new DataTransfer();"
        " dt.items.add(new File(['dropped bytes'], 'dropped.txt', {type: 'text/plain'})); return dt; }"
    )
    page.dispatch_event('[data-testid="dropzone"]', "drop", {"dataTransfer": data})
    page.get_by_role("dialog", name="Uploads").locator('[data-state="done"]').wait_for()
    assert s3.get_object(Bucket=bucket, Key="dropped.txt")["Body"].read() == b"dropped bytes"
