"""S3 answering errors: 503 SlowDown and 500 InternalError to some UploadPart, CopyObject and
UploadPartCopy calls are retried with backoff and the work completes with identical bytes; a 403 is
not retried, fails at once, and its error names the S3 code. Nothing is left behind either way."""

from __future__ import annotations

import hashlib
import re
import time

import httpx
import pytest

from transfers.conftest import wait_job

from .conftest import (
    BIG,
    COPY_OBJECT,
    REPO,
    UPLOAD_PART,
    UPLOAD_PART_COPY,
    MiB,
    big_sha256,
    copy_body,
    import_body,
    keys_in,
    open_uploads,
    pattern,
    pattern_sha256,
    run_job,
    sha256_of,
    start_upload,
)
from .proxy import ANSWER, DROP, DROP_RESPONSE, Rule

pytestmark = pytest.mark.faults

SLOW_DOWN = {"status": 503, "code": "SlowDown", "message": "Please reduce your request rate."}
INTERNAL = {"status": 500, "code": "InternalError", "message": "We encountered an internal error."}
DENIED = {"status": 403, "code": "AccessDenied", "message": "Access Denied"}


def _part_numbers(proxy, action: str | None = None) -> list[int]:
    return [
        int(re.search(r"partNumber=(\d+)", e.target).group(1))
        for e in proxy.log.find(method="PUT", path=r"[?&]partNumber=", action=action)
    ]


def _creates(proxy) -> list:
    """CreateMultipartUpload requests: one per try of a file."""
    return proxy.log.find(method="POST", path=r"[?&]uploads")


def test_upload_parts_answered_slow_down_and_internal_error_are_retried(app, s3_proxy, s3, bucket):
    s3_proxy.add(Rule(ANSWER, nth=2, times=2, **SLOW_DOWN, **UPLOAD_PART))
    s3_proxy.add(Rule(ANSWER, nth=5, times=1, **INTERNAL, **UPLOAD_PART))
    size = 40 * MiB + 5
    upload = start_upload(app, bucket, "up/big.bin", size)
    upload.wait(60)
    assert upload.response is not None and upload.response.status_code == 201, upload.error or upload.response.text
    assert sha256_of(s3, bucket, "up/big.bin") == pattern_sha256(size)
    assert len(_part_numbers(s3_proxy, "answer")) == 3
    assert sorted(set(_part_numbers(s3_proxy))) == [1, 2, 3, 4, 5, 6]  # 5 parts of 8 MiB and the rest
    assert open_uploads(s3, bucket) == []


def test_import_completes_through_slow_downs(app, s3_proxy, s3, bucket, fault_hub):
    s3_proxy.add(Rule(ANSWER, times=2, **SLOW_DOWN, **UPLOAD_PART))
    with app.client() as client:
        job = run_job(client, import_body(f"s3:{bucket}", "m/"))
    assert job["state"] == "completed", job
    assert len(_creates(s3_proxy)) == 1  # botocore's retries did it, the engine did not start over
    assert sha256_of(s3, bucket, f"m/{REPO}/{BIG}") == big_sha256(fault_hub)
    assert len(s3_proxy.log.find(action="answer")) == 2
    assert open_uploads(s3, bucket) == []


def test_server_side_copy_is_retried(app, s3_proxy, s3, bucket):
    data = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(100_000))
    s3.put_object(Bucket=bucket, Key="src/a.bin", Body=data)
    s3_proxy.add(Rule(ANSWER, times=2, **INTERNAL, **COPY_OBJECT))
    with app.client() as client:
        job = run_job(client, copy_body(f"s3:{bucket}", f"s3:{bucket}", ["src/a.bin"], "dst/"))
    assert job["state"] == "completed", job
    assert sha256_of(s3, bucket, "dst/a.bin") == hashlib.sha256(data).hexdigest()
    copies = s3_proxy.log.find(method="PUT", path=r"/dst/a\.bin$")
    assert [e.status for e in copies] == [500, 500, 200]


def test_multipart_server_side_copy_is_retried(app, s3_proxy, s3, bucket, monkeypatch):
    """UploadPartCopy serves objects over 5 GiB; the threshold is lowered so a small object takes it."""
    monkeypatch.setattr("odh_tec.storage.s3.storage.MAX_SINGLE_COPY", MiB)
    data = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(200_000))  # 6.1 MiB
    s3.put_object(Bucket=bucket, Key="src/big.bin", Body=data)
    s3_proxy.add(Rule(ANSWER, times=2, **SLOW_DOWN, **UPLOAD_PART_COPY))
    with app.client() as client:
        job = run_job(client, copy_body(f"s3:{bucket}", f"s3:{bucket}", ["src/big.bin"], "dst/"))
    assert job["state"] == "completed", job
    assert sha256_of(s3, bucket, "dst/big.bin") == hashlib.sha256(data).hexdigest()
    assert [e.status for e in s3_proxy.log.find(method="PUT", path=r"partNumber=")] == [503, 503, 200]
    assert open_uploads(s3, bucket) == []


def test_access_denied_to_a_browser_upload_fails_at_once(app, s3_proxy, s3, bucket):
    s3_proxy.add(Rule(ANSWER, times=None, **DENIED, **UPLOAD_PART))
    started = time.monotonic()
    upload = start_upload(app, bucket, "up/denied.bin", 40 * MiB)
    upload.wait(30)
    assert upload.response is not None, upload.error
    assert upload.response.status_code == 403 and upload.response.json()["error"] == "AccessDenied"
    assert time.monotonic() - started < 10
    numbers = _part_numbers(s3_proxy)
    assert numbers and len(numbers) == len(set(numbers))  # no part was tried twice
    assert keys_in(s3, bucket) == [] and open_uploads(s3, bucket) == []


@pytest.mark.parametrize("operation", ["UploadPart", "CopyObject"])
def test_access_denied_fails_a_job_at_once_and_names_the_code(app, s3_proxy, s3, bucket, operation):
    if operation == "UploadPart":
        s3_proxy.add(Rule(ANSWER, times=None, **DENIED, **UPLOAD_PART))
        body = import_body(f"s3:{bucket}", "m/")
    else:
        s3.put_object(Bucket=bucket, Key="src/a.bin", Body=b"a" * 1000)
        s3_proxy.add(Rule(ANSWER, times=None, **DENIED, **COPY_OBJECT))
        body = copy_body(f"s3:{bucket}", f"s3:{bucket}", ["src/a.bin"], "dst/")
    with app.client() as client:
        r = client.post("/api/transfers", json=body)
        assert r.status_code == 201, r.text
        job = wait_job(client, r.json()["id"], 20)
    assert job["state"] == "failed", job
    file = next(f for f in job["files"] if f["state"] == "failed")
    assert file["error"].startswith("AccessDenied:"), file
    assert job["error"].endswith(file["error"])
    if operation == "UploadPart":
        assert len(_creates(s3_proxy)) == 1  # one try of the file
        numbers = _part_numbers(s3_proxy)
        assert numbers and len(numbers) == len(set(numbers))  # and no part tried twice
    else:
        assert len(s3_proxy.log.find(method="PUT", path=r"/dst/a\.bin$")) == 1
    assert [k for k in keys_in(s3, bucket) if not k.startswith("src/")] == []
    assert open_uploads(s3, bucket) == []


def test_a_part_cut_mid_body_is_sent_again(app, s3_proxy, s3, bucket):
    s3_proxy.add(Rule(DROP, nth=2, times=2, after_bytes=MiB, **UPLOAD_PART))
    size = 30 * MiB
    upload = start_upload(app, bucket, "up/cut.bin", size)
    upload.wait(60)
    assert upload.response is not None and upload.response.status_code == 201, upload.error or upload.response.text
    assert sha256_of(s3, bucket, "up/cut.bin") == pattern_sha256(size)
    assert len(s3_proxy.log.find(action="drop")) == 2
    assert open_uploads(s3, bucket) == []


def test_a_download_cut_mid_body_fails_the_file_try_and_the_copy_completes(make_app, s3_proxy, s3, bucket, tmp_path):
    """S3 → local streams get_object into a temporary file; a body cut short fails that try (nothing is
    renamed into place), and the engine's retry fetches the object again."""
    local = tmp_path / "pvc"
    local.mkdir()
    app = make_app(s3_proxy.url, local_storage_paths=str(local))
    data = b"".join(pattern(12 * MiB, seed="download"))
    s3.put_object(Bucket=bucket, Key="src/big.bin", Body=data)
    s3_proxy.add(Rule(DROP_RESPONSE, method="GET", path=r"/src/big\.bin$", after_bytes=5 * MiB))
    with app.client() as client:
        job = run_job(client, copy_body(f"s3:{bucket}", f"local:{local.name}", ["src/big.bin"], "dst/"))
    assert job["state"] == "completed", (job["error"], job["files"])
    assert hashlib.sha256((local / "dst" / "big.bin").read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert [p.name for p in local.rglob("*") if p.is_file()] == ["big.bin"]
    assert [e.action for e in s3_proxy.log.find(method="GET", path=r"/src/big\.bin$")] == ["drop_response", "forward"]


def test_a_browser_download_cut_mid_body_is_not_a_short_success(app, s3_proxy, s3, bucket):
    """Once the headers are out the app cannot answer an error: the client must see a broken body
    (shorter than its Content-Length), never a complete-looking short file."""
    data = b"".join(pattern(6 * MiB, seed="browser-download"))
    s3.put_object(Bucket=bucket, Key="dl/file.bin", Body=data)
    s3_proxy.add(Rule(DROP_RESPONSE, method="GET", path=r"/dl/file\.bin$", after_bytes=2 * MiB))
    started = time.monotonic()
    with app.client() as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(f"/api/locations/s3:{bucket}/download", params={"key": "dl/file.bin"})
    assert time.monotonic() - started < 10
