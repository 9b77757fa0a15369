"""Durable jobs (transfers/store.py): history survives a restart, a stopped or killed app resumes its
jobs at the next start without fetching a finished file again, and the multipart uploads it left open
are aborted, never one another client opened."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import LiveServer, make_config
from fakehub import FakeHub
from odh_tec.storage.local import TEMP_MARK
from odh_tec.transfers.model import TransferFile
from odh_tec.transfers.specs import CopySpec
from odh_tec.transfers.store import JobStore
from served import ServedApp, s3_env, slow_upload, store_unfinished_copy

from .conftest import open_uploads, s3_keys

MiB = 1 << 20
REPO = "acme/slow-model"


def _blob(seed: str, size: int) -> bytes:
    block = hashlib.sha256(seed.encode()).digest() * 2048  # 64 KiB of incompressible-looking bytes
    return (block * (size // len(block) + 1))[:size]


FILES = {
    "config.json": b'{"model_type": "llama"}',
    "a.safetensors": _blob("a", 3 * MiB),
    "b.safetensors": _blob("b", 3 * MiB),
    "c.safetensors": _blob("c", 3 * MiB),
    "big.safetensors": _blob("big", 40 * MiB),  # multipart (8 MiB parts): an upload is open mid-file
}


@pytest.fixture
def slow_hub() -> Iterator[FakeHub]:
    """A Hub that sends 12 MB/s in all: the big file takes seconds, long enough to stop the app in it."""
    with FakeHub(rate=12e6) as hub:
        hub.add_repo(REPO, FILES)
        yield hub


def _wait(client: httpx.Client, job_id: str, predicate, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/transfers/{job_id}").json()
        if predicate(job):
            return job
        assert time.monotonic() < deadline, f"timed out; job is {job['state']}: {job.get('error')}"
        time.sleep(0.1)


def _file(job: dict, path: str) -> dict:
    return next(f for f in job["files"] if f["path"] == path)


def _downloads(hub: FakeHub, path: str) -> int:
    """Bodies the Hub sent for `path` (a redirect to the LFS host sends none)."""
    return sum(1 for r in hub.log.requests if r.file == path and r.method == "GET" and r.status in (200, 206))


def _start_import(client: httpx.Client, bucket: str) -> str:
    body = {
        "kind": "huggingface",
        "source": {"repo_id": REPO, "revision": "main"},
        "destination": {"location_id": f"s3:{bucket}", "prefix": "models/"},
    }
    answer = client.post("/api/transfers", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _check_import(s3, bucket: str) -> None:
    keys = s3_keys(s3, bucket, "models/")
    assert keys == sorted(f"models/{REPO}/{p}" for p in FILES)
    for path, data in FILES.items():
        body = s3.get_object(Bucket=bucket, Key=f"models/{REPO}/{path}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == hashlib.sha256(data).hexdigest(), path
    assert open_uploads(s3, bucket) == []


def test_history_survives_a_restart_until_cleared(s3_server, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="src/one.txt", Body=b"one")
    config = make_config(s3_server, tmp_path)
    first = LiveServer(config).start()
    try:
        with first.client() as client:
            body = {
                "kind": "copy",
                "source": {"location_id": f"s3:{bucket}", "keys": ["src/one.txt"]},
                "destination": {"location_id": f"s3:{bucket}", "prefix": "dst/"},
            }
            job_id = client.post("/api/transfers", json=body).json()["id"]
            _wait(client, job_id, lambda j: j["state"] == "completed")
    finally:
        first.stop()

    second = LiveServer(make_config(s3_server, tmp_path)).start()
    try:
        with second.client() as client:
            job = client.get(f"/api/transfers/{job_id}").json()
            assert job["state"] == "completed"
            assert job["resumed_at"] is None  # finished before the restart: nothing to resume
            assert [f["state"] for f in job["files"]] == ["done"]
            cleared = client.delete("/api/transfers")
            assert cleared.status_code == 200, cleared.text
            assert job_id in cleared.json()["cleared"]
            assert client.get("/api/transfers").json()["jobs"] == []
    finally:
        second.stop()

    third = LiveServer(make_config(s3_server, tmp_path)).start()
    try:
        with third.client() as client:
            assert client.get("/api/transfers").json()["jobs"] == []
    finally:
        third.stop()


def test_a_stopped_app_resumes_its_import_at_the_next_start(s3_server, s3, bucket, tmp_path, slow_hub):
    config = make_config(s3_server, tmp_path, hf_endpoint=slow_hub.url)
    first = LiveServer(config).start()
    first.services.settings.transfers.max_concurrent_transfers = 1  # one file after the other
    first.services.transfers.set_concurrency(1)
    try:
        with first.client() as client:
            job_id = _start_import(client, bucket)
            job = _wait(client, job_id, lambda j: _file(j, "big.safetensors")["bytes_done"] > 12 * MiB, timeout=60)
            done_before = {f["path"] for f in job["files"] if f["state"] == "done"}
            assert "a.safetensors" in done_before
    finally:
        first.stop()  # a graceful stop (SIGTERM in a pod): the job is interrupted, not cancelled
    assert open_uploads(s3, bucket) == []  # the big file's multipart upload was aborted
    assert f"models/{REPO}/big.safetensors" not in s3_keys(s3, bucket, "models/")

    second = LiveServer(make_config(s3_server, tmp_path, hf_endpoint=slow_hub.url)).start()
    try:
        with second.client() as client:
            job = _wait(client, job_id, lambda j: j["state"] not in ("queued", "running"))
            assert job["state"] == "completed", job["error"]
            assert job["resumed_at"] is not None
            assert job["resolved_revision"] == slow_hub.repo(REPO).sha
    finally:
        second.stop()
    _check_import(s3, bucket)
    for path in done_before:
        assert _downloads(slow_hub, path) == 1, f"{path} was fetched again"


def _serve(s3_server, tmp: Path, hub: FakeHub) -> ServedApp:
    """`odh-tec serve` as a process on a fixed data dir, so that it can be SIGKILLed like an OOM kill."""
    env = s3_env(tmp, s3_server, HF_ENDPOINT=hub.url, MAX_CONCURRENT_TRANSFERS="1")
    return ServedApp(tmp, env, capture=False)


def test_a_killed_app_resumes_its_import_and_aborts_the_upload_it_left_open(s3_server, s3, bucket, tmp_path, slow_hub):
    app = _serve(s3_server, tmp_path, slow_hub)
    try:
        with app.client() as client:
            job_id = _start_import(client, bucket)
            job = _wait(client, job_id, lambda j: _file(j, "big.safetensors")["bytes_done"] > 20 * MiB, timeout=60)
            done_before = {f["path"] for f in job["files"] if f["state"] == "done"}
        app.kill()  # no clean-up at all, as after an OOM kill
    finally:
        app.stop()
    left_open = open_uploads(s3, bucket)
    assert [u["Key"] for u in left_open] == [f"models/{REPO}/big.safetensors"]  # what the sweep must abort
    time.sleep(1.5)  # the store's last batch is at most a second old: progress since then is lost, not work

    app = _serve(s3_server, tmp_path, slow_hub)
    try:
        with app.client() as client:
            job = _wait(client, job_id, lambda j: j["state"] not in ("queued", "running"))
            assert job["state"] == "completed", job["error"]
            assert job["resumed_at"] is not None
    finally:
        app.stop()
    _check_import(s3, bucket)  # every sha256 matches the Hub, and no upload is left open
    for path in done_before:
        assert _downloads(slow_hub, path) == 1, f"{path} was fetched again"


def test_a_killed_import_into_a_local_folder_leaves_no_partial_file(s3_server, tmp_path, slow_hub):
    pvc = tmp_path / "pvc"
    pvc.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    env = s3_env(data, s3_server, HF_ENDPOINT=slow_hub.url, MAX_CONCURRENT_TRANSFERS="1", LOCAL_STORAGE_PATHS=str(pvc))
    body = {
        "kind": "huggingface",
        "source": {"repo_id": REPO, "revision": "main"},
        "destination": {"location_id": "local:pvc", "prefix": "models/"},
    }
    folder = pvc / "models" / REPO
    app = ServedApp(data, env, capture=False)
    try:
        with app.client() as client:
            answer = client.post("/api/transfers", json=body)
            assert answer.status_code == 201, answer.text
            job_id = answer.json()["id"]
            _wait(client, job_id, lambda j: _file(j, "big.safetensors")["bytes_done"] > 20 * MiB, timeout=60)
        app.kill()
    finally:
        app.stop()
    assert [p.name for p in folder.iterdir() if TEMP_MARK in p.name], "the kill left no temporary to sweep"

    app = ServedApp(data, env, capture=False)
    try:
        with app.client() as client:
            job = _wait(client, job_id, lambda j: j["state"] not in ("queued", "running"))
            assert job["state"] == "completed", job["error"]
    finally:
        app.stop()
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)  # no temporary left beside them
    for path, content in FILES.items():
        assert hashlib.sha256((folder / path).read_bytes()).digest() == hashlib.sha256(content).digest(), path


def test_a_browser_upload_into_a_local_folder_cut_by_a_kill_leaves_no_partial_file(s3_server, tmp_path):
    """No job to resume: the journal of partials names the temporary, and the next start removes it."""
    pvc = tmp_path / "pvc"
    pvc.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    env = s3_env(data, s3_server, LOCAL_STORAGE_PATHS=str(pvc))
    app = ServedApp(data, env, capture=False)
    try:
        slow_upload(f"{app.url}/api/locations/local:pvc/object", "up/weights.bin", 1 << 30)
        deadline = time.monotonic() + 30
        while not [p for p in (pvc / "up").glob("*") if TEMP_MARK in p.name and p.stat().st_size > 8 * MiB]:
            assert time.monotonic() < deadline, "the upload never reached the disk"
            time.sleep(0.1)
        app.kill()
    finally:
        app.stop()
    assert [p.name for p in (pvc / "up").iterdir()], "the kill left no temporary to sweep"

    app = ServedApp(data, env, capture=False)
    try:
        deadline = time.monotonic() + 20
        while list((pvc / "up").iterdir()):
            assert time.monotonic() < deadline, list((pvc / "up").iterdir())
            time.sleep(0.1)
    finally:
        app.stop()
    assert list((app.data_dir / "partials").iterdir()) == []


def test_a_job_that_cannot_resume_fails_with_the_reason(s3_server, tmp_path):
    """A copy whose source location is gone since the restart fails once, with the reason; no loop."""
    config = make_config(s3_server, tmp_path)
    spec = CopySpec(source_location="local:gone", destination_location="local:gone", keys=["a.txt"])
    files = [TransferFile(path="a.txt", key="a.txt", size=3, source="a.txt")]
    job = store_unfinished_copy(config.data_dir, spec, files)

    app = LiveServer(config).start()
    try:
        with app.client() as client:
            answer = _wait(client, job.id, lambda j: j["state"] not in ("queued", "running"), timeout=20)
            assert answer["state"] == "failed"
            assert answer["error"].startswith("Could not resume after a restart: NoSuchLocation")
            assert [f["state"] for f in answer["files"]] == ["failed"]
    finally:
        app.stop()


def test_the_sweep_aborts_only_the_uploads_this_app_opened(s3_server, s3, bucket, tmp_path):
    ours = s3.create_multipart_upload(Bucket=bucket, Key="ours.bin")["UploadId"]
    theirs = s3.create_multipart_upload(Bucket=bucket, Key="theirs.bin")["UploadId"]
    config = make_config(s3_server, tmp_path)
    store = JobStore(config.data_dir / "transfers.sqlite3")
    store._upload_opened(s3_server.endpoint, bucket, "ours.bin", ours)
    store.close()

    app = LiveServer(config).start()
    try:
        deadline = time.monotonic() + 20
        while {u["UploadId"] for u in open_uploads(s3, bucket)} != {theirs}:
            assert time.monotonic() < deadline, open_uploads(s3, bucket)
            time.sleep(0.1)
    finally:
        app.stop()
        s3.abort_multipart_upload(Bucket=bucket, Key="theirs.bin", UploadId=theirs)
    store = JobStore(config.data_dir / "transfers.sqlite3")
    assert store.open_uploads(s3_server.endpoint) == []
    store.close()
