"""The global limit on files in flight, measured at the fake Hub, and metadata calls that never wait."""

from __future__ import annotations

import time

from .conftest import hf_body, run_import, wait_job

GGUF = "afrideva/tiny-random-LlamaForCausalLM-GGUF"  # 9 files of 7–50 kB


def _set_limit(client, n: int) -> None:
    r = client.put("/api/settings/transfers", json={"max_concurrent_transfers": n})
    assert r.status_code == 200, r.text


def test_limit_is_respected_across_jobs(hf_api, hub, bucket, s3):
    _set_limit(hf_api, 2)
    hub.inject("throttle", rate=100_000, times=None)  # every body takes a while
    first = hf_api.post("/api/transfers", json=hf_body(GGUF, f"s3:{bucket}", "a/"))
    second = hf_api.post("/api/transfers", json=hf_body(GGUF, f"s3:{bucket}", "b/"))
    for r in (first, second):
        assert wait_job(hf_api, r.json()["id"])["state"] == "completed"
    # Small files: one request per file. Reached, never exceeded, across both jobs.
    assert hub.log.max_in_flight["*"] == 2


def test_limit_changes_at_runtime(hf_api, hub, bucket):
    _set_limit(hf_api, 1)
    hub.inject("throttle", rate=60_000, times=None)
    r = hf_api.post("/api/transfers", json=hf_body(GGUF, f"s3:{bucket}"))
    job_id = r.json()["id"]
    deadline = time.monotonic() + 20
    while wait_job(hf_api, job_id, 10, states=("running", "completed"))["totals"]["files_done"] < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert hub.log.max_files_in_flight["*"] == 1
    _set_limit(hf_api, 3)
    assert wait_job(hf_api, job_id)["state"] == "completed"
    assert hub.log.max_files_in_flight["*"] == 3


def test_metadata_calls_do_not_wait_behind_transfers(hf_api, hub, bucket):
    _set_limit(hf_api, 1)
    hub.inject("throttle", path="big/model.safetensors", rate=1 << 20, times=None)  # ~9 s
    slow = hf_api.post("/api/transfers", json=hf_body("odd/names", f"s3:{bucket}", include=["big/*"]))
    wait_job(hf_api, slow.json()["id"], 10, states=("running",))
    started = time.monotonic()
    preview = hf_api.post(
        "/api/transfers/huggingface/preview", json={"source": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"}}
    )
    queued = hf_api.post("/api/transfers", json=hf_body("hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}"))
    listing = hf_api.get(f"/api/locations/s3:{bucket}/objects")
    elapsed = time.monotonic() - started
    assert preview.status_code == 200 and queued.status_code == 201 and listing.status_code == 200
    assert elapsed < 1.5, elapsed
    assert queued.json()["state"] == "queued"  # planned, waiting for a slot
    assert hf_api.get(f"/api/transfers/{queued.json()['id']}").json()["state"] == "queued"
    for job in (slow, queued):
        hf_api.post(f"/api/transfers/{job.json()['id']}/cancel")


def test_busy_while_a_transfer_runs(hf_api, hf_live, hub, bucket):
    activity = hf_live.services.activity
    hub.inject("throttle", path="big/model.safetensors", rate=4 << 20, times=None)
    assert not activity.transfers_running
    r = hf_api.post("/api/transfers", json=hf_body("odd/names", f"s3:{bucket}", include=["big/*"]))
    wait_job(hf_api, r.json()["id"], 10, states=("running",))
    assert activity.transfers_running
    kernels = hf_api.get("/api/kernels").json()
    assert kernels[0]["execution_state"] == "busy"
    assert wait_job(hf_api, r.json()["id"])["state"] == "completed"
    assert not activity.transfers_running


def test_many_small_files_use_every_slot(hf_api, hub, bucket):
    """With a limit of 4, four files really are in flight (the limit is not a cap of 1 in disguise)."""
    _set_limit(hf_api, 4)
    hub.inject("throttle", rate=50_000, times=None)
    job = run_import(
        hf_api,
        "hf-internal-testing/tiny-random-bert-sharded-subfolder",
        f"s3:{bucket}",
        "",
        include=["bert/flax_model-0000[2-9]*"],
    )
    assert job["state"] == "completed"
    assert hub.log.max_files_in_flight["*"] == 4
