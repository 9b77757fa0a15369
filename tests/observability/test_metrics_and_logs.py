"""`/metrics`, the probes and structured logs, against the real app and SeaweedFS."""

from __future__ import annotations

import json
import logging
import os
import re
import time

from conftest import LiveServer, make_config
from odh_tec.observability.logs import JsonFormatter, redact, request_id


def _metric(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_requests_bytes_and_errors(api, s3, bucket):
    before = api.get("/metrics").text
    payload = os.urandom(3 << 20)
    loc = f"/api/locations/s3:{bucket}"
    assert api.put(f"{loc}/object", params={"key": "m.bin"}, content=payload).status_code == 201
    assert api.get(f"{loc}/download", params={"key": "m.bin"}).content == payload
    assert api.get(f"{loc}/object", params={"key": "missing"}).status_code == 404
    after = api.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text

    def grew(name, **labels):
        return _metric(text, name, **labels) - _metric(before, name, **labels)

    assert grew("odh_tec_bytes_total", direction="in", location_kind="s3") >= len(payload)
    assert grew("odh_tec_bytes_total", direction="out", location_kind="s3") >= len(payload)
    route = "/locations/{location_id}/object"  # the template below the API root
    assert grew("odh_tec_http_requests_total", route=route, method="PUT", status="201") == 1
    assert grew("odh_tec_http_request_duration_seconds_count", route=route, method="PUT") == 1
    assert grew("odh_tec_upstream_errors_total", service="s3", code="NoSuchKey") >= 1
    assert "odh_tec_sse_streams" in text and "odh_tec_transfers" in text
    # Raw paths never become labels: the key is not in the output.
    assert "m.bin" not in text


def test_probes(api, make_live):
    assert api.get("/api/livez").json() == {"status": "alive"}
    health = api.get("/api/health").json()
    assert health["status"] == "ok" and health["s3"]["ok"] is True
    # S3 down: still ready (the Settings page must stay reachable), and the body says why.
    down = make_live(aws_s3_endpoint="http://127.0.0.1:9")
    with down.client() as c:
        answer = c.get("/api/health")
        assert answer.status_code == 200
        assert answer.json()["s3"]["ok"] is False and "127.0.0.1:9" in answer.json()["s3"]["message"]
        assert c.get("/api/livez").status_code == 200


def test_every_response_carries_a_request_id(api):
    first, second = api.get("/api/livez"), api.get("/api/livez")
    assert re.fullmatch(r"[0-9a-f]{16}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert api.get("/api/livez", headers={"X-Request-ID": "proxy-id-1"}).headers["x-request-id"] == "proxy-id-1"
    assert api.get("/api/livez", headers={"X-Request-ID": "bad id <x>"}).headers["x-request-id"] != "bad id <x>"


def test_json_log_lines_carry_the_request_id_and_no_secret():
    formatter = JsonFormatter()
    token = request_id.set("abc123")
    try:
        record = logging.LogRecord(
            "odh_tec.x",
            logging.INFO,
            __file__,
            1,
            "sent Authorization: Bearer hf_abcdefghijklmnop to %s",
            ("hub",),
            None,
        )
        line = json.loads(formatter.format(record))
    finally:
        request_id.reset(token)
    assert line["request_id"] == "abc123" and line["level"] == "info" and line["logger"] == "odh_tec.x"
    assert "hf_abcdefghijklmnop" not in line["message"] and "hub" in line["message"]
    assert "AKIA" not in redact("aws_secret_access_key=AKIAsecretvalue")


def test_open_event_streams_are_counted(api, live):
    def streams() -> float:
        return _metric(api.get("/metrics").text, "odh_tec_sse_streams")

    before = streams()
    with live.client() as c, c.stream("GET", "/api/transfers/events") as events:
        # Keep the line iterator: a dropped one is closed at once, and httpx closes the connection with it.
        lines = events.iter_lines()
        next(lines)
        assert streams() == before + 1
    deadline = time.monotonic() + 5  # the server notices the closed stream at its next write
    while streams() != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert streams() == before


def test_each_app_counts_only_its_own_event_streams(api, live, s3_server, tmp_path):
    """Two apps in one process (as in this suite; or a library user's) share prometheus-client's
    registry: each one's `/metrics` reports its own streams, read on its own loop, never the other's."""
    other = LiveServer(make_config(s3_server, tmp_path)).start()
    try:
        with other.client() as c, c.stream("GET", "/api/transfers/events") as events:
            lines = events.iter_lines()
            next(lines)
            assert _metric(c.get("/metrics").text, "odh_tec_sse_streams") == 1
            assert _metric(api.get("/metrics").text, "odh_tec_sse_streams") == 0
    finally:
        other.stop()
