"""Imports through a misbehaving Hub: rate limits, dropped and stalled connections, corrupted bytes,
servers that ignore Range, and where the token may go."""

from __future__ import annotations

import dataclasses
import hashlib
import time

from fakehub import ForwardProxy, pseudo_bytes

from .conftest import TOKEN, hf_body, open_uploads, run_import, s3_keys, wait_job

ODD = "odd/names"
BIG = "big/model.safetensors"
MiB = 1 << 20


def _big(hub):
    return hub.repo(ODD).files()[BIG]


def _import_big(hf_api, bucket, timeout=60):
    return run_import(hf_api, ODD, f"s3:{bucket}", "", include=[BIG], timeout=timeout)


def _check_big(s3, bucket, hub):
    data = s3.get_object(Bucket=bucket, Key=f"{ODD}/{BIG}")["Body"].read()
    assert hashlib.sha256(data).hexdigest() == _big(hub).sha256


def test_resume_after_disconnect_uses_range_and_re_resolves(hf_api, hub, bucket, s3):
    hub.inject("disconnect", path=BIG, host="lfs", after_bytes=3 * MiB + 5)
    job = _import_big(hf_api, bucket)
    assert job["state"] == "completed", job
    _check_big(s3, bucket, hub)
    lfs = hub.log.find(host="lfs", file=BIG)
    assert len(lfs) == 2
    assert lfs[0].header("range") is None and lfs[0].bytes_sent == 3 * MiB + 5
    assert lfs[1].header("range") == f"bytes={3 * MiB + 5}-"
    assert lfs[1].status == 206
    # The signed URL was resolved again through the Hub after the failure.
    assert len(hub.log.find(host="hub", path_contains="big/model.safetensors")) == 2
    assert job["files"][0].get("attempts", True)


def test_whole_file_answer_to_a_range_is_never_appended(hf_api, hub, bucket, s3):
    hub.inject("disconnect", path=BIG, host="lfs", after_bytes=2 * MiB)
    hub.inject("ignore_range", path=BIG, host="lfs")
    job = _import_big(hf_api, bucket)
    assert job["state"] == "completed", job
    _check_big(s3, bucket, hub)
    second = hub.log.find(host="lfs", file=BIG)[1]
    assert second.header("range") == f"bytes={2 * MiB}-" and second.status == 200
    assert s3.head_object(Bucket=bucket, Key=f"{ODD}/{BIG}")["ContentLength"] == 9 * MiB


def test_stalled_body_hits_the_read_timeout_and_resumes(hf_api, hub, bucket, s3):
    hub.inject("stall", path=BIG, host="lfs", after_bytes=MiB, seconds=20)
    started = time.monotonic()
    job = _import_big(hf_api, bucket)
    assert job["state"] == "completed", job
    assert time.monotonic() - started < 10  # read timeout 1.5 s, not the 20 s stall
    _check_big(s3, bucket, hub)
    assert hub.log.find(host="lfs", file=BIG)[1].header("range") == f"bytes={MiB}-"


def test_rate_limit_waits_for_retry_after(hf_api, hub, bucket, s3):
    hub.inject("status", status=429, path="resolve", host="hub", retry_after=1, times=1)
    job = run_import(hf_api, "hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}", "", include=["config.json"])
    assert job["state"] == "completed", job
    resolves = hub.log.find(host="hub", path_contains="/resolve/")
    assert [r.status for r in resolves] == [429, 200]
    assert resolves[1].started - resolves[0].ended >= 0.9


def test_rate_limited_metadata_call_is_retried(hf_api, hub):
    hub.inject("status", status=429, path="/tree/", host="hub", reset=0, times=2)
    r = hf_api.post(
        "/api/transfers/huggingface/preview", json={"source": {"repo_id": "hf-tiny-v2/tiny-random-GPT2Model"}}
    )
    assert r.status_code == 200, r.text
    assert [q.status for q in hub.log.find(path_contains="/tree/")][:3] == [429, 429, 200]


def test_persistent_corruption_leaves_no_object_and_no_upload(hf_api, hub, bucket, s3):
    hub.inject("corrupt", path=BIG, host="lfs", offset=9 * MiB - 10, times=None)
    job = _import_big(hf_api, bucket)
    assert job["state"] == "failed"
    file = job["files"][0]
    assert file["state"] == "failed" and file["error"].startswith("ChecksumMismatch")
    assert file["bytes_done"] == 0
    assert s3_keys(s3, bucket) == []
    assert open_uploads(s3, bucket) == []
    assert len(hub.log.find(host="lfs", file=BIG)) == 3  # retried, then given up


def test_corruption_once_is_retried(hf_api, hub, bucket, s3):
    hub.inject("corrupt", path="config.json", host="hub", offset=10)
    job = run_import(hf_api, "hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}", "", include=["config.json"])
    assert job["state"] == "completed", job
    data = s3.get_object(Bucket=bucket, Key="hf-tiny-v2/tiny-random-GPT2Model/config.json")["Body"].read()
    assert data == hub.repo("hf-tiny-v2/tiny-random-GPT2Model").files()["config.json"].content.read()


def test_gzip_is_never_accepted_for_downloads(hf_api, hub, bucket, s3):
    """The Hub gzips text to clients that accept it; hashing compressed bytes would never match."""
    job = run_import(hf_api, "hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}", "", include=["tokenizer.json"])
    assert job["state"] == "completed", job
    request = hub.log.find(host="hub", file="tokenizer.json")[0]
    assert request.header("accept-encoding") == "identity"


def test_token_goes_to_the_hub_only(hf_api, hub, bucket, s3):
    job = run_import(
        hf_api, "meta-llama/Llama-3.2-1B", f"s3:{bucket}", "", token=TOKEN, include=["model.safetensors", "config.json"]
    )
    assert job["state"] == "completed", job
    lfs = hub.log.find(host="lfs")
    assert lfs and not any(r.authorized for r in lfs)
    assert all(r.header("authorization") == f"Bearer {TOKEN}" for r in hub.log.find(host="hub"))


def test_parallel_ranged_download_of_a_big_file(hf_api, hub, bucket, s3, engine_options):
    engine_options.download.segment_size = MiB
    engine_options.download.parallel_threshold = 2 * MiB
    engine_options.download.connections = 3
    hub.inject("throttle", path=BIG, host="lfs", rate=8 * MiB, times=None)
    hub.inject("disconnect", path=BIG, host="lfs", after_bytes=MiB // 2)  # one segment breaks
    job = _import_big(hf_api, bucket)
    assert job["state"] == "completed", job
    _check_big(s3, bucket, hub)
    gets = hub.log.find(host="lfs", file=BIG, method="GET")
    assert len(gets) == 9 + 1  # nine 1 MiB segments, one of them resumed
    assert all(r.header("range") for r in gets)
    # Parallel, and bounded (+1: the fake may log a body's end after the client moved on).
    assert 2 <= hub.log.max_in_flight["lfs"] <= 3 + 1
    # One HEAD located the storage URL for every segment; one more after the failure.
    assert [r.method for r in hub.log.find(host="hub", path_contains="big/model")] == ["HEAD", "HEAD"]


def test_big_files_fetched_at_once_share_one_segment_budget(hf_api, hf_live, hub, bucket, s3, engine_options):
    """Each big file may prefetch `connections + 2` segments, but the files fetched at once share
    `segments_buffered` of them, beyond the one each file waits for: the app's memory stays bounded
    whatever the number of files in flight (three files here held 12 segments before)."""
    files = {f"shards/part-{i}.safetensors": pseudo_bytes(f"budget-{i}", 6 * MiB) for i in range(3)}
    if ("model", "budget/shards") not in hub.repos:
        hub.add_repo("budget/shards", files)
    engine_options.download.segment_size = MiB
    engine_options.download.parallel_threshold = 2 * MiB
    engine_options.download.connections = 4
    engine_options.download.segments_buffered = 3
    services = hf_live.services
    services.settings.transfers = dataclasses.replace(services.settings.transfers, max_concurrent_transfers=3)
    hf_live.call(services.transfers.set_concurrency, 3)  # the three files at once (restored by hf_live)
    hub.inject("throttle", path="part-", host="lfs", rate=4 * MiB, times=None)  # the Hub is the bottleneck
    job = run_import(hf_api, "budget/shards", f"s3:{bucket}", "")
    assert job["state"] == "completed", job
    for path, content in files.items():
        data = s3.get_object(Bucket=bucket, Key=f"budget/shards/{path}")["Body"].read()
        assert hashlib.sha256(data).digest() == hashlib.sha256(content).digest()
    # Three shared segments plus each file's head (+1: the fake may log a body's end late).
    assert hub.log.max_in_flight["lfs"] <= 3 + 3 + 1


def test_proxy_carries_hub_storage_and_s3_traffic(make_live, hub, s3_server, bucket, s3):
    with ForwardProxy() as proxy:
        app = make_live(hf_endpoint=hub.url, http_proxy=proxy.url, https_proxy=proxy.url)
        with app.client() as client:
            job = run_import(client, "hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}", "via-proxy/")
        assert job["state"] == "completed", job
        hosts = proxy.hosts()
        hub_host, lfs_host = hub.url.split("//")[1], hub.lfs_url.split("//")[1]
        s3_host = s3_server.endpoint.split("//")[1]
        assert {hub_host, lfs_host, s3_host} <= hosts
        proxied = [r for r in proxy.requests if hub_host in r.url or lfs_host in r.url]
        assert len(proxied) == len(hub.log.requests)  # every Hub and storage request went through it
    assert len(s3_keys(s3, bucket, "via-proxy/")) == len(hub.repo("hf-tiny-v2/tiny-random-GPT2Model").files())


def test_no_proxy_bypasses_the_proxy(make_live, hub, bucket):
    with ForwardProxy() as proxy:
        app = make_live(hf_endpoint=hub.url, http_proxy=proxy.url, no_proxy="127.0.0.1,127.0.0.2")
        with app.client() as client:
            r = client.post("/api/transfers", json=hf_body("hf-tiny-v2/tiny-random-GPT2Model", f"s3:{bucket}"))
            assert r.status_code == 201, r.text
            assert wait_job(client, r.json()["id"])["state"] == "completed"
        assert proxy.requests == []


def test_renamed_repo_redirects_are_followed(hf_api, hub, bucket, s3, engine_options):
    hub.rename("old-org/old-name", "odd/names")
    engine_options.download.segment_size = MiB
    engine_options.download.parallel_threshold = 2 * MiB  # the HEAD that locates segments follows it too
    job = run_import(hf_api, "old-org/old-name", f"s3:{bucket}", "", include=["big/*", "empty.txt"])
    assert job["state"] == "completed", job
    data = s3.get_object(Bucket=bucket, Key=f"old-org/old-name/{BIG}")["Body"].read()
    assert hashlib.sha256(data).hexdigest() == _big(hub).sha256
    assert any(r.status == 307 for r in hub.log.requests)
