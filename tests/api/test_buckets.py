"""Bucket routes: list, create (naming rules), delete (409 unless emptied)."""

from __future__ import annotations

import uuid

import pytest

from conftest import empty_and_delete_bucket


def bucket_names(s3) -> set[str]:
    return {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_list_buckets(api, bucket):
    r = api.get("/api/buckets")
    assert r.status_code == 200
    body = r.json()
    assert body["default_bucket"] is None and body["list_denied"] is False
    mine = [b for b in body["buckets"] if b["name"] == bucket]
    assert len(mine) == 1 and mine[0]["created"]


def test_default_bucket_is_listed_first_even_if_missing(make_live, bucket):
    server = make_live(aws_s3_bucket="not-created-yet")
    with server.client() as c:
        body = c.get("/api/buckets").json()
        assert body["default_bucket"] == "not-created-yet"
        assert body["buckets"][0] == {"name": "not-created-yet", "created": None}
        assert bucket in [b["name"] for b in body["buckets"]]
        locations = c.get("/api/locations").json()["locations"]
        default = [loc for loc in locations if loc["default"]]
        assert [loc["id"] for loc in default] == ["s3:not-created-yet"]


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "UpperCase",
        "under_score",
        "-leading",
        "trailing-",
        ".leading",
        "trailing.",
        "two..dots",
        "dot.-hyphen",
        "hyphen-.dot",
        "192.168.10.12",
        "xn--punycode",
        "sthree-x",
        "name-s3alias",
        "has space",
        "ünï",
        "a/b",
    ],
)
def test_invalid_bucket_names_are_refused(api, s3, name):
    before = bucket_names(s3)
    r = api.post("/api/buckets", json={"name": name})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "InvalidBucketName" and r.json()["message"]
    assert bucket_names(s3) == before


def test_create_and_delete_buckets_including_dotted_names(api, s3):
    suffix = uuid.uuid4().hex[:8]
    for name in (f"plain-{suffix}", f"dotted.name.{suffix}", f"{suffix}.a-b.c"):
        try:
            r = api.post("/api/buckets", json={"name": name})
            assert r.status_code == 201, r.text
            assert r.json() == {"name": name}
            assert name in bucket_names(s3)
            again = api.post("/api/buckets", json={"name": name})
            assert again.status_code == 409
            assert again.json()["error"] in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
            r = api.delete(f"/api/buckets/{name}")
            assert r.status_code == 200 and r.json() == {"deleted_objects": 0}
            assert name not in bucket_names(s3)
        finally:
            if name in bucket_names(s3):
                empty_and_delete_bucket(s3, name)
    assert api.post("/api/buckets", json={}).status_code == 422


def test_delete_non_empty_bucket_is_409_then_empty_true_works(api, s3):
    name = f"test-full-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    try:
        for key in ("a.txt", "dir/", "dir/b.txt", "dir/deep/c.txt"):
            s3.put_object(Bucket=name, Key=key, Body=b"" if key.endswith("/") else b"data")
        # An unfinished multipart upload also keeps a bucket from being deleted.
        s3.create_multipart_upload(Bucket=name, Key="unfinished.bin")

        r = api.delete(f"/api/buckets/{name}")
        assert r.status_code == 409, r.text
        assert r.json()["error"] == "BucketNotEmpty" and name in r.json()["message"]
        assert len(s3.list_objects_v2(Bucket=name)["Contents"]) == 4

        r = api.delete(f"/api/buckets/{name}", params={"empty": "true"})
        assert r.status_code == 200, r.text
        assert r.json() == {"deleted_objects": 3}  # objects, not the folder marker
        assert name not in bucket_names(s3)
    finally:
        if name in bucket_names(s3):
            empty_and_delete_bucket(s3, name)


def test_delete_missing_or_invalid_bucket(api):
    r = api.delete(f"/api/buckets/missing-{uuid.uuid4().hex[:8]}")
    assert r.status_code == 404 and r.json()["error"] == "NoSuchBucket"
    r = api.delete(f"/api/buckets/missing-{uuid.uuid4().hex[:8]}", params={"empty": "true"})
    assert r.status_code == 404 and r.json()["error"] == "NoSuchBucket"
    r = api.delete("/api/buckets/Bad_Name")
    assert r.status_code == 400 and r.json()["error"] == "InvalidBucketName"


def test_create_bucket_outside_us_east_1(make_live, s3, deny_list_proxy):
    """Outside us-east-1 the create request carries a LocationConstraint (which S3 requires)."""
    server = make_live(aws_default_region="eu-west-1", aws_s3_endpoint=deny_list_proxy.endpoint)
    name = f"test-eu-{uuid.uuid4().hex[:8]}"
    try:
        with server.client() as c:
            r = c.post("/api/buckets", json={"name": name})
            assert r.status_code == 201, r.text
        assert name in bucket_names(s3)
        sent = [body for method, path, body in deny_list_proxy.requests if method == "PUT" and path == f"/{name}"]
        assert len(sent) == 1 and b"<LocationConstraint>eu-west-1</LocationConstraint>" in sent[0]
    finally:
        if name in bucket_names(s3):
            empty_and_delete_bucket(s3, name)
