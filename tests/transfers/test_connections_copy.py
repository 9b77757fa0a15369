"""Copies between two S3 connections (two real SeaweedFS servers): streamed through the app with
bounded memory, server-side within one connection, resumed after a restart, their multipart uploads
journaled and swept, and the CLI's `s3://NAME@BUCKET/…` (issue 13)."""

from __future__ import annotations

import gc
import hashlib
import json
import sqlite3
import time
import uuid

import pytest

from conftest import OTHER_ADMIN, LiveServer, empty_and_delete_bucket, make_config
from odh_tec.cli import main
from odh_tec.observability.metrics import BYTES
from odh_tec.storage.s3.connections_file import ConnectionSpec, saved_path, write_connections
from odh_tec.transfers.model import TransferFile
from odh_tec.transfers.specs import CopySpec
from odh_tec.transfers.store import JobStore
from rss import peak_rss
from served import store_unfinished_copy

from .conftest import open_uploads, s3_keys, wait_job

MiB = 1 << 20
BIG = 160 * MiB  # 20 parts of 8 MiB
# The part budget (6 parts of 8 MiB in flight) plus the read side's chunks, with room for noise;
# far less than the file.
RSS_GROWTH_LIMIT = 110 * MiB


def _team(server) -> ConnectionSpec:
    return ConnectionSpec(
        name="team",
        endpoint=server.endpoint,
        access_key_id=OTHER_ADMIN.access_key_id,
        secret_access_key=OTHER_ADMIN.secret_access_key,
    )


@pytest.fixture
def other_bucket(other_s3):
    name = f"team-{uuid.uuid4().hex[:10]}"
    other_s3.create_bucket(Bucket=name)
    yield name
    empty_and_delete_bucket(other_s3, name)


@pytest.fixture
def app(s3_server, other_s3_server, tmp_path):
    """An app whose data dir holds one saved connection, `team`, on the second server."""
    config = make_config(s3_server, tmp_path)
    write_connections(saved_path(config.data_dir), [_team(other_s3_server)])
    server = LiveServer(config, loop_debug=False).start()
    yield server
    server.stop()


def _wait_for_journal(app, endpoint: str) -> list[tuple[str, str]]:
    """The uploads journaled for `endpoint`, once there is one (read as a second SQLite reader)."""
    db = sqlite3.connect(app.config.data_dir / "transfers.sqlite3")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = db.execute("SELECT bucket, key FROM uploads WHERE endpoint = ?", (endpoint,)).fetchall()
            if rows:
                return rows
            time.sleep(0.02)
        return []
    finally:
        db.close()


def _copy(client, kind, src, dst, *, keys=(), prefixes=(), prefix="", wait=True):
    body = {
        "kind": kind,
        "conflict": "overwrite",
        "source": {"location_id": src, "keys": list(keys), "prefixes": list(prefixes)},
        "destination": {"location_id": dst, "prefix": prefix},
    }
    r = client.post("/api/transfers", json=body)
    assert r.status_code == 201, r.text
    return wait_job(client, r.json()["id"], timeout=180) if wait else r.json()


def _sha256(body) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(MiB), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _s3_bytes_read() -> float:
    return BYTES.labels("out", "s3")._value.get()


def test_a_copy_between_connections_is_streamed_byte_identical_in_bounded_memory(
    app, s3, bucket, other_s3, other_bucket, tmp_path
):
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with source.open("wb") as fh:
        for n in range(BIG // MiB):
            block = hashlib.sha256(str(n).encode()).digest() * (MiB // 32)
            digest.update(block)
            fh.write(block)
    s3.upload_file(str(source), bucket, "models/big.bin")
    s3.put_object(Bucket=bucket, Key="models/small.txt", Body=b"small")
    gc.collect()
    with app.client() as c, peak_rss() as rss:
        job = _copy(c, "copy", f"s3:{bucket}", f"s3:team@{other_bucket}", prefixes=["models/"], prefix="in", wait=False)
        # The multipart upload on the named connection is journaled while it runs (swept if we crash).
        journaled = _wait_for_journal(app, app.services.connections.get("team").endpoint)
        job = wait_job(c, job["id"], timeout=180)
    assert job["state"] == "completed", job
    assert journaled == [(other_bucket, "in/models/big.bin")]
    assert "team@" in job["title"]  # named as the CLI writes it
    got = other_s3.get_object(Bucket=other_bucket, Key="in/models/big.bin")
    assert got["ContentLength"] == BIG and _sha256(got["Body"]) == digest.hexdigest()
    assert other_s3.get_object(Bucket=other_bucket, Key="in/models/small.txt")["Body"].read() == b"small"
    assert rss["growth"] < RSS_GROWTH_LIMIT, f"RSS grew {rss['growth'] / MiB:.0f} MiB copying {BIG // MiB} MiB"
    assert open_uploads(other_s3, other_bucket) == []


def test_a_move_back_between_connections_deletes_the_source(app, s3, bucket, other_s3, other_bucket):
    other_s3.put_object(Bucket=other_bucket, Key="a/one.txt", Body=b"one")
    with app.client() as c:
        job = _copy(c, "move", f"s3:team@{other_bucket}", f"s3:{bucket}", keys=["a/one.txt"], prefix="back/")
    assert job["state"] == "completed", job
    assert s3.get_object(Bucket=bucket, Key="back/one.txt")["Body"].read() == b"one"
    assert s3_keys(other_s3, other_bucket) == []


def test_within_one_connection_the_copy_stays_server_side(app, other_s3, other_bucket):
    second = f"{other_bucket}-2"
    other_s3.create_bucket(Bucket=second)
    try:
        other_s3.put_object(Bucket=other_bucket, Key="w.bin", Body=b"\x07" * (20 * MiB))
        before = _s3_bytes_read()
        with app.client() as c:
            job = _copy(c, "copy", f"s3:team@{other_bucket}", f"s3:team@{second}", keys=["w.bin"])
        assert job["state"] == "completed", job
        assert _s3_bytes_read() == before  # no byte came through the app
        assert other_s3.head_object(Bucket=second, Key="w.bin")["ContentLength"] == 20 * MiB
    finally:
        empty_and_delete_bucket(other_s3, second)


def test_a_copy_on_a_named_connection_resumes_after_a_restart(
    s3_server, other_s3_server, other_s3, other_bucket, s3, bucket, tmp_path
):
    """A job saved by a run that stopped before it ran: the next start (the connection read from the
    persisted Settings file) resumes it by its location ids."""
    config = make_config(s3_server, tmp_path)
    write_connections(saved_path(config.data_dir), [_team(other_s3_server)])
    other_s3.put_object(Bucket=other_bucket, Key="r/x.txt", Body=b"resumed")
    spec = CopySpec(source_location=f"s3:team@{other_bucket}", destination_location=f"s3:{bucket}", keys=["r/x.txt"])
    job = store_unfinished_copy(
        config.data_dir, spec, [TransferFile(path="r/x.txt", key="x.txt", size=7, source="r/x.txt")]
    )
    server = LiveServer(config).start()
    try:
        with server.client() as c:
            answer = wait_job(c, job.id)
        assert answer["state"] == "completed", answer
        assert s3.get_object(Bucket=bucket, Key="x.txt")["Body"].read() == b"resumed"
    finally:
        server.stop()


def test_uploads_left_open_on_a_named_connection_are_swept_at_start(
    s3_server, other_s3_server, other_s3, other_bucket, tmp_path
):
    ours = other_s3.create_multipart_upload(Bucket=other_bucket, Key="ours.bin")["UploadId"]
    theirs = other_s3.create_multipart_upload(Bucket=other_bucket, Key="theirs.bin")["UploadId"]
    config = make_config(s3_server, tmp_path)
    path = tmp_path / "connections.json"
    path.write_text(json.dumps([_team(other_s3_server).to_file()]))
    store = JobStore(config.data_dir / "transfers.sqlite3")
    store._upload_opened(other_s3_server.endpoint, other_bucket, "ours.bin", ours)
    store.close()
    server = LiveServer(make_config(s3_server, tmp_path, s3_connections_file=str(path))).start()
    try:
        deadline = time.monotonic() + 20
        while {u["UploadId"] for u in open_uploads(other_s3, other_bucket)} != {theirs}:
            assert time.monotonic() < deadline, open_uploads(other_s3, other_bucket)
            time.sleep(0.1)
    finally:
        server.stop()
        other_s3.abort_multipart_upload(Bucket=other_bucket, Key="theirs.bin", UploadId=theirs)


@pytest.fixture
def cli_env(monkeypatch, s3_server, tmp_path):
    env = {
        "AWS_S3_ENDPOINT": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": s3_server.credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": s3_server.credentials.secret_access_key,
        "ODH_TEC_DATA_DIR": str(tmp_path / "data"),
        "ODH_TEC_EMBEDDED_S3": "false",
        "S3_CONNECTIONS_FILE": "",
        "HTTP_PROXY": "",
        "HTTPS_PROXY": "",
        "NO_PROXY": "",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.mark.parametrize("where", ["file", "settings"])
def test_the_cli_copies_with_named_connections(
    where, cli_env, monkeypatch, capsys, s3, bucket, other_s3_server, other_s3, other_bucket, tmp_path
):
    if where == "file":
        path = tmp_path / "connections.yaml"
        path.write_text(json.dumps({"connections": [_team(other_s3_server).to_file()]}))  # JSON is YAML
        monkeypatch.setenv("S3_CONNECTIONS_FILE", str(path))
    else:
        write_connections(saved_path(tmp_path / "data"), [_team(other_s3_server)])
    s3.put_object(Bucket=bucket, Key="cli/a.txt", Body=b"from default")
    assert main(["cp", f"s3://{bucket}/cli/a.txt", f"s3://team@{other_bucket}/got/", "--json"]) == 0, (
        capsys.readouterr().err
    )
    capsys.readouterr()
    assert other_s3.get_object(Bucket=other_bucket, Key="got/a.txt")["Body"].read() == b"from default"
    assert main(["cp", "-r", f"s3://team@{other_bucket}/got/", f"s3://{bucket}/back/"]) == 0
    assert s3_keys(s3, bucket, "back/") == ["back/got/a.txt"]
    assert main(["cp", f"s3://nope@{other_bucket}/got/a.txt", "./x", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "NoSuchConnection"


def test_a_job_whose_connection_is_gone_fails_with_the_reason(s3_server, tmp_path):
    config = make_config(s3_server, tmp_path)
    spec = CopySpec(source_location="s3:gone@bucket", destination_location="s3:gone@bucket", keys=["a.txt"])
    job = store_unfinished_copy(
        config.data_dir, spec, [TransferFile(path="a.txt", key="b.txt", size=1, source="a.txt")]
    )
    server = LiveServer(config).start()
    try:
        with server.client() as c:
            answer = wait_job(c, job.id)
        assert answer["state"] == "failed"
        assert answer["error"].startswith("Could not resume after a restart: NoSuchConnection"), answer["error"]
    finally:
        server.stop()


def test_the_cli_presigns_with_the_connection_of_the_uri(
    cli_env, capsys, other_s3_server, other_s3, other_bucket, tmp_path
):
    import httpx

    write_connections(saved_path(tmp_path / "data"), [_team(other_s3_server)])
    other_s3.put_object(Bucket=other_bucket, Key="p.txt", Body=b"presigned")
    assert main(["presign", f"s3://team@{other_bucket}/p.txt", "--json"]) == 0
    url = json.loads(capsys.readouterr().out)["url"]
    assert url.startswith(other_s3_server.endpoint) and f"Credential={OTHER_ADMIN.access_key_id}%2F" in url
    assert httpx.get(url).content == b"presigned"
