"""S3 failing a listing: the fast ListObjectsV2 path keeps botocore's retries and error translation.

503 SlowDown, 500 InternalError and an error inside a 200 answer are retried and the listing that
finally comes is the right one; a 403 is not retried and answers AccessDenied; an answer cut short is
tried again. Small pages (parsed on the event loop) and large ones (in a worker thread) alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from .proxy import ANSWER, DROP_RESPONSE, Rule

pytestmark = pytest.mark.faults

LIST = {"method": "GET", "path": r"[?&]list-type=2"}
SLOW_DOWN = {"status": 503, "code": "SlowDown", "message": "Please reduce your request rate."}
INTERNAL = {"status": 500, "code": "InternalError", "message": "We encountered an internal error."}
ERROR_IN_200 = {"status": 200, "code": "InternalError", "message": "We encountered an internal error."}
DENIED = {"status": 403, "code": "AccessDenied", "message": "Access Denied"}

# Long names, so that 400 keys make a page above the size parsed on the loop (128 KiB).
LONG = "x" * 150


@pytest.fixture(params=["small", "large"])
def listed(request, s3, bucket) -> tuple[str, list[tuple[str, int]]]:
    """A bucket holding a small (8 keys) or large (400 keys, ~140 KiB of XML) folder; its files."""
    count, stem = (8, "k") if request.param == "small" else (400, LONG)
    keys = [f"dir/{stem}-{i:04d}.txt" for i in range(count)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()), keys))
    return bucket, [(k, len(k.encode())) for k in keys]


def _listing(app, bucket: str):
    with app.client() as client:
        return client.get(f"/api/locations/s3:{bucket}/objects", params={"prefix": "dir/", "page_size": 1000})


def _files(answer) -> list[tuple[str, int]]:
    return [(f["key"], f["size"]) for f in answer.json()["files"]]


@pytest.mark.parametrize("fault", [SLOW_DOWN, INTERNAL, ERROR_IN_200], ids=["503", "500", "error-in-200"])
def test_a_failed_listing_is_retried(app, s3_proxy, listed, fault):
    bucket, files = listed
    s3_proxy.add(Rule(ANSWER, times=2, **LIST, **fault))
    answer = _listing(app, bucket)
    assert answer.status_code == 200, answer.text
    assert _files(answer) == files
    assert len(s3_proxy.log.find(**LIST)) == 3  # two faults, then the answer


def test_a_listing_answered_access_denied_fails_at_once(app, s3_proxy, listed):
    bucket, _ = listed
    s3_proxy.add(Rule(ANSWER, times=None, **LIST, **DENIED))
    answer = _listing(app, bucket)
    assert answer.status_code == 403 and answer.json()["error"] == "AccessDenied", answer.text
    assert len(s3_proxy.log.find(**LIST)) == 1


def test_a_listing_cut_mid_body_is_tried_again(app, s3_proxy, listed):
    bucket, files = listed
    s3_proxy.add(Rule(DROP_RESPONSE, after_bytes=600, times=1, **LIST))
    answer = _listing(app, bucket)
    assert answer.status_code == 200, answer.text
    assert _files(answer) == files
    assert len(s3_proxy.log.find(**LIST)) == 2
