"""S3 that accepts a request and never answers: with S3_READ_TIMEOUT set low (1 s), each try gives up
after that much silence, botocore's tries end (the first and 3 retries), and the operation fails
cleanly within a bound, instead of hanging for as long as the connection lives."""

from __future__ import annotations

import time

import pytest

from .conftest import (
    UPLOAD_PART,
    MiB,
    import_body,
    keys_in,
    open_uploads,
    run_job,
    start_upload,
)
from .proxy import STALL, Rule

pytestmark = pytest.mark.faults

READ_TIMEOUT = 1.0
TRIES = 4
# Four tries of READ_TIMEOUT each, botocore's backoff between them (at most 1 s, 2 s, 4 s), slack.
BOUND = TRIES * READ_TIMEOUT + 7 + 3


@pytest.fixture
def stalling_app(make_app, s3_proxy):
    app = make_app(s3_proxy.url, s3_read_timeout=READ_TIMEOUT)
    app.services.transfers.options.file_attempts = 1  # one try of the file: the bound is botocore's
    return app


def test_a_stalled_listing_answers_an_error_in_time(stalling_app, s3_proxy, bucket):
    s3_proxy.add(Rule(STALL, method="GET", times=None))
    started = time.monotonic()
    with stalling_app.client() as client:
        r = client.get(f"/api/locations/s3:{bucket}/objects")
    took = time.monotonic() - started
    assert r.status_code == 502 and r.json()["error"] == "EndpointUnreachable", r.text
    assert "did not answer in time" in r.json()["message"]
    assert TRIES * READ_TIMEOUT <= took < BOUND, took
    assert len(s3_proxy.log.find(method="GET")) == TRIES


def test_stalled_upload_parts_fail_the_job_in_time(stalling_app, s3_proxy, s3, bucket):
    s3_proxy.add(Rule(STALL, times=None, **UPLOAD_PART))
    started = time.monotonic()
    with stalling_app.client() as client:
        job = run_job(client, import_body(f"s3:{bucket}", "m/"), timeout=BOUND + 10)
    took = time.monotonic() - started
    assert job["state"] == "failed", job
    assert "did not answer in time" in job["error"], job["error"]
    assert took < BOUND + 3, took  # + the download of the first part
    assert keys_in(s3, bucket) == [] and open_uploads(s3, bucket) == []


def test_a_stalled_browser_upload_answers_an_error_in_time(stalling_app, s3_proxy, s3, bucket):
    s3_proxy.add(Rule(STALL, times=None, **UPLOAD_PART))
    started = time.monotonic()
    upload = start_upload(stalling_app, bucket, "up/stalled.bin", 24 * MiB)
    upload.wait(BOUND + 10)
    assert upload.response is not None, upload.error
    assert upload.response.status_code == 502 and "did not answer in time" in upload.response.json()["message"]
    assert time.monotonic() - started < BOUND + 3
    assert keys_in(s3, bucket) == [] and open_uploads(s3, bucket) == []
