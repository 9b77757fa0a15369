"""Share links and Copy URI in the storage browser: the share dialog's URL downloads the file with no keys
and says that only this machine can reach it; Copy URI shows the s3:// URI, a KServe InferenceService and
a boto3 snippet that reads the keys from the environment (never the keys themselves)."""

from __future__ import annotations

import urllib.request

from .conftest import open_app

BODY = b"weights \x00\x01\x02" * 50


def row_action(page, name: str, action: str):
    page.get_by_role("button", name=f"Actions for {name}").click()
    page.get_by_role("menuitem", name=action, exact=True).click()


def test_share_dialog_gives_a_link_that_downloads_the_file(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="models/granite/model.safetensors", Body=BODY)
    open_app(page, live, f"/browse/s3:{bucket}?prefix=models%2Fgranite%2F")
    row_action(page, "model.safetensors", "Share link…")
    dialog = page.get_by_role("dialog")
    dialog.get_by_text('Share "model.safetensors"').wait_for()
    dialog.get_by_label("Link expires after").select_option(label="1 day")
    dialog.get_by_role("button", name="Create link").click()
    url = dialog.get_by_label("Share link").input_value()
    assert "X-Amz-Expires=86400" in url
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.read() == BODY
    # SeaweedFS on 127.0.0.1: the dialog says plainly that a browser elsewhere cannot open it.
    assert "Only reachable from inside this cluster or machine" in dialog.get_by_test_id("share-internal").inner_text()
    assert "Expires" in dialog.get_by_test_id("share-expires-at").inner_text()
    # A new lifetime asks for a new link.
    dialog.get_by_label("Link expires after").select_option(label="1 minute")
    dialog.get_by_role("button", name="Create link").click()
    assert "X-Amz-Expires=60" in dialog.get_by_label("Share link").input_value()
    dialog.get_by_role("button", name="Close").first.click()


def test_copy_uri_shows_the_s3_uri_kserve_and_python(page, live, bucket, s3):
    s3.put_object(Bucket=bucket, Key="models/Granite_3B/config.json", Body=b"{}")
    secret = live.services.settings.s3.secret_access_key
    open_app(page, live, f"/browse/s3:{bucket}?prefix=models%2F")
    row_action(page, "Granite_3B", "Copy URI…")
    dialog = page.get_by_role("dialog")
    uri = dialog.get_by_test_id("uri-plain")
    uri.wait_for()
    assert uri.inner_text().strip() == f"s3://{bucket}/models/Granite_3B/"
    kserve = dialog.get_by_test_id("uri-kserve").inner_text()
    assert "apiVersion: serving.kserve.io/v1beta1" in kserve
    assert "kind: InferenceService" in kserve
    assert "name: granite-3b" in kserve
    assert f"storageUri: s3://{bucket}/models/Granite_3B/" in kserve
    python = dialog.get_by_test_id("uri-python").inner_text()
    assert f'endpoint_url="{live.services.settings.s3.endpoint}"' in python
    assert 'os.environ["AWS_SECRET_ACCESS_KEY"]' in python
    assert 'Prefix="models/Granite_3B/"' in python
    assert secret not in dialog.inner_text()
    dialog.get_by_role("button", name="Close").first.click()

    # A file: its own key; no Share link for local folders, Copy URI gives the path.
    open_app(page, live, f"/browse/s3:{bucket}?prefix=models%2FGranite_3B%2F")
    row_action(page, "config.json", "Copy URI…")
    dialog = page.get_by_role("dialog")
    dialog.get_by_test_id("uri-plain").wait_for()
    assert dialog.get_by_test_id("uri-plain").inner_text().strip() == f"s3://{bucket}/models/Granite_3B/config.json"
    assert 'Key="models/Granite_3B/config.json"' in dialog.get_by_test_id("uri-python").inner_text()


def test_local_files_have_no_share_link_but_a_path(page, live, local_root):
    folder = local_root / "share-ui"
    folder.mkdir(exist_ok=True)
    (folder / "notes.txt").write_text("hi")
    location = live.services.locations.local[0]
    open_app(page, live, f"/browse/{location.id}?prefix=share-ui%2F")
    page.get_by_role("button", name="Actions for notes.txt").click()
    assert page.get_by_role("menuitem", name="Copy URI…", exact=True).is_visible()
    assert page.get_by_role("menuitem", name="Share link…", exact=True).count() == 0
    page.get_by_role("menuitem", name="Copy URI…", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_test_id("uri-plain").wait_for()
    assert dialog.get_by_test_id("uri-plain").inner_text().strip() == f"{location.path.rstrip('/')}/share-ui/notes.txt"
    assert "pvc://" in dialog.inner_text()
    assert "read_bytes()" in dialog.get_by_test_id("uri-python").inner_text()
