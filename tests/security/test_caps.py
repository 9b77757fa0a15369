"""Caps on what one client can make the server hold: SSE subscribers, active jobs, keys in one copy
request, and the sizes of the strings and lists a transfer request may carry."""

from __future__ import annotations

import contextlib
import time

import pytest

from fakehub import FakeHub

FINISHED = ("completed", "failed", "cancelled")


def _open_stream(stack: contextlib.ExitStack, client):
    """Open the SSE stream and read its first line, so the server has registered the subscriber.
    The line iterator is kept on the response: dropping it would close the stream."""
    response = stack.enter_context(client.stream("GET", "/api/transfers/events"))
    if response.status_code == 200:
        response.lines = response.iter_lines()
        assert next(response.lines).startswith("retry:")
    return response


def _assert_429(response, *words: str) -> None:
    # The status first: reading a stream that was not refused would never end.
    assert response.status_code == 429, response.status_code
    response.read()
    body = response.json()
    assert body["error"] == "TooManyRequests" and body["message"]
    for word in words:
        assert word in body["message"].lower(), body["message"]


def test_sse_subscribers_are_capped(make_live):
    app = make_live(max_sse_subscribers=2)
    with app.client() as client, contextlib.ExitStack() as first_two:
        streams = [_open_stream(first_two, client) for _ in range(2)]
        assert [s.status_code for s in streams] == [200, 200]
        with client.stream("GET", "/api/transfers/events") as third:
            _assert_429(third, "stream")
        # The refused request holds nothing: still two subscribers.
        assert app.services.transfers.events.subscribers == 2
        streams[0].close()
        # Closing one frees its slot (the server notices the disconnect).
        deadline = time.monotonic() + 10
        while True:
            with contextlib.ExitStack() as stack:
                again = _open_stream(stack, client)
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the closed stream's slot was never freed"
            time.sleep(0.1)


@pytest.fixture
def stalled_hub():
    """A Hub whose weights never arrive, so an import stays running until it is cancelled."""
    with FakeHub() as hub:
        hub.add_repo("org/slow", {"config.json": "{}", "model.safetensors": b"\x00" * 100_000})
        hub.inject("stall", path="model.safetensors", after_bytes=0, seconds=60, times=None)
        yield hub


def _hf_body(location_id: str, prefix: str = "slow/") -> dict:
    return {
        "kind": "huggingface",
        "source": {"repo_id": "org/slow"},
        "destination": {"location_id": location_id, "prefix": prefix},
    }


def _wait(client, job_id: str, states, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/transfers/{job_id}").json()
        if job["state"] in states:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_active_jobs_are_capped(make_live, stalled_hub, bucket, s3):
    s3.put_object(Bucket=bucket, Key="src/a.txt", Body=b"a")
    app = make_live(max_active_jobs=1, hf_endpoint=stalled_hub.url)
    with app.client() as client:
        first = client.post("/api/transfers", json=_hf_body(f"s3:{bucket}"))
        assert first.status_code == 201, first.text
        first_id = first.json()["id"]
        _wait(client, first_id, ("running",))

        r = client.post("/api/transfers", json=_hf_body(f"s3:{bucket}", "other/"))
        _assert_429(r, "transfer")
        copy = {
            "kind": "copy",
            "source": {"location_id": f"s3:{bucket}", "keys": ["src/a.txt"]},
            "destination": {"location_id": f"s3:{bucket}", "prefix": "dst/"},
        }
        _assert_429(client.post("/api/transfers", json=copy), "transfer")
        assert [j["id"] for j in client.get("/api/transfers").json()["jobs"]] == [first_id]

        # Once the running job ends, its slot is free again.
        client.post(f"/api/transfers/{first_id}/cancel")
        _wait(client, first_id, FINISHED)
        r = client.post("/api/transfers", json=copy)
        assert r.status_code == 201, r.text
        assert _wait(client, r.json()["id"], FINISHED)["state"] == "completed"


def _copy_body(bucket: str, keys: list[str], prefixes: list[str] | None = None, **destination) -> dict:
    return {
        "kind": "copy",
        "source": {"location_id": f"s3:{bucket}", "keys": keys, "prefixes": prefixes or []},
        "destination": {"location_id": f"s3:{bucket}", "prefix": "copies/", **destination},
    }


def test_copy_keys_are_capped(make_live, bucket, s3):
    for i in range(5):
        s3.put_object(Bucket=bucket, Key=f"k/{i}.txt", Body=b"x")
    app = make_live(max_copy_keys=5)
    with app.client() as client:
        keys = [f"k/{i}.txt" for i in range(5)]
        too_many = _copy_body(bucket, keys[:4], ["a/", "b/"])  # 4 keys + 2 prefixes = 6 > 5
        _assert_429(client.post("/api/transfers", json=too_many), "5")
        _assert_429(client.post("/api/transfers/copy/precheck", json=too_many), "5")
        assert client.get("/api/transfers").json()["jobs"] == []  # nothing started

        r = client.post("/api/transfers/copy/precheck", json=_copy_body(bucket, keys))
        assert r.status_code == 200 and r.json()["files"] == 5, r.text
        r = client.post("/api/transfers", json=_copy_body(bucket, keys))
        assert r.status_code == 201, r.text
        assert _wait(client, r.json()["id"], FINISHED)["state"] == "completed"


LONG = "p" * 1025
WIDE = "é" * 600  # 600 characters, 1,200 bytes


@pytest.mark.parametrize(
    "case",
    [
        "long key",
        "wide key",
        "long prefix key",
        "long destination prefix",
        "wide destination prefix",
        "long destination key",
        "long source location",
        "long destination location",
    ],
)
def test_copy_request_strings_are_bounded(api, bucket, case):
    body = _copy_body(bucket, ["k/0.txt"])
    match case:
        case "long key":
            body["source"]["keys"] = [LONG]
        case "wide key":
            body["source"]["keys"] = [WIDE]
        case "long prefix key":
            body["source"]["keys"], body["source"]["prefixes"] = [], [LONG + "/"]
        case "long destination prefix":
            body["destination"]["prefix"] = LONG
        case "wide destination prefix":
            body["destination"]["prefix"] = WIDE
        case "long destination key":
            body["destination"]["key"] = LONG
        case "long source location":
            body["source"]["location_id"] = "s3:" + "b" * 2000
        case "long destination location":
            body["destination"]["location_id"] = "s3:" + "b" * 2000
    for path in ("/api/transfers", "/api/transfers/copy/precheck"):
        r = api.post(path, json=body)
        assert r.status_code == 422, (path, r.status_code, r.text[:300])
        assert r.json()["error"] == "ValidationError"


@pytest.mark.parametrize(
    "field,value",
    [
        ("include", ["*" * 2000]),
        ("exclude", ["x"] * 201),
        ("revision", "r" * 300),
    ],
)
def test_hf_request_strings_are_bounded(api, bucket, field, value):
    body = {
        "kind": "huggingface",
        "source": {"repo_id": "org/model", field: value},
        "destination": {"location_id": f"s3:{bucket}", "prefix": "m/"},
    }
    r = api.post("/api/transfers", json=body)
    assert r.status_code == 422, r.text[:300]
    r = api.post("/api/transfers/huggingface/preview", json={"source": body["source"]})
    assert r.status_code == 422, r.text[:300]
