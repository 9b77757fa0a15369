"""Copy and move between S3 buckets and local folders, with the conflict policies and the pre-check."""

from __future__ import annotations

import hashlib

import pytest

from served import WRONG_SECRET, letter_files

from .conftest import s3_keys, wait_job

MiB = 1 << 20


def _copy(api, kind, src, dst, *, keys=(), prefixes=(), prefix="", conflict="skip", key=None):
    body = {
        "kind": kind,
        "conflict": conflict,
        "source": {"location_id": src, "keys": list(keys), "prefixes": list(prefixes)},
        "destination": {"location_id": dst, "prefix": prefix, **({"key": key} if key else {})},
    }
    r = api.post("/api/transfers", json=body)
    assert r.status_code == 201, r.text
    return wait_job(api, r.json()["id"])


@pytest.fixture
def second_bucket(s3):
    from conftest import empty_and_delete_bucket

    name = "copy-target-" + hashlib.md5(str(id(s3)).encode(), usedforsecurity=False).hexdigest()[:8]
    s3.create_bucket(Bucket=name)
    yield name
    empty_and_delete_bucket(s3, name)


def _seed(s3, bucket):
    files = {
        "models/a/config.json": b'{"a": 1}',
        "models/a/w/model.bin": b"\x01" * (9 * MiB + 3),
        "models/a/deep/x y#.txt": "ünï".encode(),
        "models/b.txt": b"b",
    }
    for key, data in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data, Metadata={"hf-repo": "org/a"})
    s3.put_object(Bucket=bucket, Key="models/a/", Body=b"")  # a folder marker
    return files


def test_s3_to_s3_folder_and_file_server_side(api, bucket, second_bucket, s3):
    files = _seed(s3, bucket)
    job = _copy(
        api,
        "copy",
        f"s3:{bucket}",
        f"s3:{second_bucket}",
        prefixes=["models/a/"],
        keys=["models/b.txt"],
        prefix="copied",
    )
    assert job["state"] == "completed", job
    assert s3_keys(s3, second_bucket) == sorted(
        ["copied/a/config.json", "copied/a/w/model.bin", "copied/a/deep/x y#.txt", "copied/b.txt"]
    )
    for key in ("config.json", "w/model.bin", "deep/x y#.txt"):
        got = s3.get_object(Bucket=second_bucket, Key=f"copied/a/{key}")
        assert got["Body"].read() == files[f"models/a/{key}"]
        assert got["Metadata"] == {"hf-repo": "org/a"}
    assert job["totals"]["bytes_done"] == job["totals"]["bytes"] == sum(len(v) for v in files.values())
    assert len(s3_keys(s3, bucket)) == 5  # the source is untouched


def test_s3_to_local_and_back(api, bucket, s3, local_root):
    files = _seed(s3, bucket)
    location = f"local:{local_root.name}"
    job = _copy(api, "copy", f"s3:{bucket}", location, prefixes=["models/"], prefix="roundtrip/")
    assert job["state"] == "completed", job
    for key, data in files.items():
        assert (local_root / "roundtrip" / key).read_bytes() == data
    job = _copy(api, "copy", location, f"s3:{bucket}", prefixes=["roundtrip/models/a"], prefix="back/")
    assert job["state"] == "completed", job
    assert s3.get_object(Bucket=bucket, Key="back/a/w/model.bin")["Body"].read() == files["models/a/w/model.bin"]
    # Local → local, a single file to an exact key.
    job = _copy(api, "copy", location, location, keys=["roundtrip/models/b.txt"], key="elsewhere/renamed.txt")
    assert job["state"] == "completed", job
    assert (local_root / "elsewhere/renamed.txt").read_bytes() == b"b"


def test_conflict_policies_and_precheck(api, bucket, s3):
    s3.put_object(Bucket=bucket, Key="src/one.txt", Body=b"new one")
    s3.put_object(Bucket=bucket, Key="src/two.txt", Body=b"new two")
    s3.put_object(Bucket=bucket, Key="dst/one.txt", Body=b"old one")
    body = {
        "kind": "copy",
        "conflict": "skip",
        "source": {"location_id": f"s3:{bucket}", "keys": ["src/one.txt", "src/two.txt"]},
        "destination": {"location_id": f"s3:{bucket}", "prefix": "dst/"},
    }
    check = api.post("/api/transfers/copy/precheck", json=body).json()
    assert check == {
        "files": 2,
        "total_size": 14,
        "conflicts": [{"source_key": "src/one.txt", "destination_key": "dst/one.txt"}],
    }

    job = _copy(api, "copy", f"s3:{bucket}", f"s3:{bucket}", keys=["src/one.txt", "src/two.txt"], prefix="dst/")
    assert {f["path"]: f["state"] for f in job["files"]} == {"src/one.txt": "skipped", "src/two.txt": "done"}
    assert s3.get_object(Bucket=bucket, Key="dst/one.txt")["Body"].read() == b"old one"

    job = _copy(api, "copy", f"s3:{bucket}", f"s3:{bucket}", keys=["src/one.txt"], prefix="dst/", conflict="rename")
    assert job["files"][0]["destination_key"] == "dst/one (1).txt"
    job = _copy(api, "copy", f"s3:{bucket}", f"s3:{bucket}", keys=["src/one.txt"], prefix="dst/", conflict="rename")
    assert job["files"][0]["destination_key"] == "dst/one (2).txt"
    assert s3.get_object(Bucket=bucket, Key="dst/one (2).txt")["Body"].read() == b"new one"

    job = _copy(api, "copy", f"s3:{bucket}", f"s3:{bucket}", keys=["src/one.txt"], prefix="dst/", conflict="overwrite")
    assert job["state"] == "completed"
    assert s3.get_object(Bucket=bucket, Key="dst/one.txt")["Body"].read() == b"new one"


def test_move_deletes_the_source_after_the_copy(api, bucket, s3, local_root):
    _seed(s3, bucket)
    location = f"local:{local_root.name}"
    job = _copy(api, "move", f"s3:{bucket}", location, prefixes=["models/a/"], prefix="moved/")
    assert job["state"] == "completed", job
    assert s3_keys(s3, bucket) == ["models/b.txt"]  # files and the folder marker are gone
    assert (local_root / "moved/a/w/model.bin").stat().st_size == 9 * MiB + 3
    job = _copy(api, "move", location, f"s3:{bucket}", keys=["moved/a/config.json"], prefix="models/")
    assert job["state"] == "completed"
    assert not (local_root / "moved/a/config.json").exists()
    assert s3.get_object(Bucket=bucket, Key="models/config.json")["Body"].read() == b'{"a": 1}'


def test_copy_refusals(api, bucket, s3):
    s3.put_object(Bucket=bucket, Key="f/x.txt", Body=b"x")
    base = {
        "kind": "move",
        "source": {"location_id": f"s3:{bucket}", "prefixes": ["f/"]},
        "destination": {"location_id": f"s3:{bucket}", "prefix": "f/inner/"},
    }
    r = api.post("/api/transfers", json=base)
    assert (r.status_code, r.json()["error"]) == (400, "InvalidDestination")
    r = api.post("/api/transfers", json={**base, "source": {"location_id": f"s3:{bucket}", "keys": ["f/none"]}})
    assert (r.status_code, r.json()["error"]) == (404, "NoSuchKey")
    r = api.post("/api/transfers", json={**base, "source": {"location_id": f"s3:{bucket}"}})
    assert (r.status_code, r.json()["error"]) == (400, "NothingToCopy")
    # Moving a file onto itself does nothing (and loses nothing).
    job = _copy(api, "move", f"s3:{bucket}", f"s3:{bucket}", keys=["f/x.txt"], prefix="f/")
    assert job["files"][0]["state"] == "skipped"
    assert s3.get_object(Bucket=bucket, Key="f/x.txt")["Body"].read() == b"x"


def test_a_failed_copy_never_reports_cancelled_files(make_live, bucket, tmp_path):
    """Nobody cancelled anything: files a failed job never reached say 'failed', with the reason."""
    letter_files(tmp_path / "pvc" / "three", "abcdef")
    server = make_live(
        aws_secret_access_key=WRONG_SECRET, local_storage_paths=str(tmp_path / "pvc"), max_concurrent_transfers=1
    )
    with server.client() as c:
        started = c.post(
            "/api/transfers",
            json={
                "kind": "copy",
                "source": {"location_id": "local:pvc", "prefixes": ["three/"]},
                "destination": {"location_id": f"s3:{bucket}", "prefix": "x/"},
            },
        )
        assert started.status_code == 201, started.text
        job = wait_job(c, started.json()["id"])
    assert job["state"] == "failed"
    states = {f["state"] for f in job["files"]}
    assert "cancelled" not in states and states <= {"failed", "done", "skipped"}, states
