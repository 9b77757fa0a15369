"""SeaweedFS killed (SIGKILL) in the middle of a transfer: the client hears a clear error within a
bound, and once S3 is back (restarted on the same data) no object is under the key, and the app's own
restart aborts the multipart upload the kill left open."""

from __future__ import annotations

import pytest

from transfers.conftest import wait_job

from .conftest import (
    BIG,
    UPLOAD_PART,
    MiB,
    copy_body,
    import_body,
    keys_in,
    open_uploads,
    pattern,
    start_upload,
    wait_until,
)
from .proxy import DELAY, Rule

pytestmark = pytest.mark.faults


def _after_restart_no_upload_stays_open(killable, bucket: str) -> None:
    """No object under the key once S3 is back; the upload the kill left open (its abort could not
    reach S3) is aborted by the app's next start, from its journal of UploadIds."""
    s3 = killable.direct()
    assert keys_in(s3, bucket) == []
    assert open_uploads(s3, bucket), "the kill should have left the upload open"
    killable.restart_app()
    wait_until(lambda: not open_uploads(s3, bucket), 15, "uploads still open after the app restarted")
    assert keys_in(s3, bucket) == []


def test_browser_upload(killable, killable_bucket):
    s3 = killable.direct()
    upload = start_upload(killable.app, killable_bucket, "big.bin", 64 * MiB + 123, mark=24 * MiB, pace=0.01)
    assert upload.sent.wait(30)
    wait_until(lambda: open_uploads(s3, killable_bucket), 20, "no multipart upload was opened")
    killable.kill()
    upload.wait(30)
    assert upload.response is not None, f"no HTTP answer: {upload.error!r}"
    assert upload.response.status_code == 502, upload.response.text
    error = upload.response.json()
    assert error["error"] == "EndpointUnreachable" and killable.proxy.url in error["message"], error
    killable.restart()
    _after_restart_no_upload_stays_open(killable, killable_bucket)


def _kill_during(killable, bucket: str, body: dict) -> None:
    """Start the job, kill S3 once its multipart upload is open; the job fails and says why."""
    with killable.app.client() as client:
        r = client.post("/api/transfers", json=body)
        assert r.status_code == 201, r.text
        wait_until(lambda: open_uploads(killable.direct(), bucket), 20, "no multipart upload was opened")
        killable.kill()
        job = wait_job(client, r.json()["id"], 45)
    assert job["state"] == "failed", job
    assert "EndpointUnreachable" in job["error"], job["error"]
    killable.restart()
    _after_restart_no_upload_stays_open(killable, bucket)


def test_copy_job(killable, killable_bucket):
    """A local file streamed into S3 (a multipart upload), its parts slowed so the kill lands mid-way."""
    source = killable.local / "copy-src" / "big.bin"
    source.parent.mkdir(exist_ok=True)
    with source.open("wb") as fh:
        for chunk in pattern(40 * MiB):
            fh.write(chunk)
    killable.proxy.add(Rule(DELAY, seconds=0.3, times=None, **UPLOAD_PART))
    body = copy_body(f"local:{killable.local.name}", f"s3:{killable_bucket}", ["copy-src/big.bin"], "dst/")
    _kill_during(killable, killable_bucket, body)


def test_hf_import(killable, killable_bucket):
    killable.hub.inject("throttle", path=BIG, host="lfs", rate=8 * MiB, times=None)
    _kill_during(killable, killable_bucket, import_body(f"s3:{killable_bucket}", "m/"))
