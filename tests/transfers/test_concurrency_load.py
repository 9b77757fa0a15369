"""Everything at once: Hub imports, copies and browser uploads sharing MAX_CONCURRENT_TRANSFERS=4 slots.
Each one completes, every object read back from S3 has the right sha256, and no multipart upload is
left open."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

from fakehub import SyntheticContent

from .conftest import hf_body, open_uploads, wait_job

MiB = 1 << 20
IMPORTS, COPIES, UPLOADS = 8, 4, 20


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_sha256(s3, bucket: str, key: str) -> str:
    digest = hashlib.sha256()
    for chunk in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(MiB):
        digest.update(chunk)
    return digest.hexdigest()


def test_imports_copies_and_uploads_at_once(hf_api, hf_live, hub, bucket, s3):
    r = hf_api.put("/api/settings/transfers", json={"max_concurrent_transfers": 4})
    assert r.status_code == 200, r.text
    expected: dict[str, str] = {}  # S3 key → sha256

    # Eight repos: an LFS weight file over one part (multipart, sha256 checked by the app) and small files.
    for i in range(IMPORTS):
        files = {
            "config.json": f'{{"model": {i}}}',
            "tokenizer.json": SyntheticContent(300_000 + i, seed=f"tok-{i}"),
            "model.safetensors": SyntheticContent(9 * MiB + i * 4099, seed=f"weights-{i}"),
        }
        hub.add_repo(f"load/model-{i}", files, lfs_rule=lambda p: p.endswith(".safetensors"))
        for path, content in files.items():
            data = content.encode() if isinstance(content, str) else b"".join(content.chunks())
            expected[f"imports/load/model-{i}/{path}"] = _sha256(data)

    # The copies' source folder, written straight to S3.
    sources = {"source/big.bin": os.urandom(9 * MiB + 5), "source/mid.bin": os.urandom(MiB), "source/small.txt": b"s"}
    for key, data in sources.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    for n in range(COPIES):
        for key, data in sources.items():
            expected[f"copies/{n}/{key}"] = _sha256(data)

    uploads = {f"uploads/u-{n:02d}.bin": os.urandom((1 + n % 10) * MiB + n) for n in range(UPLOADS)}
    expected.update({key: _sha256(data) for key, data in uploads.items()})

    def upload(key: str) -> int:
        with hf_live.client(timeout=300) as client:
            answer = client.put(f"/api/locations/s3:{bucket}/object", params={"key": key}, content=uploads[key])
            return answer.status_code

    jobs = []
    with ThreadPoolExecutor(UPLOADS) as pool:
        sent = [pool.submit(upload, key) for key in uploads]  # these wait for slots like transfer files
        for i in range(IMPORTS):
            r = hf_api.post("/api/transfers", json=hf_body(f"load/model-{i}", f"s3:{bucket}", "imports/"))
            assert r.status_code == 201, r.text
            jobs.append(r.json()["id"])
        for n in range(COPIES):
            body = {
                "kind": "copy",
                "source": {"location_id": f"s3:{bucket}", "prefixes": ["source/"]},
                "destination": {"location_id": f"s3:{bucket}", "prefix": f"copies/{n}/"},
            }
            r = hf_api.post("/api/transfers", json=body)
            assert r.status_code == 201, r.text
            jobs.append(r.json()["id"])
        assert [future.result() for future in sent] == [201] * UPLOADS

    for job_id in jobs:
        job = wait_job(hf_api, job_id, timeout=240)
        assert job["state"] == "completed", job
    assert hub.log.max_files_in_flight["*"] <= 4
    assert {key: _stored_sha256(s3, bucket, key) for key in expected} == expected
    assert open_uploads(s3, bucket) == []
