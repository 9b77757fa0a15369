"""Bandwidth limits with the real app and SeaweedFS: a job's own limit, the global limit changed from
Settings while a job runs, and browser uploads, which no limit paces."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from conftest import LiveServer, make_config
from fakehub import FakeHub

from .conftest import wait_job

MiB = 1 << 20


@pytest.fixture
def global_rate(api) -> Iterator[None]:
    yield
    assert api.put("/api/settings/transfers", json={"max_transfer_rate": 0}).status_code == 200


@pytest.fixture
def source_file(local_root) -> Iterator[tuple[str, bytes]]:
    folder = local_root / f"rate-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    data = bytes(range(256)) * (12 * MiB // 256)  # 12 MiB
    (folder / "weights.bin").write_bytes(data)
    yield f"{folder.name}/weights.bin", data
    (folder / "weights.bin").unlink()
    folder.rmdir()


def _start_copy(api, local_root, key: str, bucket: str, **extra) -> dict:
    body = {
        "kind": "copy",
        "source": {"location_id": f"local:{local_root.name}", "keys": [key]},
        "destination": {"location_id": f"s3:{bucket}", "prefix": "limited/"},
        **extra,
    }
    r = api.post("/api/transfers", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_job_limit_paces_a_copy(api, local_root, bucket, s3, source_file):
    key, data = source_file
    start = time.monotonic()
    job = _start_copy(api, local_root, key, bucket, limit_rate=4 * MiB)
    assert job["limit_rate"] == 4 * MiB
    job = wait_job(api, job["id"], timeout=20)
    took = time.monotonic() - start
    assert job["state"] == "completed", job
    assert 2.5 <= took <= 4.5, took  # 12 MiB at 4 MiB/s, less the quarter-second burst
    assert s3.get_object(Bucket=bucket, Key="limited/weights.bin")["Body"].read() == data


def test_global_limit_changed_during_a_job(api, local_root, bucket, s3, source_file, global_rate):
    key, data = source_file
    r = api.put("/api/settings/transfers", json={"max_transfer_rate": "2MiB"})
    assert r.status_code == 200 and r.json()["transfers"]["max_transfer_rate"] == 2 * MiB
    job = _start_copy(api, local_root, key, bucket)
    assert "limit_rate" not in job
    time.sleep(1.0)
    done = api.get(f"/api/transfers/{job['id']}").json()["totals"]["bytes_done"]
    assert done <= 4 * MiB, done  # slowed down: at most the burst and one second at 2 MiB/s (+ a chunk)
    start = time.monotonic()
    assert api.put("/api/settings/transfers", json={"max_transfer_rate": 0}).status_code == 200
    job = wait_job(api, job["id"], timeout=20)
    assert job["state"] == "completed", job
    assert time.monotonic() - start < 2.0  # sped up: the 8+ MiB left would take 4 s more at 2 MiB/s
    assert s3.get_object(Bucket=bucket, Key="limited/weights.bin")["Body"].read() == data


def test_browser_upload_is_not_paced(api, bucket, s3, global_rate):
    assert api.put("/api/settings/transfers", json={"max_transfer_rate": MiB}).status_code == 200
    data = b"\x07" * (8 * MiB)
    start = time.monotonic()
    r = api.put(f"/api/locations/s3:{bucket}/object", params={"key": "up/direct.bin"}, content=data)
    assert r.status_code == 201, r.text
    assert time.monotonic() - start < 3.0  # 8 s at the global 1 MiB/s
    assert s3.head_object(Bucket=bucket, Key="up/direct.bin")["ContentLength"] == len(data)


def test_an_import_keeps_its_limit_across_a_restart(s3_server, s3, bucket, tmp_path):
    data = bytes(range(251)) * (6 * MiB // 251)
    with FakeHub() as hub:
        hub.add_repo("acme/paced", {"model.safetensors": data})
        first = LiveServer(make_config(s3_server, tmp_path, hf_endpoint=hub.url)).start()
        try:
            with first.client() as client:
                body = {
                    "kind": "huggingface",
                    "source": {"repo_id": "acme/paced"},
                    "destination": {"location_id": f"s3:{bucket}", "prefix": "paced/"},
                    "limit_rate": 2 * MiB,
                }
                r = client.post("/api/transfers", json=body)
                assert r.status_code == 201, r.text
                job_id = r.json()["id"]
                time.sleep(1.0)
                assert client.get(f"/api/transfers/{job_id}").json()["state"] == "running"
        finally:
            first.stop()  # interrupted, resumed by the next start
        second = LiveServer(make_config(s3_server, tmp_path, hf_endpoint=hub.url)).start()
        try:
            with second.client() as client:
                start = time.monotonic()
                job = wait_job(client, job_id, timeout=20)
                took = time.monotonic() - start
        finally:
            second.stop()
    assert job["state"] == "completed", job
    assert job["resumed_at"] and job["limit_rate"] == 2 * MiB
    assert took >= 2.0, took  # the file starts again from its first byte: 6 MiB at 2 MiB/s, less the burst
    assert s3.get_object(Bucket=bucket, Key="paced/acme/paced/model.safetensors")["Body"].read() == data
