"""The one Server-Sent Events stream: snapshot, throttled updates, the final state, keep-alives,
`removed`; plus listing and forgetting jobs."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime

import httpx

from .conftest import hf_body, wait_job


class EventReader:
    """Reads an SSE stream in a thread, so the test can wait for events with a deadline."""

    def __init__(self, client: httpx.Client, url: str):
        self.events: list[tuple[float, str, dict | None]] = []  # (time, event or ':comment', data)
        self.headers: httpx.Headers | None = None
        self._stop = False
        self._client, self._url = client, url
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._read()
        except httpx.HTTPError:
            if not self._stop:
                raise

    def _read(self) -> None:
        with self._client.stream("GET", self._url, timeout=httpx.Timeout(30, read=30)) as response:
            self.headers = response.headers
            event = None
            for line in response.iter_lines():
                if self._stop:
                    return
                if line.startswith(":"):
                    self.events.append((time.time(), ":comment", None))
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    self.events.append((time.time(), event, json.loads(line[6:])))
                    event = None

    def wait_for(self, predicate, timeout: float = 20) -> tuple[float, str, dict | None]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in list(self.events):
                if predicate(item):
                    return item
            time.sleep(0.02)
        raise AssertionError(f"no such event in {[(e, (d or {}).get('state')) for _, e, d in self.events]}")

    def close(self) -> None:
        self._stop = True


def test_stream_snapshot_updates_final_state_and_keepalive(hf_live, hf_api, hub, bucket, engine_options):
    engine_options.keepalive_seconds = 0.3
    hub.inject("throttle", path="big/model.safetensors", rate=3 << 20, times=None)  # ~3 s
    with hf_live.client() as stream_client:
        reader = EventReader(stream_client, "/api/transfers/events")
        try:
            reader.wait_for(lambda e: e[1] == "snapshot")
            assert reader.headers["content-type"].startswith("text/event-stream")
            assert reader.headers["cache-control"] == "no-cache"
            assert reader.headers["x-accel-buffering"] == "no"
            r = hf_api.post("/api/transfers", json=hf_body("odd/names", f"s3:{bucket}"))
            job_id = r.json()["id"]
            final = reader.wait_for(lambda e: e[1] == "job" and e[2]["id"] == job_id and e[2]["state"] == "completed")
            updates = [e for e in reader.events if e[1] == "job" and e[2]["id"] == job_id]
            span = updates[-1][0] - updates[0][0]
            assert span > 2
            # At most ~2 progress updates per second, plus the immediate state changes.
            assert len(updates) <= 2 * span + 4, (len(updates), span)
            progress = [e[2]["totals"]["bytes_done"] for e in updates]
            assert progress == sorted(progress) and len(set(progress)) >= 4  # it moved, live
            assert final[2]["totals"]["files_done"] == final[2]["totals"]["files"]
            assert final[2]["files"][0].keys() >= {"path", "size", "bytes_done", "state", "error"}
            # Nothing was held back: the final event arrived as soon as the job was done.
            finished = datetime.fromisoformat(final[2]["finished_at"].replace("Z", "+00:00")).timestamp()
            assert final[0] - finished < 0.3
            reader.wait_for(lambda e: e[1] == ":comment")
        finally:
            reader.close()


def test_job_events_carry_only_changed_files(hf_live, hf_api, hub, bucket):
    """After the first event, `job` updates carry `files_changed` (not `files`); the final one carries all."""
    # ~3 s: several updates while only this file moves, so that one reaches even a reader slowed by a busy
    # machine before the next replaces it (a replaced update is sent in full, not as a delta).
    hub.inject("throttle", path="big/model.safetensors", rate=3 << 20, times=None)
    with hf_live.client() as stream_client:
        reader = EventReader(stream_client, "/api/transfers/events")
        try:
            reader.wait_for(lambda e: e[1] == "snapshot")
            r = hf_api.post("/api/transfers", json=hf_body("odd/names", f"s3:{bucket}"))
            job_id = r.json()["id"]
            count = len(r.json()["files"])
            assert count == 7
            # A tab that connects mid-job gets the full job in its snapshot.
            reader.wait_for(lambda e: e[1] == "job" and e[2]["id"] == job_id and "files_changed" in e[2])
            with hf_live.client() as late_client:
                late = EventReader(late_client, "/api/transfers/events")
                try:
                    snapshot = late.wait_for(lambda e: e[1] == "snapshot")[2]
                finally:
                    late.close()
            mid = next(j for j in snapshot["jobs"] if j["id"] == job_id)
            assert len(mid["files"]) == count
            final = reader.wait_for(lambda e: e[1] == "job" and e[2]["id"] == job_id and e[2]["state"] == "completed")[
                2
            ]
        finally:
            reader.close()
    updates = [e[2] for e in reader.events if e[1] == "job" and e[2]["id"] == job_id]
    first, deltas = updates[0], updates[1:-1]
    assert len(first["files"]) == count and first["files_count"] == count  # a new job: in full
    assert deltas
    files = {f["path"]: f for f in first["files"]}
    for delta in deltas:
        assert delta["files_count"] == count
        if "files" in delta:
            # An update that replaced one this (busy) reader had not read yet carries every file.
            assert len(delta["files"]) == count and "files_changed" not in delta
            files = {f["path"]: f for f in delta["files"]}
            continue
        for f in delta["files_changed"]:
            assert f.keys() >= {"path", "destination_key", "size", "bytes_done", "state", "error"}
            files[f["path"]] = f
        # Merged by path, the client's copy adds up to the totals of the same event.
        assert sum(f["bytes_done"] for f in files.values()) == delta["totals"]["bytes_done"]
    # While only the throttled file moves, updates carry that one file.
    assert any([f["path"] for f in d.get("files_changed", ())] == ["big/model.safetensors"] for d in deltas)
    assert final is updates[-1]
    assert final["files_count"] == count and len(final["files"]) == count
    assert {f["state"] for f in final["files"]} == {"done"}
    assert final["files"] == hf_api.get(f"/api/transfers/{job_id}").json()["files"]


def test_removed_event_and_listing(hf_live, hf_api, bucket):
    body = hf_body("hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}", include=["config.json"])
    first = wait_job(hf_api, hf_api.post("/api/transfers", json=body).json()["id"])
    second = wait_job(hf_api, hf_api.post("/api/transfers", json=body).json()["id"])
    listed = [j["id"] for j in hf_api.get("/api/transfers").json()["jobs"]]
    assert listed.index(second["id"]) < listed.index(first["id"])  # newest first
    assert second["files"][0]["state"] == "skipped"
    with hf_live.client() as stream_client:
        reader = EventReader(stream_client, "/api/transfers/events")
        try:
            snapshot = reader.wait_for(lambda e: e[1] == "snapshot")[2]
            assert {first["id"], second["id"]} <= {j["id"] for j in snapshot["jobs"]}
            r = hf_api.delete(f"/api/transfers/{first['id']}")
            assert r.status_code == 200 and r.json()["id"] == first["id"]
            reader.wait_for(lambda e: e[1] == "removed" and e[2] == {"id": first["id"]})
        finally:
            reader.close()
    assert hf_api.get(f"/api/transfers/{first['id']}").status_code == 404
    assert first["id"] not in [j["id"] for j in hf_api.get("/api/transfers").json()["jobs"]]


def test_finished_jobs_are_forgotten_after_a_while(hf_live, hf_api, bucket, engine_options):
    engine_options.retention_seconds = 0.5
    body = hf_body("hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}", include=["config.json"])
    job = wait_job(hf_api, hf_api.post("/api/transfers", json=body).json()["id"])
    hf_live.call(hf_live.services.transfers.forget_old, time.time() + 1)
    assert hf_api.get(f"/api/transfers/{job['id']}").status_code == 404
