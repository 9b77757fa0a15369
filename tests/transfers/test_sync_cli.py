"""`odh-tec sync`: the plan (--dry-run), the run, its one JSON shape and the exit codes of `cp`."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from odh_tec.cli import main

from .conftest import notebook_env, s3_keys


@pytest.fixture
def sync_env(monkeypatch, s3_server, local_root, tmp_path):
    """A notebook's environment: S3 settings and one local folder (no Hub needed)."""
    return notebook_env(monkeypatch, s3_server, local_root, tmp_path)


def _json(capsys) -> dict:
    out = capsys.readouterr()
    return json.loads(out.out)


def test_dry_run_then_run_with_one_json_shape(sync_env, capsys, bucket, s3, tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"a")
    (src / "sub/b.bin").write_bytes(b"bb")
    target = f"s3://{bucket}/mirror"

    assert main(["sync", str(src), target, "--dry-run", "--json"]) == 0
    dry = _json(capsys)
    assert set(dry) == {"dry_run", "plan", "job"} and dry["dry_run"] is True and dry["job"] is None
    plan = dry["plan"]
    assert plan["totals"] == {
        "copy": {"files": 2, "bytes": 3},
        "skip": {"files": 0, "bytes": 0},
        "delete": {"files": 0, "bytes": 0},
    }
    assert plan["files"] == [
        {"path": "a.txt", "action": "copy", "rule": "new", "size": 1},
        {"path": "sub/b.bin", "action": "copy", "rule": "new", "size": 2},
    ]
    assert plan["destination"] == {"location_id": f"s3:{bucket}", "prefix": "mirror/"}
    assert not plan["truncated"] and plan["limit"] == 1000
    assert s3_keys(s3, bucket) == []

    assert main(["sync", str(src), target, "--json"]) == 0
    ran = _json(capsys)
    assert set(ran) == {"dry_run", "plan", "job"} and ran["dry_run"] is False
    assert ran["plan"]["totals"] == plan["totals"] and ran["job"]["state"] == "completed"
    assert ran["job"]["kind"] == "sync"
    assert s3_keys(s3, bucket) == ["mirror/a.txt", "mirror/sub/b.bin"]

    assert main(["sync", str(src), target, "--json"]) == 0
    again = _json(capsys)
    assert again["plan"]["totals"]["copy"]["files"] == 0 and again["job"]["files"] == []


def test_delete_and_filters_between_local_folders_with_human_output(sync_env, capsys, tmp_path, local_root):
    src, dst = tmp_path / "from", local_root / "cli-sync-to"
    (src / "logs").mkdir(parents=True)
    (src / "keep.txt").write_bytes(b"k")
    (src / "logs/x.log").write_bytes(b"log")
    dst.mkdir(exist_ok=True)
    (dst / "extra.txt").write_bytes(b"extra")
    (dst / "old.log").write_bytes(b"excluded, so kept")

    args = ["sync", f"{src}/", f"local://{local_root.name}/cli-sync-to", "--delete", "--exclude", "*.log"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "copy   new" in out and "keep.txt" in out and "delete not-in-source" in out and "extra.txt" in out
    assert "1 to copy (1 B), 0 unchanged, 1 to delete" in out
    assert sorted(os.listdir(dst)) == ["extra.txt", "old.log"]  # a dry run moves nothing

    assert main(args) == 0
    assert "completed" in capsys.readouterr().err
    assert sorted(os.listdir(dst)) == ["keep.txt", "old.log"]


def test_exit_codes(sync_env, capsys, bucket, s3, tmp_path):
    s3.put_object(Bucket=bucket, Key="a/x.txt", Body=b"x")
    # Refused (2): overlapping folders, an unknown location, a malformed target. Nothing changes.
    assert main(["sync", f"s3://{bucket}/a/", f"s3://{bucket}/a/b/", "--delete", "--json"]) == 2
    assert _json(capsys)["error"] == "OverlappingFolders"
    assert main(["sync", f"s3://{bucket}/a/", "local://nowhere/x", "--json"]) == 2
    assert _json(capsys)["error"] == "NoSuchLocation"
    assert main(["sync", "ftp://x/y", f"s3://{bucket}/b/"]) == 2
    assert "InvalidTarget" in capsys.readouterr().err
    assert s3_keys(s3, bucket) == ["a/x.txt"]
    # Failed (1): a file whose stored sha256 does not match its bytes.
    wrong = hashlib.sha256(b"something else").hexdigest()
    s3.put_object(Bucket=bucket, Key="a/bad.txt", Body=b"bad", Metadata={"sha256": wrong})
    assert main(["sync", f"s3://{bucket}/a/", str(tmp_path / "out"), "--retries", "1"]) == 1
    assert "ChecksumMismatch" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path / "out")) == ["x.txt"]
