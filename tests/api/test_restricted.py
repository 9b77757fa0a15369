"""The same app with read-only keys, bucket-scoped keys, and an S3 endpoint that cannot be reached."""

from __future__ import annotations

import os

import pytest

from conftest import READONLY, SCOPED, SCOPED_BUCKET, free_port

from .helpers import s3_loc, wait_for

MiB = 1 << 20


def keys_in(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.fixture(scope="module")
def readonly_app(s3_server, tmp_path_factory):
    from conftest import LiveServer, make_config

    server = LiveServer(make_config(s3_server, tmp_path_factory.mktemp("ro"), creds=READONLY)).start()
    yield server
    server.stop()


def test_read_only_keys_browse_and_download(readonly_app, bucket, s3):
    s3.put_object(Bucket=bucket, Key="dir/file.txt", Body=b"readable")
    with readonly_app.client() as c:
        assert bucket in [b["name"] for b in c.get("/api/buckets").json()["buckets"]]
        listing = c.get(f"{s3_loc(bucket)}/objects", params={"prefix": "dir/"}).json()
        assert [f["key"] for f in listing["files"]] == ["dir/file.txt"]
        assert c.get(f"{s3_loc(bucket)}/download", params={"key": "dir/file.txt"}).content == b"readable"


@pytest.mark.parametrize("size", [1000, 12 * MiB], ids=["single-put", "multipart"])
def test_read_only_keys_upload_gets_a_clear_403_and_writes_nothing(readonly_app, bucket, s3, size):
    with readonly_app.client() as c:
        r = c.put(f"{s3_loc(bucket)}/object", params={"key": "nope.bin"}, content=os.urandom(size))
        assert r.status_code == 403, r.text
        body = r.json()
        assert body["error"] == "AccessDenied"
        assert "permission" in body["message"] and bucket in body["message"]
    assert keys_in(s3, bucket) == []
    assert wait_for(lambda: not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), timeout=5)


def test_read_only_keys_cannot_change_anything(readonly_app, bucket, s3):
    s3.put_object(Bucket=bucket, Key="keep/me.txt", Body=b"x")
    loc = s3_loc(bucket)
    with readonly_app.client() as c:
        for method, path, kwargs in (
            ("DELETE", f"{loc}/object", {"params": {"key": "keep/me.txt"}}),
            ("DELETE", f"{loc}/folder", {"params": {"prefix": "keep/"}}),
            ("POST", f"{loc}/delete", {"json": {"keys": ["keep/me.txt"], "prefixes": ["keep/"]}}),
            ("POST", f"{loc}/folders", {"json": {"prefix": "new/"}}),
            ("POST", "/api/buckets", {"json": {"name": f"{bucket}-ro"}}),
            ("DELETE", f"/api/buckets/{bucket}", {"params": {"empty": "true"}}),
        ):
            r = c.request(method, path, **kwargs)
            assert r.status_code == 403, (method, path, r.text)
            assert r.json()["error"] == "AccessDenied" and r.json()["message"]
    assert keys_in(s3, bucket) == ["keep/me.txt"]
    assert f"{bucket}-ro" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def _browse_and_upload(c, bucket: str, s3) -> None:
    loc = s3_loc(bucket)
    r = c.put(f"{loc}/object", params={"key": "scoped/up load.txt"}, content=b"scoped data")
    assert r.status_code == 201, r.text
    listing = c.get(f"{loc}/objects", params={"prefix": "scoped/"}).json()
    assert [f["key"] for f in listing["files"]] == ["scoped/up load.txt"]
    assert c.get(f"{loc}/download", params={"key": "scoped/up load.txt"}).content == b"scoped data"
    assert c.delete(f"{loc}/object", params={"key": "scoped/up load.txt"}).status_code == 200
    assert keys_in(s3, bucket) == []


def test_bucket_scoped_keys(make_live, scoped_bucket, bucket, s3):
    """SeaweedFS answers ListBuckets for scoped keys with the buckets they may use."""
    server = make_live(creds=SCOPED, aws_s3_bucket=SCOPED_BUCKET)
    with server.client() as c:
        body = c.get("/api/buckets").json()
        assert body["default_bucket"] == SCOPED_BUCKET
        assert [b["name"] for b in body["buckets"]] == [SCOPED_BUCKET]
        _browse_and_upload(c, SCOPED_BUCKET, s3)
        r = c.get(f"{s3_loc(bucket)}/objects")
        assert r.status_code == 403 and bucket in r.json()["message"]
        r = c.put(f"{s3_loc(bucket)}/object", params={"key": "x"}, content=b"x")
        assert r.status_code == 403 and r.json()["error"] == "AccessDenied"
    assert keys_in(s3, bucket) == []


def test_bucket_scoped_keys_when_list_buckets_is_denied(make_live, scoped_bucket, s3, deny_list_endpoint):
    """Where ListBuckets is denied (an AWS IAM policy scoped to one bucket), the default bucket is
    still listed, flagged, and browsable."""
    server = make_live(creds=SCOPED, aws_s3_bucket=SCOPED_BUCKET, aws_s3_endpoint=deny_list_endpoint)
    with server.client() as c:
        r = c.get("/api/buckets")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["list_denied"] is True and body["default_bucket"] == SCOPED_BUCKET
        assert body["buckets"] == [{"name": SCOPED_BUCKET, "created": None}]
        assert body["message"]
        locations = c.get("/api/locations").json()["locations"]
        assert [(loc["id"], loc["default"]) for loc in locations] == [(f"s3:{SCOPED_BUCKET}", True)]
        _browse_and_upload(c, SCOPED_BUCKET, s3)

    # Without a default bucket the denial is the answer (nothing to fall back to), as a clear 403... or
    # an empty, flagged list.
    server = make_live(creds=SCOPED, aws_s3_endpoint=deny_list_endpoint)
    with server.client() as c:
        body = c.get("/api/buckets").json()
        assert body == {
            "connection": "default",
            "buckets": [],
            "default_bucket": None,
            "list_denied": True,
            "message": body["message"],
        }


def test_unreachable_endpoint_is_a_502_naming_it(make_live, tmp_path):
    (tmp_path / "pvc").mkdir()
    dead = f"http://127.0.0.1:{free_port()}"
    server = make_live(aws_s3_endpoint=dead, local_storage_paths=str(tmp_path / "pvc"))
    with server.client() as c:
        r = c.get("/api/buckets")
        assert r.status_code == 502, r.text
        assert r.json()["error"] == "EndpointUnreachable" and dead in r.json()["message"]
        r = c.put(f"{s3_loc('some-bucket')}/object", params={"key": "k"}, content=b"x")
        assert r.status_code == 502 and dead in r.json()["message"]
        # Local folders keep working.
        locations = c.get("/api/locations").json()["locations"]
        assert [loc["kind"] for loc in locations] == ["local"]
        assert c.get("/api/health").status_code == 200
