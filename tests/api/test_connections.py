"""Named S3 connections (issue 13): from a file or the Settings page, persisted 0600 across restarts,
secrets write-only, bad input refused without a change, and every connection's buckets listed."""

from __future__ import annotations

import json
import logging
import stat
import uuid
from pathlib import Path

import pytest

from conftest import OTHER_ADMIN, LiveServer, empty_and_delete_bucket, free_port, make_config

SAVED = "s3-connections.json"


@pytest.fixture
def other_bucket(other_s3):
    name = f"team-{uuid.uuid4().hex[:10]}"
    other_s3.create_bucket(Bucket=name)
    yield name
    empty_and_delete_bucket(other_s3, name)


def _team(other_s3_server, **extra) -> dict:
    return {
        "name": "team",
        "endpoint": other_s3_server.endpoint,
        "access_key_id": OTHER_ADMIN.access_key_id,
        "secret_access_key": OTHER_ADMIN.secret_access_key,
        **extra,
    }


def _write(path: Path, connections: list[dict]) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps({"connections": connections}))
    else:
        import yaml

        path.write_text(yaml.safe_dump(connections))  # a bare list: the other accepted shape
    return path


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_connections_of_a_file_are_listed_with_their_buckets(
    suffix, make_live, tmp_path, other_s3_server, other_bucket, bucket
):
    path = _write(tmp_path / f"connections{suffix}", [_team(other_s3_server, region="eu-west-1")])
    server = make_live(s3_connections_file=str(path))
    with server.client() as c:
        r = c.get("/api/connections")
        assert r.status_code == 200, r.text
        assert OTHER_ADMIN.secret_access_key not in r.text
        default, team = r.json()["connections"]
        assert default["name"] == "default" and default["source"] == "env" and not default["editable"]
        assert team == {
            "name": "team",
            "endpoint": other_s3_server.endpoint,
            "region": "eu-west-1",
            "access_key_id": OTHER_ADMIN.access_key_id,
            "default_bucket": "",
            "source": "file",
            "has_secret": True,
            "editable": False,
        }
        answer = c.get("/api/locations").json()
        by_id = {loc["id"]: loc for loc in answer["locations"]}
        assert by_id[f"s3:team@{other_bucket}"]["connection"] == "team"
        assert by_id[f"s3:team@{other_bucket}"]["name"] == other_bucket
        assert by_id[f"s3:{bucket}"]["connection"] == "default"  # the default's ids are unchanged
        assert answer["errors"] == []
        listing = c.get("/api/buckets", params={"connection": "team"}).json()
        assert listing["connection"] == "team" and other_bucket in [b["name"] for b in listing["buckets"]]
        # A file's connection is changed in the file, not here.
        assert c.put("/api/connections/team", json={"region": "us-east-1"}).json()["error"] == "ConnectionReadOnly"
        assert c.delete("/api/connections/team").status_code == 409


def test_an_unreachable_connection_hides_no_other(make_live, tmp_path, other_s3_server, other_bucket):
    dead = {
        "name": "gone",
        "endpoint": f"http://127.0.0.1:{free_port()}",
        "access_key_id": "k",
        "secret_access_key": "s",
    }
    path = _write(tmp_path / "c.json", [dead, _team(other_s3_server)])
    server = make_live(s3_connections_file=str(path), s3_connect_timeout=1)
    with server.client() as c:
        answer = c.get("/api/locations").json()
    assert f"s3:team@{other_bucket}" in {loc["id"] for loc in answer["locations"]}
    assert [e["connection"] for e in answer["errors"]] == ["gone"]
    assert answer["errors"][0]["error"]


@pytest.mark.parametrize(
    "content",
    [
        "connections: [{name: Bad_Name}]",
        "[{name: default}]",
        "[{name: a}, {name: a}]",
        "[{name: x, endpoint: 'ftp://host'}]",
        "[{name: x, colour: blue}]",
        "{connections: 3}",
        "[{name: x, secret_access_key: [unclosed",
    ],
)
def test_a_bad_connections_file_stops_the_start_and_never_quotes_a_secret(content, s3_server, tmp_path):
    from odh_tec.app import build_services
    from odh_tec.storage.s3.connections_file import InvalidConnectionsFile

    path = tmp_path / "c.yaml"
    path.write_text(content)
    with pytest.raises(InvalidConnectionsFile) as found:
        build_services(make_config(s3_server, tmp_path, s3_connections_file=str(path)))
    assert "unclosed" not in found.value.message


def test_added_connections_persist_across_a_restart_and_keep_their_secret(s3_server, tmp_path, other_s3_server, caplog):
    caplog.set_level(logging.INFO)
    config = make_config(s3_server, tmp_path)
    saved = config.data_dir / SAVED
    first = LiveServer(config).start()
    try:
        with first.client() as c:
            r = c.post("/api/connections", json=_team(other_s3_server, default_bucket="scratch"))
            assert r.status_code == 201, r.text
            assert r.json()["has_secret"] is True and r.json()["editable"] is True and r.json()["source"] == "settings"
            assert OTHER_ADMIN.secret_access_key not in r.text
            assert c.post("/api/connections", json=_team(other_s3_server)).json()["error"] == "ConnectionExists"
            assert c.post("/api/connections/team/test").json()["ok"] is True
    finally:
        first.stop()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert OTHER_ADMIN.secret_access_key not in caplog.text  # nor in the audit lines

    second = LiveServer(make_config(s3_server, tmp_path)).start()
    try:
        with second.client() as c:
            team = c.get("/api/connections").json()["connections"][1]
            assert team["name"] == "team" and team["has_secret"] and team["default_bucket"] == "scratch"
            assert c.post("/api/connections/team/test").json()["ok"] is True  # the stored secret was kept
            r = c.put("/api/connections/team", json={"region": "eu-central-1", "default_bucket": ""})
            assert r.status_code == 200 and r.json()["region"] == "eu-central-1" and r.json()["has_secret"], r.text
            # Another origin: the stored secret does not follow it.
            r = c.put("/api/connections/team", json={"endpoint": "https://s3.elsewhere.example"})
            assert r.json()["has_secret"] is False
            r = c.put(
                "/api/connections/team",
                json={"endpoint": other_s3_server.endpoint, "secret_access_key": OTHER_ADMIN.secret_access_key},
            )
            assert r.json()["has_secret"] is True
            assert c.delete("/api/connections/team").json() == {"name": "team"}
            assert [x["name"] for x in c.get("/api/connections").json()["connections"]] == ["default"]
    finally:
        second.stop()
    assert json.loads(saved.read_text()) == {"connections": []}
    third = LiveServer(make_config(s3_server, tmp_path)).start()
    try:
        with third.client() as c:
            assert [x["name"] for x in c.get("/api/connections").json()["connections"]] == ["default"]
    finally:
        third.stop()


BAD_BODIES = [
    {"name": "Bad_Name", "endpoint": "http://127.0.0.1:9000"},
    {"name": "default", "endpoint": "http://127.0.0.1:9000"},
    {"name": "a" * 33, "endpoint": "http://127.0.0.1:9000"},
    {"name": "x@y", "endpoint": "http://127.0.0.1:9000"},
    {"name": "ok", "endpoint": "ftp://127.0.0.1:9000"},
    {"name": "ok", "endpoint": "http://user:pw@127.0.0.1:9000"},
    {"name": "ok", "endpoint": "http://169.254.169.254/"},
    {"name": "ok", "endpoint": "http://[fd00:ec2::254]/"},
    {"name": "ok", "endpoint": "http://127.0.0.1:9000", "secret_access_key": "s" * 513},
    {"name": "ok", "endpoint": "http://127.0.0.1:9000", "default_bucket": "Not_A_Bucket"},
    {"name": "ok", "endpoint": "http://127.0.0.1:9000", "ca_bundle": "/etc/passwd"},
    {"name": "ok", "endpoint": "http://127.0.0.1:9000", "region": "us east"},
    {"name": "ok", "endpoint": "x" * 3000},
]


def test_bad_input_is_refused_and_changes_nothing(make_live):
    server = make_live()
    saved = server.config.data_dir / SAVED
    with server.client() as c:
        assert c.post("/api/connections", json={"name": "keep", "endpoint": "http://127.0.0.1:9000"}).status_code == 201
        before = saved.read_bytes()
        for body in BAD_BODIES:
            r = c.post("/api/connections", json=body)
            assert 400 <= r.status_code < 500, (body, r.text)
        for body in ({"endpoint": "http://169.254.169.254/"}, {"name": "other"}, {"region": "a b"}):
            assert 400 <= c.put("/api/connections/keep", json=body).status_code < 500, body
        assert [x["name"] for x in c.get("/api/connections").json()["connections"]] == ["default", "keep"]
        assert c.get("/api/connections").json()["connections"][1]["endpoint"] == "http://127.0.0.1:9000"
    assert saved.read_bytes() == before


def test_at_most_max_connections(make_live):
    from odh_tec.storage.s3.connections_file import MAX_CONNECTIONS

    server = make_live()
    with server.client() as c:
        for n in range(MAX_CONNECTIONS):
            assert c.post("/api/connections", json={"name": f"c{n}"}).status_code == 201
        r = c.post("/api/connections", json={"name": "one-more"})
        assert r.status_code == 409 and r.json()["error"] == "TooManyConnections"


def test_the_default_connection_is_listed_and_tested_as_it_is(api, s3_server):
    default = api.get("/api/connections").json()["connections"][0]
    assert default["name"] == "default" and default["endpoint"] == s3_server.endpoint and default["has_secret"]
    assert api.post("/api/connections/default/test").json()["ok"] is True
    for method in ("PUT", "DELETE"):  # edited in the S3 settings
        r = api.request(method, "/api/connections/default", json={} if method == "PUT" else None)
        assert r.status_code == 409 and r.json()["error"] == "ConnectionReadOnly", r.text


def test_an_unknown_connection_is_a_404(api, bucket):
    for method, path in (
        ("PUT", "/api/connections/nope"),
        ("DELETE", "/api/connections/nope"),
        ("POST", "/api/connections/nope/test"),
        ("GET", f"/api/locations/s3:nope@{bucket}/objects"),
        ("GET", f"/api/locations/s3:default@{bucket}/objects"),
        ("GET", "/api/buckets?connection=nope"),
    ):
        r = api.request(method, path, json={} if method == "PUT" else None)
        assert r.status_code == 404 and r.json()["error"] == "NoSuchConnection", (method, path, r.text)
    r = api.get("/api/locations/s3:nope@/objects")
    assert r.status_code == 404 and r.json()["error"] == "NoSuchLocation"


def test_objects_buckets_and_presign_of_a_named_connection(make_live, other_s3_server, other_s3, other_bucket):
    server = make_live()
    loc = f"s3:team@{other_bucket}"
    with server.client() as c:
        assert c.post("/api/connections", json=_team(other_s3_server)).status_code == 201
        assert c.put(f"/api/locations/{loc}/object", params={"key": "a/b.txt"}, content=b"hello").status_code < 300
        assert other_s3.get_object(Bucket=other_bucket, Key="a/b.txt")["Body"].read() == b"hello"
        names = [f["name"] for f in c.get(f"/api/locations/{loc}/objects", params={"prefix": "a/"}).json()["files"]]
        assert names == ["b.txt"]
        url = c.post(f"/api/locations/{loc}/presign", json={"key": "a/b.txt"}).json()["url"]
        assert url.startswith(other_s3_server.endpoint) and f"Credential={OTHER_ADMIN.access_key_id}%2F" in url
        import httpx

        assert httpx.get(url).content == b"hello"
        zipped = c.get(f"/api/locations/{loc}/zip", params={"prefix": ""})  # named after the bucket
        assert (
            f"{other_bucket}" in zipped.headers["content-disposition"]
            and "@" not in zipped.headers["content-disposition"]
        )
        r = c.post("/api/buckets", json={"name": f"{other_bucket}-new", "connection": "team"})
        assert r.status_code == 201, r.text
        other_s3.head_bucket(Bucket=f"{other_bucket}-new")
        assert c.delete(f"/api/buckets/{other_bucket}-new", params={"connection": "team"}).status_code == 200
