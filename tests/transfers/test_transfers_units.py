"""Small pieces on their own: patterns, checksums, limiter, rate, events, names, error mapping."""

from __future__ import annotations

import asyncio
import hashlib
import json

import httpx
import pytest

from odh_tec.errors import BadRequest
from odh_tec.hf import errors as E
from odh_tec.hf.models import HubFile, RepoRef
from odh_tec.hf.patterns import selected, unmatched_literals
from odh_tec.hf.verify import Checksum, ChecksumMismatch, SizeMismatch, verified
from odh_tec.transfers.events import EventHub
from odh_tec.transfers.keys import folder, hf_base, renamed
from odh_tec.transfers.limiter import SlotLimiter
from odh_tec.transfers.model import FileState, Job, JobState, TransferFile
from odh_tec.transfers.rate import RateMeter


def test_patterns_follow_huggingface_hub():
    assert selected("data/a/b.json", ["data/*.json"], None)  # * crosses /
    assert not selected("Data/x.json", ["data/*"], None)  # case-sensitive
    assert not selected("original/params.json", None, ["original/"])  # folder pattern
    assert selected("model.safetensors", ["*.safetensors", "*.json"], ["*.bin"])
    assert not selected("pytorch_model.bin", None, ["*.bin"])
    assert unmatched_literals(["a.json", "b/c.txt"], ["a.json", "b/c.txt", "missing.txt", "*.md", "sub/"]) == [
        "missing.txt"
    ]


def test_repo_ref_validation_and_urls():
    ref = RepoRef("org/model", "dataset", "refs/pr/1")
    assert ref.resolve_path("refs/pr/1", "dir/a b#.txt") == "/datasets/org/model/resolve/refs%2Fpr%2F1/dir/a%20b%23.txt"
    assert RepoRef("gpt2").api_path == "/api/models/gpt2"
    for bad in ("../x", "a/b/c", "", "org/.."):
        with pytest.raises(BadRequest):
            RepoRef(bad)


async def _stream(*chunks: bytes):
    for chunk in chunks:
        yield chunk


async def _drain(iterator) -> bytes:
    return b"".join([c async for c in iterator])


async def test_verified_checks_sha256_and_git_sha1():
    data = b"hello world" * 1000
    lfs = HubFile("w.bin", len(data), "x", hashlib.sha256(data).hexdigest())
    seen = []
    assert (
        await _drain(
            verified(_stream(data[:10], data[10:]), Checksum.for_file(lfs), len(data), name="w", on_bytes=seen.append)
        )
        == data
    )
    assert sum(seen) == len(data)
    git = HubFile("c.json", 3, hashlib.sha1(b"blob 3\x00abc", usedforsecurity=False).hexdigest())
    assert await _drain(verified(_stream(b"abc"), Checksum.for_file(git), 3, name="c")) == b"abc"
    with pytest.raises(ChecksumMismatch):
        await _drain(verified(_stream(b"abd"), Checksum.for_file(git), 3, name="c"))
    with pytest.raises(SizeMismatch):
        await _drain(verified(_stream(b"ab"), Checksum.for_file(git), 3, name="c"))
    with pytest.raises(SizeMismatch):
        await _drain(verified(_stream(b"abcd"), Checksum.for_file(git), 3, name="c"))


async def test_limiter_bounds_resizes_and_survives_cancel():
    limiter = SlotLimiter(2)
    running = peak = 0

    async def work(delay: float) -> None:
        nonlocal running, peak
        await limiter.acquire()
        try:
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(delay)
        finally:
            running -= 1
            limiter.release()

    await asyncio.gather(*(work(0.01) for _ in range(8)))
    assert peak == 2 and limiter.in_use == 0
    peak = 0
    tasks = [asyncio.create_task(work(0.05)) for _ in range(8)]
    await asyncio.sleep(0.01)
    limiter.resize(4)
    await asyncio.gather(*tasks)
    assert peak == 4
    # A waiter cancelled while queued gives nothing back twice and blocks nobody.
    await limiter.acquire()
    await limiter.acquire()
    await limiter.acquire()
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    for _ in range(4):
        limiter.release()
    assert limiter.in_use == 0 and limiter.waiting == 0


def test_rate_meter():
    meter = RateMeter(window=5)
    assert meter.rate(0, now=100.0) == 0.0
    assert meter.rate(1000, now=101.0) == pytest.approx(1000)
    assert meter.rate(3000, now=102.0) == pytest.approx(1500)
    assert meter.rate(3000, now=110.0) < 500  # stalled: the rate falls


async def test_events_coalesce_per_job_and_stop():
    hub = EventHub(interval=10)
    job = Job(kind="copy", title="t", source={}, destination={}, files=[TransferFile("a", "a", 10)])
    sub = hub.subscribe()
    for n in range(5):
        job.files[0].bytes_done = n
        hub.mark(job)
    hub.flush()
    batch = await sub.next_batch(0.1)
    assert len(batch) == 1 and '"bytes_done":4' in batch[0][1]
    assert await sub.next_batch(0.05) == []  # timeout: nothing new → a keep-alive
    hub.removed(job.id)
    assert (await sub.next_batch(0.1))[0][0] == "removed"
    await hub.stop()
    assert await sub.next_batch(0.1) is None


async def test_events_send_changed_files_and_catch_slow_clients_up():
    hub = EventHub(interval=10)
    job = Job(
        kind="copy",
        title="t",
        source={},
        destination={},
        files=[TransferFile("a", "a", 10), TransferFile("b", "b", 10), TransferFile("c", "c", 10)],
    )
    fast, slow = hub.subscribe(), hub.subscribe()
    hub.now(job)  # a new job: every file
    first = json.loads((await fast.next_batch(0.1))[0][1])
    assert len(first["files"]) == 3 and first["files_count"] == 3
    job.files[0].bytes_done = 5
    hub.mark(job)
    hub.flush()
    delta = json.loads((await fast.next_batch(0.1))[0][1])
    assert "files" not in delta and delta["files_count"] == 3
    assert [f["path"] for f in delta["files_changed"]] == ["a"] and delta["files_changed"][0]["bytes_done"] == 5
    job.files[1].state = FileState.RUNNING
    hub.mark(job)
    hub.flush()
    assert [f["path"] for f in json.loads((await fast.next_batch(0.1))[0][1])["files_changed"]] == ["b"]
    # The slow tab read nothing yet: its one pending update is the whole job, current.
    caught_up = json.loads((await slow.next_batch(0.1))[0][1])
    assert len(caught_up["files"]) == 3 and caught_up["files"][1]["state"] == "running"
    job.state = JobState.COMPLETED
    hub.now(job)  # the end: every file again
    assert len(json.loads((await fast.next_batch(0.1))[0][1])["files"]) == 3
    await hub.stop()


def test_job_totals():
    job = Job(
        kind="huggingface",
        title="t",
        source={},
        destination={},
        files=[
            TransferFile("a", "a", 100, bytes_done=100, state=FileState.DONE),
            TransferFile("b", "b", 50, state=FileState.SKIPPED),
            TransferFile("c", "c", 10, bytes_done=5, state=FileState.RUNNING),
        ],
    )
    totals = job.to_json()["totals"]
    assert totals["files"] == 3 and totals["files_done"] == 1 and totals["files_skipped"] == 1
    assert totals["bytes"] == 160 and totals["bytes_done"] == 105


def test_keys():
    assert folder("") == "" and folder("/a//b") == "a/b/" and folder("a/") == "a/"
    with pytest.raises(BadRequest):
        folder("a/../b")
    assert hf_base("models", "org/m") == "models/org/m/" and hf_base("", "org/m", False) == ""
    assert renamed("d/model.safetensors", 1) == "d/model (1).safetensors"
    assert renamed(".env", 2) == ".env (2)" and renamed("README", 3) == "README (3)"


def _response(status: int, headers: dict | None = None, body: bytes = b"") -> httpx.Response:
    request = httpx.Request("GET", "https://hub.example/api/models/o/r/revision/main")
    return httpx.Response(status, headers=headers, content=body, request=request)


@pytest.mark.parametrize(
    ("status", "headers", "token", "expected"),
    [
        (401, {"X-Error-Code": "RepoNotFound"}, False, E.RepoNotFound),
        (404, {"X-Error-Code": "RepoNotFound"}, True, E.RepoNotFound),
        (401, {"X-Error-Code": "GatedRepo"}, False, E.GatedRepo),
        (403, {"X-Error-Code": "GatedRepo"}, True, E.GatedNotApproved),
        (401, {"X-Error-Message": "Invalid credentials in Authorization header"}, True, E.InvalidToken),
        (401, {}, False, E.RepoNotFound),
        (404, {"X-Error-Code": "RevisionNotFound"}, False, E.RevisionNotFound),
        (404, {"X-Error-Code": "EntryNotFound"}, False, E.EntryNotFound),
        (403, {"X-Error-Message": "Access to this resource is disabled."}, False, E.RepoDisabled),
        (429, {"RateLimit": '"api";r=0;t=12'}, False, E.HubRateLimited),
        (503, {}, False, E.HubServerError),
    ],
)
def test_hub_error_mapping(status, headers, token, expected):
    ref = RepoRef("o/r")
    error = E.hub_error(_response(status, headers), endpoint="https://hub.example", ref=ref, token_sent=token)
    assert type(error) is expected


def test_retry_after():
    assert E.retry_after(_response(429, {"Retry-After": "3"})) == 3
    assert E.retry_after(_response(429, {"RateLimit": '"resolvers";r=0;t=55'})) == 56
    assert E.retry_after(_response(429)) is None


async def test_skip_check_hashes_local_files_without_metadata(tmp_path):
    from odh_tec.storage.local import LocalStorage
    from odh_tec.transfers.hf_import import is_same

    storage = LocalStorage(tmp_path)
    data = b"weights" * 1000
    (tmp_path / "w.bin").write_bytes(data)  # written by someone else: no xattrs
    info = await storage.stat("w.bin")
    assert info.metadata == {}
    assert await is_same(storage, info, HubFile("w.bin", len(data), "x", hashlib.sha256(data).hexdigest()))
    assert not await is_same(storage, info, HubFile("w.bin", len(data), "x", hashlib.sha256(b"other").hexdigest()))
    assert not await is_same(storage, info, HubFile("w.bin", len(data) + 1, "x", hashlib.sha256(data).hexdigest()))
