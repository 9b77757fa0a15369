"""The zero-config default: the app starts its own SeaweedFS (`weed mini`) when no endpoint is set."""

from __future__ import annotations

import json
import stat

import psutil

from conftest import LiveServer
from odh_tec.config import Config
from odh_tec.embedded_s3 import load_or_create_credentials


def test_app_starts_and_stops_an_embedded_seaweedfs(tmp_path, monkeypatch):
    for name in ("AWS_S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    config = Config(
        _env_file=None,
        odh_tec_data_dir=str(tmp_path / "data"),
        hf_endpoint="http://127.0.0.1:9",
        http_proxy="",
        https_proxy="",
        no_proxy="",
    )
    assert config.wants_embedded_s3
    server = LiveServer(config).start()
    try:
        embedded = server.services.embedded
        assert embedded is not None and embedded.process.poll() is None
        s3_dir = tmp_path / "data" / "s3"
        # Keys generated once, readable by the owner only (also the identities file given to SeaweedFS).
        creds_file = s3_dir / "credentials.json"
        for path in (creds_file, s3_dir / "s3-identities.json"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        creds = json.loads(creds_file.read_text())
        assert len(creds["secret_access_key"]) >= 30
        assert load_or_create_credentials(creds_file).secret_access_key == creds["secret_access_key"]

        proc = psutil.Process(embedded.process.pid)
        listening = [c.laddr for c in proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        listening += [
            c.laddr
            for child in proc.children(recursive=True)
            for c in child.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert len(listening) >= 5
        assert all(addr.ip == "127.0.0.1" for addr in listening), listening
        ports = {addr.port for addr in listening}
        assert 8888 not in ports and server.port not in ports
        assert int(embedded.endpoint.rsplit(":", 1)[1]) in ports
        cmdline = " ".join(proc.cmdline())
        for flag in (
            "-master.telemetry=false",
            "-s3.autoCreateBucket=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-ip.bind=127.0.0.1",
        ):
            assert flag in cmdline
        assert proc.environ().get("GOMEMLIMIT") == "1GiB"

        with server.client() as c:
            info = c.get("/api/info").json()
            assert info["embedded_s3"] is True and info["s3_endpoint"] == embedded.endpoint
            settings = c.get("/api/settings").json()["s3"]
            assert settings["embedded"] is True and settings["secret_access_key_set"] is True
            assert settings["access_key_id"] == creds["access_key_id"]
            assert creds["secret_access_key"] not in c.get("/api/settings").text
            # With credentials configured, ListBuckets shows what was created.
            assert c.post("/api/buckets", json={"name": "models"}).status_code == 201
            assert [b["name"] for b in c.get("/api/buckets").json()["buckets"]] == ["models"]
            r = c.put("/api/locations/s3:models/object", params={"key": "hello.txt"}, content=b"embedded")
            assert r.status_code == 201
            assert c.get("/api/locations/s3:models/download", params={"key": "hello.txt"}).content == b"embedded"
            # autoCreateBucket=false: a PUT into a missing bucket does not create it.
            r = c.put("/api/locations/s3:ghost/object", params={"key": "x"}, content=b"x")
            assert r.status_code == 404
            assert [b["name"] for b in c.get("/api/buckets").json()["buckets"]] == ["models"]
    finally:
        server.stop()
    assert not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE


def test_a_port_taken_between_picking_and_binding_is_picked_again(tmp_path, monkeypatch):
    """The ports are picked free, then bound by SeaweedFS: another process may take one in between."""
    import socket

    from odh_tec import embedded_s3

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    real_free_ports = embedded_s3.free_ports
    picks = []

    def first_pick_taken(count: int) -> list[int]:
        ports = real_free_ports(count)
        if not picks:
            ports[0] = taken.getsockname()[1]  # the master's port, already listened on
        picks.append(ports)
        return ports

    monkeypatch.setattr(embedded_s3, "free_ports", first_pick_taken)
    server = embedded_s3.EmbeddedS3(tmp_path / "s3")
    try:
        endpoint = server.start()
        assert len(picks) == 2
        assert endpoint.endswith(f":{picks[1][3]}")  # the S3 port of the second pick
    finally:
        server.stop()
        taken.close()
