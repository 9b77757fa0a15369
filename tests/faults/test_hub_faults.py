"""The Hub misbehaving while S3 or a local folder takes the bytes. tests/transfers/test_hf_faults.py
already shows one dropped connection resumed with Range, a stall resumed, rate limits, corruption
retried once and persistent corruption leaving nothing in S3; these add what it does not: a Hub that
drops every connection while S3 slows down, a corrupt byte inside one segment of a parallel download,
and corruption into a local folder, where a corrupt file must not be left either."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .conftest import (
    BIG,
    BIG_SIZE,
    REPO,
    UPLOAD_PART,
    MiB,
    big_sha256,
    import_body,
    open_uploads,
    run_job,
    sha256_of,
)
from .proxy import ANSWER, Rule

pytestmark = pytest.mark.faults


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())


def test_a_hub_that_drops_every_connection_while_s3_slows_down(app, s3_proxy, s3, bucket, fault_hub):
    """Every LFS answer is cut after 3 MiB: each resume brings new bytes, so the import goes on (no
    limit on resumes that progress) and the bytes stored are the Hub's, in order, once each."""
    fault_hub.inject("disconnect", path=BIG, host="lfs", after_bytes=3 * MiB, times=None)
    s3_proxy.add(Rule(ANSWER, times=2, status=503, code="SlowDown", **UPLOAD_PART))
    with app.client() as client:
        job = run_job(client, import_body(f"s3:{bucket}", "m/"))
    assert job["state"] == "completed", job
    assert sha256_of(s3, bucket, f"m/{REPO}/{BIG}") == big_sha256(fault_hub)
    gets = fault_hub.log.find(host="lfs", file=BIG, method="GET")
    assert len(gets) == -(-BIG_SIZE // (3 * MiB))  # 7 pieces, each resumed where the last one broke
    assert [r.header("range") for r in gets[1:]] == [f"bytes={n * 3 * MiB}-" for n in range(1, len(gets))]
    assert open_uploads(s3, bucket) == []


def test_a_corrupt_segment_of_a_parallel_download_fetches_the_file_again(make_app, s3_proxy, fault_hub, tmp_path):
    local = tmp_path / "pvc"
    local.mkdir()
    app = make_app(s3_proxy.url, local_storage_paths=str(local))
    download = app.services.transfers.options.download
    download.segment_size, download.parallel_threshold, download.connections = 2 * MiB, 4 * MiB, 3
    # The first three GETs are segments 0-2 (three connections): the fault damages segment 1 once.
    fault_hub.inject("corrupt", path=BIG, host="lfs", method="GET", offset=3 * MiB + 7, times=3)
    with app.client() as client:
        job = run_job(client, import_body(f"local:{local.name}", "m/"))
    assert job["state"] == "completed", job
    data = (local / "m" / REPO / BIG).read_bytes()
    assert hashlib.sha256(data).hexdigest() == big_sha256(fault_hub)
    assert _files(local) == [f"m/{REPO}/{BIG}"]  # no temporary file left beside it
    ranges = [r.header("range") for r in fault_hub.log.find(host="lfs", file=BIG, method="GET")]
    assert len(ranges) == 2 * 10 and ranges.count("bytes=0-2097151") == 2  # every segment, twice


def test_persistent_corruption_never_lands_in_a_local_folder(make_app, s3_proxy, fault_hub, tmp_path):
    local = tmp_path / "pvc"
    (local / "m").mkdir(parents=True)
    app = make_app(s3_proxy.url, local_storage_paths=str(local))
    fault_hub.inject("corrupt", path=BIG, host="lfs", offset=BIG_SIZE - 1, times=None)  # the last byte
    with app.client() as client:
        job = run_job(client, import_body(f"local:{local.name}", "m/"))
    assert job["state"] == "failed", job
    assert job["files"][0]["error"].startswith("ChecksumMismatch"), job["files"][0]
    assert _files(local) == []  # neither the file nor its temporary
    assert len(fault_hub.log.find(host="lfs", file=BIG, method="GET")) == 3  # fetched again, then given up
