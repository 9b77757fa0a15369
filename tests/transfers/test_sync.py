"""Sync (transfers/sync.py) through the API, against a real SeaweedFS and real local folders: the plan
and the result file by file, the rule that decided each, deletions, filters, refusals and resume."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path

import pytest

from conftest import LiveServer, empty_and_delete_bucket, make_config
from odh_tec.transfers.model import FileState, TransferFile
from odh_tec.transfers.specs import CopySpec, SyncSpec
from odh_tec.transfers.store import JobStore
from odh_tec.transfers.sync import PlanEntry, SyncPlan, sync_job
from served import store_unfinished_copy

from .conftest import s3_keys, wait_job

MiB = 1 << 20


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def body(src: str, src_prefix: str, dst: str, dst_prefix: str, **options) -> dict:
    return {
        "kind": "sync",
        "source": {"location_id": src, "prefix": src_prefix},
        "destination": {"location_id": dst, "prefix": dst_prefix},
        **options,
    }


def plan(api, *args, **options) -> dict:
    answer = api.post("/api/transfers/sync/plan", json=body(*args, **options))
    assert answer.status_code == 200, answer.text
    return answer.json()


def sync(api, *args, timeout: float = 60, **options) -> dict:
    answer = api.post("/api/transfers", json=body(*args, **options))
    assert answer.status_code == 201, answer.text
    return wait_job(api, answer.json()["id"], timeout)


def decisions(planned: dict) -> dict[str, tuple[str, str]]:
    """{relative path: (action, rule)}"""
    return {f["path"]: (f["action"], f["rule"]) for f in planned["files"]}


def count(planned: dict, action: str) -> int:
    return planned["totals"][action]["files"]


def local_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def xattr_sha256(path: Path) -> str | None:
    try:
        return os.getxattr(path, "user.odh_tec.sha256").decode()
    except OSError:
        return None


@pytest.fixture
def other_bucket(s3):
    name = f"sync-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    empty_and_delete_bucket(s3, name)


@pytest.fixture
def folder(local_root) -> tuple[str, Path]:
    """A fresh folder of the shared local location: (its prefix, its path)."""
    prefix = f"sync-{uuid.uuid4().hex[:8]}"
    return prefix, local_root / prefix


SEED = {
    "config.json": b'{"a": 1}',
    "weights/model.bin": bytes(range(256)) * (36 * 1024 + 7),  # 9 MiB: a multipart upload when streamed
    "deep/x y#.txt": "ünï".encode(),
}


def put_all(s3, bucket: str, prefix: str, files: dict[str, bytes], **extra) -> None:
    for path, data in files.items():
        s3.put_object(Bucket=bucket, Key=prefix + path, Body=data, **extra)


def test_s3_to_s3_copies_then_skips_by_etag(api, s3, bucket, other_bucket):
    put_all(s3, bucket, "models/a/", SEED, Metadata={"hf-repo": "org/a"})
    s3.put_object(Bucket=bucket, Key="models/ab.txt", Body=b"a sibling, not under models/a/")
    src, dst = f"s3:{bucket}", f"s3:{other_bucket}"

    first = plan(api, src, "models/a", dst, "mirror/")
    assert decisions(first) == dict.fromkeys(SEED, ("copy", "new"))
    assert first["totals"]["copy"] == {"files": 3, "bytes": sum(len(v) for v in SEED.values())}
    assert first["source"]["prefix"] == "models/a/" and not first["truncated"]
    assert s3_keys(s3, other_bucket) == []  # a plan moves nothing

    job = sync(api, src, "models/a", dst, "mirror/")
    assert job["state"] == "completed", job
    assert job["kind"] == "sync" and job["title"] == f"Sync {bucket}/models/a/ to {other_bucket}/mirror/"
    assert {f["action"] for f in job["files"]} == {"copy"}
    for path, data in SEED.items():
        got = s3.get_object(Bucket=other_bucket, Key=f"mirror/{path}")
        assert got["Body"].read() == data
        assert got["Metadata"]["hf-repo"] == "org/a"  # a server-side copy keeps the metadata
    assert s3_keys(s3, other_bucket) == sorted(f"mirror/{p}" for p in SEED)

    again = plan(api, src, "models/a/", dst, "mirror")
    assert decisions(again) == dict.fromkeys(SEED, ("skip", "etag"))
    second = sync(api, src, "models/a/", dst, "mirror")
    assert second["state"] == "completed" and second["files"] == []
    assert second["sync"]["totals"]["skip"]["files"] == 3

    # Same size, other content: the ETag tells them apart.
    s3.put_object(Bucket=bucket, Key="models/a/config.json", Body=b'{"a": 2}')
    changed = plan(api, src, "models/a/", dst, "mirror/")
    assert decisions(changed)["config.json"] == ("copy", "etag")
    assert count(changed, "copy") == 1 and count(changed, "skip") == 2
    assert sync(api, src, "models/a/", dst, "mirror/")["state"] == "completed"
    assert s3.get_object(Bucket=other_bucket, Key="mirror/config.json")["Body"].read() == b'{"a": 2}'


def test_s3_to_local_records_sha256_and_decides_by_it(api, s3, bucket, local_root, folder):
    prefix, path = folder
    put_all(s3, bucket, "src/", {"plain.txt": b"no checksum stored"})
    checked = {"model.bin": SEED["weights/model.bin"], "tok.json": b'{"t": 1}'}
    for name, data in checked.items():
        s3.put_object(Bucket=bucket, Key=f"src/{name}", Body=data, Metadata={"sha256": sha(data)})
    src, dst = f"s3:{bucket}", f"local:{local_root.name}"

    job = sync(api, src, "src/", dst, prefix)
    assert job["state"] == "completed", job
    assert local_tree(path) == {"plain.txt": b"no checksum stored", **checked}
    # Streamed: the sha256 of the bytes is stored (xattrs), computed on the way.
    for name, data in {**checked, "plain.txt": b"no checksum stored"}.items():
        assert xattr_sha256(path / name) == sha(data), name

    again = plan(api, src, "src/", dst, prefix)
    assert decisions(again) == {
        "model.bin": ("skip", "sha256"),
        "tok.json": ("skip", "sha256"),
        "plain.txt": ("skip", "size-mtime"),  # a checksum on one side only decides nothing
    }
    assert sync(api, src, "src/", dst, prefix)["files"] == []

    # Same size, other content, an older source: only the checksum can tell.
    other = b'{"t": 2}'
    s3.put_object(Bucket=bucket, Key="src/tok.json", Body=other, Metadata={"sha256": sha(other)})
    future = time.time() + 3600
    os.utime(path / "tok.json", (future, future))
    assert decisions(plan(api, src, "src/", dst, prefix))["tok.json"] == ("copy", "sha256")
    assert sync(api, src, "src/", dst, prefix)["state"] == "completed"
    assert (path / "tok.json").read_bytes() == other and xattr_sha256(path / "tok.json") == sha(other)


def test_a_stored_checksum_that_does_not_match_fails_the_file_and_leaves_nothing(
    api, s3, bucket, local_root, folder, engine_options
):
    prefix, path = folder
    s3.put_object(Bucket=bucket, Key="src/bad.bin", Body=b"x" * 100, Metadata={"sha256": sha(b"y" * 100)})
    s3.put_object(Bucket=bucket, Key="src/good.txt", Body=b"good")
    path.mkdir(parents=True)
    (path / "extra.txt").write_bytes(b"only at the destination")
    job = sync(api, f"s3:{bucket}", "src/", f"local:{local_root.name}", prefix, delete=True)
    assert job["state"] == "failed"
    states = {f["destination_key"]: (f["action"], f["state"]) for f in job["files"]}
    assert states == {
        f"{prefix}/bad.bin": ("copy", "failed"),
        f"{prefix}/good.txt": ("copy", "done"),
        f"{prefix}/extra.txt": ("delete", "skipped"),  # a failed copy: no deletion at all
    }
    assert "ChecksumMismatch" in job["error"]
    assert local_tree(path) == {"good.txt": b"good", "extra.txt": b"only at the destination"}  # no partial file


def test_local_to_s3_and_local_to_local_with_delete(api, s3, bucket, local_root, folder):
    prefix, path = folder
    for name, data in {"a.txt": b"a", "sub/b.txt": b"bb", "sub/c.json": b"{}"}.items():
        (path / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (path / "src" / name).write_bytes(data)
    loc = f"local:{local_root.name}"

    job = sync(api, loc, f"{prefix}/src", f"s3:{bucket}", "up/")
    assert job["state"] == "completed", job
    assert s3_keys(s3, bucket) == ["up/a.txt", "up/sub/b.txt", "up/sub/c.json"]
    head = s3.head_object(Bucket=bucket, Key="up/sub/b.txt")
    assert head["Metadata"]["sha256"] == sha(b"bb")  # one PutObject: the streamed checksum went with it
    unchanged = ("a.txt", "sub/b.txt", "sub/c.json")
    again = plan(api, loc, f"{prefix}/src", f"s3:{bucket}", "up/")
    assert decisions(again) == dict.fromkeys(unchanged, ("skip", "size-mtime"))

    # local → local, with files at the destination the source lacks, one of them excluded.
    (path / "dst/old").mkdir(parents=True)
    (path / "dst/old/gone.txt").write_bytes(b"delete me")
    (path / "dst/keep.log").write_bytes(b"excluded: never touched")
    (path / "dst/a.txt").write_bytes(b"A-older")
    os.utime(path / "dst/a.txt", (1, 1))
    args = (loc, f"{prefix}/src/", loc, f"{prefix}/dst/")
    planned = plan(api, *args, delete=True, exclude=["*.log"])
    assert decisions(planned) == {
        "a.txt": ("copy", "size"),
        "sub/b.txt": ("copy", "new"),
        "sub/c.json": ("copy", "new"),
        "old/gone.txt": ("delete", "not-in-source"),
    }
    assert planned["totals"]["delete"] == {"files": 1, "bytes": 9}
    job = sync(api, *args, delete=True, exclude=["*.log"])
    assert job["state"] == "completed", job
    deleted = [f for f in job["files"] if f["action"] == "delete"]
    assert [(f["destination_key"], f["state"], f["size"]) for f in deleted] == [
        (f"{prefix}/dst/old/gone.txt", "done", 0)
    ]
    assert local_tree(path / "dst") == {
        "a.txt": b"a",
        "keep.log": b"excluded: never touched",
        "sub/b.txt": b"bb",
        "sub/c.json": b"{}",
    }
    assert not (path / "dst/old").exists()  # the folder the deletion emptied went too
    assert local_tree(path / "src") == {"a.txt": b"a", "sub/b.txt": b"bb", "sub/c.json": b"{}"}
    assert plan(api, *args, delete=True, exclude=["*.log"])["totals"]["copy"]["files"] == 0


def test_include_and_exclude_use_the_hub_import_globs(api, s3, bucket, other_bucket):
    files = {"config.json": b"{}", "a/b.json": b"{}", "a/w.bin": b"w", "logs/x.json": b"{}", "readme.md": b"r"}
    put_all(s3, bucket, "m/", files)
    planned = plan(api, f"s3:{bucket}", "m/", f"s3:{other_bucket}", "", include=["*.json", "*.md"], exclude=["logs/"])
    # `*` crosses '/' (a/b.json matches *.json), a trailing '/' means the whole folder.
    assert set(decisions(planned)) == {"config.json", "a/b.json", "readme.md"}


def test_deletes_only_what_the_plan_listed(api, s3, bucket, local_root, folder):
    """A file that appears at the destination while the job runs stays; a listed file that changed
    since the plan stays too (skipped, saying why)."""
    prefix, path = folder
    s3.put_object(Bucket=bucket, Key="src/slow.bin", Body=b"s" * (2 * MiB))
    (path / "dst").mkdir(parents=True)
    (path / "dst/stale.txt").write_bytes(b"stale")
    (path / "dst/changed.txt").write_bytes(b"old")
    loc = f"local:{local_root.name}"
    answer = api.post(
        "/api/transfers",
        json=body(f"s3:{bucket}", "src/", loc, f"{prefix}/dst", delete=True, limit_rate=MiB),
    )
    assert answer.status_code == 201, answer.text
    (path / "dst/late.txt").write_bytes(b"appeared after the plan")
    (path / "dst/changed.txt").write_bytes(b"newer and longer")
    job = wait_job(api, answer.json()["id"], 30)
    assert job["state"] == "completed", job
    states = {f["destination_key"].rsplit("/", 1)[1]: (f["state"], f["error"]) for f in job["files"]}
    assert states["stale.txt"] == ("done", None)
    assert states["changed.txt"] == ("skipped", "Not deleted: it changed at the destination after the plan")
    assert "late.txt" not in states
    assert sorted(local_tree(path / "dst")) == ["changed.txt", "late.txt", "slow.bin"]


def test_refusals_change_nothing(api, s3, bucket, other_bucket, local_root):
    s3.put_object(Bucket=bucket, Key="a/x.txt", Body=b"x")
    s3.put_object(Bucket=other_bucket, Key="keep.txt", Body=b"k")
    src = f"s3:{bucket}"
    cases = [
        (body(src, "a/", src, "a/b/", delete=True), 400, "OverlappingFolders"),
        (body(src, "a/b", src, "a/", delete=True), 400, "OverlappingFolders"),
        (body(src, "", src, "x/"), 400, "OverlappingFolders"),
        (body(src, "a/", "s3:no-such-bucket-here", ""), 404, "NoSuchBucket"),
        (body(src, "a/", "local:nowhere", ""), 404, "NoSuchLocation"),
        (body(src, "../a", f"s3:{other_bucket}", ""), 400, "InvalidKey"),
        (body(src, "a/", f"s3:{other_bucket}", "", include=["*"] * 201), 422, "ValidationError"),
        (body(src, "a/", f"s3:{other_bucket}", "", limit_rate=-1), 422, "ValidationError"),
        # A mistyped (so empty) source with delete would empty the destination.
        (body(src, "typo/", f"s3:{other_bucket}", "", delete=True), 400, "EmptySource"),
    ]
    # The same folder of a local location reached through another path is caught by its real path.
    lr = f"local:{local_root.name}"
    cases.append((body(lr, "", lr, "sub/"), 400, "OverlappingFolders"))
    for request, status, code in cases:
        for url in ("/api/transfers/sync/plan", "/api/transfers"):
            answer = api.post(url, json=request)
            assert (answer.status_code, answer.json()["error"]) == (status, code), (request, answer.text)
    assert s3_keys(s3, bucket) == ["a/x.txt"] and s3_keys(s3, other_bucket) == ["keep.txt"]
    # Without delete, an empty source is only nothing to do.
    assert plan(api, src, "typo/", f"s3:{other_bucket}", "")["totals"]["copy"]["files"] == 0


def test_the_plan_is_bounded(api, live, s3, bucket, other_bucket, monkeypatch):
    from odh_tec.transfers import sync as sync_module

    for i in range(7):
        s3.put_object(Bucket=bucket, Key=f"many/{i}.txt", Body=b"%d" % i)
    monkeypatch.setattr(sync_module.SyncPlan.to_json, "__defaults__", (3,))
    planned = plan(api, f"s3:{bucket}", "many/", f"s3:{other_bucket}", "")
    assert planned["totals"]["copy"] == {"files": 7, "bytes": 7}
    assert len(planned["files"]) == 3 and planned["truncated"] and planned["limit"] == 3


def test_a_sync_resumes_after_a_restart(s3_server, s3, bucket, other_bucket, tmp_path):
    """A sync stopped before it ran resumes at the next start: the saved plan runs (copies, then the
    deletion), and a file it had copied already is not copied again."""
    s3.put_object(Bucket=bucket, Key="src/a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="src/b.txt", Body=b"bb")
    s3.put_object(Bucket=other_bucket, Key="dst/a.txt", Body=b"A")  # "copied" before the restart
    s3.put_object(Bucket=other_bucket, Key="dst/old.txt", Body=b"old")
    old_etag = s3.head_object(Bucket=other_bucket, Key="dst/old.txt")["ETag"].strip('"')
    spec = SyncSpec(f"s3:{bucket}", "src/", f"s3:{other_bucket}", "dst/", delete=True)
    planned = SyncPlan(spec, None, None, "src/", "dst/")  # type: ignore[arg-type]  # sync_job reads no storage
    planned.copies = [PlanEntry("a.txt", "copy", "new", 1), PlanEntry("b.txt", "copy", "new", 2)]
    planned.deletions = [PlanEntry("old.txt", "delete", "not-in-source", 3, old_etag)]
    job = sync_job(planned)
    job.files[0].state = job.files[0].state.DONE
    config = make_config(s3_server, tmp_path)
    store = JobStore(config.data_dir / "transfers.sqlite3")
    store.add(job, spec.stored(), prepared=True)
    store.flush_now()
    store.close()

    app = LiveServer(config).start()
    try:
        with app.client() as client:
            done = wait_job(client, job.id, 30)
    finally:
        app.stop()
    assert done["state"] == "completed" and done["resumed_at"], done
    assert [(f["action"], f["state"]) for f in done["files"]] == [
        ("copy", "done"),
        ("copy", "done"),
        ("delete", "done"),
    ]
    assert s3_keys(s3, other_bucket) == ["dst/a.txt", "dst/b.txt"]
    assert s3.get_object(Bucket=other_bucket, Key="dst/a.txt")["Body"].read() == b"A"  # not copied again
    assert s3.get_object(Bucket=other_bucket, Key="dst/b.txt")["Body"].read() == b"bb"


def test_a_resumed_copy_with_a_failed_file_still_runs_its_other_files(s3_server, s3, bucket, other_bucket, tmp_path):
    """Phases hold back a later phase after a failure, never the first: a job resumed with a file that
    failed before the restart runs its queued files (and still ends failed)."""
    s3.put_object(Bucket=bucket, Key="b.txt", Body=b"b")
    spec = CopySpec(source_location=f"s3:{bucket}", destination_location=f"s3:{other_bucket}", keys=["a.txt", "b.txt"])
    failed = TransferFile(path="a.txt", key="a.txt", size=1, source="a.txt", state=FileState.FAILED, error="x")
    files = [failed, TransferFile(path="b.txt", key="b.txt", size=1, source="b.txt")]
    config = make_config(s3_server, tmp_path)
    job = store_unfinished_copy(config.data_dir, spec, files)
    app = LiveServer(config).start()
    try:
        with app.client() as client:
            done = wait_job(client, job.id, 30)
    finally:
        app.stop()
    assert [f["state"] for f in done["files"]] == ["failed", "done"]
    assert done["state"] == "failed" and s3_keys(s3, other_bucket) == ["b.txt"]


def test_a_cancelled_sync_leaves_no_partial_file_and_deletes_nothing(api, s3, bucket, local_root, folder):
    prefix, path = folder
    s3.put_object(Bucket=bucket, Key="src/big.bin", Body=b"b" * (3 * MiB))
    s3.put_object(Bucket=bucket, Key="src/kept.txt", Body=b"new content")
    (path / "dst").mkdir(parents=True)
    (path / "dst/kept.txt").write_bytes(b"old")
    (path / "dst/extra.txt").write_bytes(b"extra")
    request = body(f"s3:{bucket}", "src/", f"local:{local_root.name}", f"{prefix}/dst", delete=True, limit_rate=MiB)
    answer = api.post("/api/transfers", json=request)
    assert answer.status_code == 201, answer.text
    job_id = answer.json()["id"]
    wait_job(api, job_id, 10, states=("running",))
    cancelled = api.post(f"/api/transfers/{job_id}/cancel").json()
    assert cancelled["state"] == "cancelled", cancelled
    assert {f["destination_key"].rsplit("/", 1)[1]: f["state"] for f in cancelled["files"]}["extra.txt"] == "cancelled"
    # No partial big.bin (nor its temporary), the file that was there kept (old or new, never half).
    assert sorted(os.listdir(path / "dst")) == ["extra.txt", "kept.txt"]
    assert (path / "dst/kept.txt").read_bytes() in (b"old", b"new content")
