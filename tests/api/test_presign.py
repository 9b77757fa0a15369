"""Presigned download links against the real SeaweedFS: a link opens the object with no keys and stops
working once it expires; the expiry bounds, local folders and missing objects are refused; the audit line
names the key, never the link; the CLI prints the same answer."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest

from conftest import run
from odh_tec.config import RuntimeSettings
from odh_tec.errors import ApiError
from odh_tec.storage.s3 import S3Connection
from odh_tec.storage.s3.presign import internal_endpoint, presign_download

from .helpers import s3_loc

BODY = b"shared bytes \x00\xff" * 100


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read()


def refused_status(url: str) -> int:
    with pytest.raises(urllib.error.HTTPError) as failure:
        fetch(url)
    return failure.value.code


def test_a_presigned_link_downloads_the_object_without_keys(api, s3, bucket, caplog):
    caplog.set_level(logging.INFO)
    s3.put_object(Bucket=bucket, Key="dir/model card.md", Body=BODY)
    before = datetime.now(UTC)
    r = api.post(f"{s3_loc(bucket)}/presign", json={"key": "dir/model card.md"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert fetch(answer["url"]) == BODY
    # The default lifetime is one hour; SeaweedFS on loopback is only reachable from this machine.
    expires = datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00"))
    assert 3590 <= (expires - before).total_seconds() <= 3610
    assert "X-Amz-Expires=3600" in answer["url"]
    assert answer["internal"] is True
    assert "this cluster or machine" in answer["note"]
    # Path-style, like every request of the app's client.
    assert f"/{bucket}/dir/model%20card.md?" in answer["url"]

    audit = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "odh_tec.audit"]
    line = next(a for a in audit if a["action"] == "objects.presign")
    assert line["key"] == "dir/model card.md"
    assert line["expires_seconds"] == 3600
    assert line["result"] == "ok"
    signature = answer["url"].split("X-Amz-Signature=")[1]
    # At the level logs run at (botocore's own debug lines do show signatures).
    logged = [rec.name for rec in caplog.records if signature in rec.getMessage() or "X-Amz-" in rec.getMessage()]
    assert not logged


def test_the_shortest_link_works_then_an_expired_one_is_refused(api, s3, bucket, live):
    s3.put_object(Bucket=bucket, Key="short.bin", Body=BODY)
    r = api.post(f"{s3_loc(bucket)}/presign", json={"key": "short.bin", "expires_seconds": 60})
    assert r.status_code == 200, r.text
    assert "X-Amz-Expires=60" in r.json()["url"]
    assert fetch(r.json()["url"]) == BODY

    # The API will not make a link shorter than a minute: the same signing code, 1 s, then 2 s later.
    async def one_second() -> str:
        connection = S3Connection(RuntimeSettings.from_config(live.config))
        try:
            return (await presign_download(connection, bucket, "short.bin", 1))["url"]
        finally:
            await connection.close()

    url = run(one_second())
    time.sleep(2.5)
    assert refused_status(url) == 403
    # A link whose signature no longer matches (a changed expiry) is refused too.
    assert refused_status(r.json()["url"].replace("X-Amz-Expires=60", "X-Amz-Expires=600")) == 403


@pytest.mark.parametrize("seconds", [0, 59, 604801, -5])
def test_expiry_out_of_bounds_is_a_400(api, s3, bucket, seconds):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    r = api.post(f"{s3_loc(bucket)}/presign", json={"key": "a.txt", "expires_seconds": seconds})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "InvalidExpiry"
    assert "604800" in r.json()["message"]


def test_seven_days_is_the_longest(api, s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    r = api.post(f"{s3_loc(bucket)}/presign", json={"key": "a.txt", "expires_seconds": 604800})
    assert r.status_code == 200, r.text
    assert fetch(r.json()["url"]) == b"a"


def test_local_folders_and_missing_objects_are_refused(api, local_id, local_dir, s3, bucket):
    path, prefix = local_dir
    (path / "x.txt").write_text("x")
    r = api.post(f"/api/locations/{local_id}/presign", json={"key": f"{prefix}x.txt"})
    assert r.status_code == 400
    assert r.json()["error"] == "NotS3"
    r = api.post(f"{s3_loc(bucket)}/presign", json={"key": "nothing-here"})
    assert r.status_code == 404
    assert r.json()["error"] == "NoSuchKey"
    assert api.post(f"{s3_loc(bucket)}/presign", json={}).status_code == 422


def test_a_cross_site_page_cannot_ask_for_a_link(api, s3, bucket):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    r = api.post(
        f"{s3_loc(bucket)}/presign",
        json={"key": "a.txt"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403
    assert r.json()["error"] == "CrossSiteRequest"
    assert "url" not in r.text


@pytest.mark.parametrize(
    ("endpoint", "embedded", "internal"),
    [
        ("http://127.0.0.1:8333", False, True),
        ("http://localhost:9000", False, True),
        ("http://minio.data.svc:9000", False, True),
        ("http://minio.data.svc.cluster.local:9000", False, True),
        ("https://s3.openshift-storage.cluster.local", False, True),
        ("http://minio:9000", False, True),
        ("http://10.0.3.4:9000", False, True),
        ("http://192.168.1.20", False, True),
        ("http://[::1]:8333", False, True),
        ("https://s3.example.com", False, False),
        ("https://s3.us-east-1.amazonaws.com", False, False),
        ("http://8.8.8.8:9000", False, False),
        ("", False, False),
        ("http://127.0.0.1:41234", True, True),
    ],
)
def test_which_endpoints_are_internal(endpoint, embedded, internal):
    assert internal_endpoint(endpoint, embedded) is internal


def test_the_cli_prints_a_link(s3_server, s3, bucket, tmp_path):
    from served import clean_env

    s3.put_object(Bucket=bucket, Key="cli/w.bin", Body=BODY)
    creds = s3_server.credentials
    env = clean_env(
        tmp_path,
        AWS_S3_ENDPOINT=s3_server.endpoint,
        AWS_ACCESS_KEY_ID=creds.access_key_id,
        AWS_SECRET_ACCESS_KEY=creds.secret_access_key,
        ODH_TEC_EMBEDDED_S3="false",
    )

    def cli(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "odh_tec.cli", "presign", *args]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    plain = cli(f"s3://{bucket}/cli/w.bin")
    assert plain.returncode == 0, plain.stderr
    assert fetch(plain.stdout.strip()) == BODY
    assert "X-Amz-Expires=3600" in plain.stdout

    as_json = cli(f"s3://{bucket}/cli/w.bin", "--expires", "60", "--json")
    assert as_json.returncode == 0, as_json.stderr
    answer = json.loads(as_json.stdout)
    assert set(answer) == {"url", "expires_at", "internal", "note"}
    assert answer["internal"] is True
    assert "X-Amz-Expires=60" in answer["url"]
    assert fetch(answer["url"]) == BODY

    for args, code in (
        ((f"s3://{bucket}/cli/w.bin", "--expires", "30"), "InvalidExpiry"),
        ((f"s3://{bucket}/cli/missing.bin",), "NoSuchKey"),
        ((f"s3://{bucket}/cli/",), "InvalidKey"),
        (("local://data/x.txt",), "NotS3"),
    ):
        refused = cli(*args, "--json")
        assert refused.returncode == 2, refused.stderr
        assert json.loads(refused.stdout)["error"] == code


def test_no_keys_no_link(live):
    settings = RuntimeSettings.from_config(live.config)
    settings.s3.secret_access_key = ""

    async def attempt() -> None:
        await presign_download(S3Connection(settings), "any", "key", 60)

    with pytest.raises(ApiError) as refused:
        run(attempt())
    assert (refused.value.status, refused.value.code) == (400, "NoCredentials")
