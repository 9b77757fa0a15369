"""A local target that runs out of space (an 8 MiB tmpfs mounted by the test): a copy or an import
into it fails at once with InsufficientStorage, its partial file is removed, and a job writing
elsewhere at the same time completes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from transfers.conftest import wait_job

from .conftest import BIG, REPO, SHARD, MiB, big_sha256, copy_body, import_body, pattern

pytestmark = pytest.mark.faults


def _as_root(*command: str) -> subprocess.CompletedProcess:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    try:
        return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=20)
    except FileNotFoundError as exc:  # no sudo
        return subprocess.CompletedProcess(command, 127, "", str(exc))


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """An 8 MiB tmpfs: skipped where this user may not mount one (no root, no passwordless sudo)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = _as_root("mount", "-t", "tmpfs", "-o", "size=8m,mode=0777", "tmpfs", str(mount))
    if done.returncode != 0:
        pytest.skip(f"cannot mount an 8 MiB tmpfs here (needs root or passwordless sudo): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        _as_root("umount", "-l", str(mount))


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


@pytest.mark.parametrize("kind", ["import", "copy"])
def test_a_full_disk_fails_only_its_own_job(make_app, s3_proxy, s3, bucket, fault_hub, small_disk, tmp_path, kind):
    roomy = tmp_path / "roomy"
    roomy.mkdir()
    app = make_app(s3_proxy.url, local_storage_paths=f"{small_disk},{roomy}")
    # The other job: 20 MiB into a folder with room, slow enough to be running all along.
    fault_hub.inject("throttle", path=BIG, host="lfs", rate=10 * MiB, times=None)
    if kind == "import":
        doomed = import_body(f"local:{small_disk.name}", "in/", include=[SHARD])  # 12 MiB into 8
    else:
        s3.put_object(Bucket=bucket, Key="src/big.bin", Body=b"".join(pattern(12 * MiB)))
        doomed = copy_body(f"s3:{bucket}", f"local:{small_disk.name}", ["src/big.bin"], "in/")
    with app.client() as client:
        other = client.post("/api/transfers", json=import_body(f"local:{roomy.name}", "ok/"))
        assert other.status_code == 201, other.text
        r = client.post("/api/transfers", json=doomed)
        assert r.status_code == 201, r.text
        job = wait_job(client, r.json()["id"], 30)
        assert job["state"] == "failed", job
        assert wait_job(client, other.json()["id"], 30, states=("running", "completed"))["state"] == "running"
        other_job = wait_job(client, other.json()["id"], 60)
    error = job["files"][0]["error"]
    assert error.startswith("InsufficientStorage:") and "No space left" in error, error
    assert _files(small_disk) == []  # the partial file is gone
    assert shutil.disk_usage(small_disk).used < MiB
    if kind == "import":  # a full disk is not retried: the file was fetched once
        assert len(fault_hub.log.find(host="lfs", file=SHARD, method="GET")) == 1

    assert other_job["state"] == "completed", other_job
    data = (roomy / "ok" / REPO / BIG).read_bytes()
    assert hashlib.sha256(data).hexdigest() == big_sha256(fault_hub)
