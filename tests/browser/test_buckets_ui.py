"""Buckets page: list, create with live validation, delete with typed confirmation (emptying first)."""

from __future__ import annotations

import uuid

from .conftest import open_app


def test_create_and_delete_bucket(page, live, s3):
    name = f"ui-{uuid.uuid4().hex[:10]}"
    open_app(page, live, "/buckets")
    page.get_by_role("button", name="Create bucket").click()
    dialog = page.get_by_role("dialog", name="Create bucket")
    field = dialog.get_by_role("textbox", name="Name")
    create = dialog.get_by_role("button", name="Create")
    field.fill("Bad_Name")
    assert "lowercase letters" in dialog.get_by_test_id("bucket-name-help").inner_text()
    assert create.is_disabled()
    field.fill("a..b")
    assert "adjacent dots" in dialog.get_by_test_id("bucket-name-help").inner_text()
    field.fill("192.168.1.1")
    assert "IP address" in dialog.get_by_test_id("bucket-name-help").inner_text()
    field.fill(name)
    create.click()
    row = page.locator(f'[data-testid="bucket-row"][data-name="{name}"]')
    row.wait_for()
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    s3.put_object(Bucket=name, Key="some/object.txt", Body=b"x")
    page.get_by_role("button", name=f"Delete bucket {name}").click()
    dialog = page.get_by_role("dialog", name="Delete bucket?")
    delete = dialog.get_by_role("button", name="Delete")
    dialog.get_by_label(f'Type "{name}" to confirm').fill(name)
    delete.click()
    dialog.get_by_text('Tick "Delete every object in the bucket first"').wait_for()
    dialog.get_by_label("Delete every object in the bucket first").check()
    delete.click()
    row.wait_for(state="detached")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_bucket_link_opens_browser(page, live, bucket):
    open_app(page, live, "/buckets")
    page.get_by_role("link", name=f"Browse {bucket}").click()
    page.get_by_text("This folder is empty").wait_for()
    assert page.get_by_test_id("location-picker").inner_text().strip() == bucket
