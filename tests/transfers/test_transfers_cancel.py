"""Cancel: within a second, no open multipart upload, only this job's objects deleted."""

from __future__ import annotations

import time

from .conftest import hf_body, open_uploads, s3_keys, wait_job

ODD = "odd/names"
MiB = 1 << 20


def test_cancel_mid_import_removes_only_what_the_job_created(hf_api, hub, bucket, s3):
    repo = hub.repo(ODD)
    base = f"in/{ODD}/"
    empty = repo.files()["empty.txt"]
    s3.put_object(Bucket=bucket, Key="keep/outside.bin", Body=b"outside")
    s3.put_object(Bucket=bucket, Key=base + "unrelated.txt", Body=b"not from the hub")
    s3.put_object(Bucket=bucket, Key=base + "big/model.safetensors", Body=b"the previous weights")
    s3.put_object(Bucket=bucket, Key=base + "empty.txt", Body=b"", Metadata={"hf-oid": empty.oid})
    before = {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in s3_keys(s3, bucket)}

    hub.inject("throttle", path="big/model.safetensors", host="lfs", rate=4 * MiB, times=None)
    r = hf_api.post("/api/transfers", json=hf_body(ODD, f"s3:{bucket}", "in/"))
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    # Wait until the big file has an open multipart upload and the small files are stored.
    deadline = time.monotonic() + 20
    while not open_uploads(s3, bucket):
        assert time.monotonic() < deadline, "no multipart upload started"
        time.sleep(0.05)
    job = wait_job(hf_api, job_id, 10, states=("running",))
    assert any(f["state"] == "done" for f in job["files"])

    started = time.monotonic()
    r = hf_api.post(f"/api/transfers/{job_id}/cancel")
    elapsed = time.monotonic() - started
    assert r.status_code == 200
    job = r.json()
    assert job["state"] == "cancelled" and elapsed < 1.0, (job["state"], elapsed)
    assert {f["state"] for f in job["files"]} <= {"done", "skipped", "cancelled"}
    assert next(f for f in job["files"] if f["path"] == "empty.txt")["state"] == "skipped"

    assert open_uploads(s3, bucket) == []
    after = {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in s3_keys(s3, bucket)}
    assert after == before  # every pre-existing object intact, nothing of the job left
    deadline = time.monotonic() + 2
    while hub.log.in_flight("lfs"):
        assert time.monotonic() < deadline, "the download was not stopped"
        time.sleep(0.05)
    # Cancelling again, or fetching, is harmless.
    assert hf_api.post(f"/api/transfers/{job_id}/cancel").json()["state"] == "cancelled"


def test_cancel_into_a_local_folder(hf_api, hub, local_root):
    location = f"local:{local_root.name}"
    target = local_root / "cancel-local"
    (target / ODD).mkdir(parents=True)
    (target / ODD / "mine.txt").write_text("mine")
    hub.inject("throttle", path="big/model.safetensors", host="lfs", rate=2 * MiB, times=None)
    r = hf_api.post("/api/transfers", json=hf_body(ODD, location, "cancel-local/"))
    job_id = r.json()["id"]
    deadline = time.monotonic() + 20
    while wait_job(hf_api, job_id, 10, states=("running",))["totals"]["bytes_done"] < MiB:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = hf_api.delete(f"/api/transfers/{job_id}")
    assert r.json()["state"] == "cancelled"
    left = sorted(p.relative_to(target).as_posix() for p in target.rglob("*"))
    # No partial or temporary file, and no folder the job made; the folders that were there stay.
    assert left == ["odd", ODD, f"{ODD}/mine.txt"]


def test_cancel_a_copy(api, live, bucket, s3):
    live.call(live.services.transfers.set_concurrency, 1)
    try:
        for i in range(40):
            s3.put_object(Bucket=bucket, Key=f"src/f{i:02d}.bin", Body=bytes([i]) * 1000)
        s3.put_object(Bucket=bucket, Key="dst/src/f00.bin", Body=b"existing")
        r = api.post(
            "/api/transfers",
            json={
                "kind": "copy",
                "conflict": "overwrite",
                "source": {"location_id": f"s3:{bucket}", "prefixes": ["src/"]},
                "destination": {"location_id": f"s3:{bucket}", "prefix": "dst/"},
            },
        )
        job = api.post(f"/api/transfers/{r.json()['id']}/cancel").json()
    finally:
        live.call(live.services.transfers.set_concurrency, live.services.settings.transfers.max_concurrent_transfers)
    assert job["state"] == "cancelled"
    # The pre-existing key survives (perhaps overwritten by the copy, never deleted); the rest is gone.
    assert s3_keys(s3, bucket, "dst/") == ["dst/src/f00.bin"]
    assert len(s3_keys(s3, bucket, "src/")) == 40
