"""Object routes on a real S3 bucket (SeaweedFS): round trips, listing, ranges, deletes, uploads."""

from __future__ import annotations

import hashlib
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import pytest

from odh_tec.storage.s3.multipart import PARTS_BUFFERED

from .helpers import raw_put, s3_loc, wait_for

MiB = 1 << 20

# A 1,024-byte key (the S3 maximum) made of segments, since SeaweedFS caps one path segment at 255 bytes.
LONG_KEY = "/".join(["d" * 200] * 5)
LONG_KEY = LONG_KEY + "/" + "f" * (1024 - len(LONG_KEY) - 1)
assert len(LONG_KEY.encode()) == 1024

ODD_KEYS = [
    "with space/and more spaces.txt",
    "ünïcödé/日本語のファイル.txt",
    "emoji 🎉/😀.bin",
    "hash#tag.txt",
    "question?mark=1&b=2.txt",
    "percent%20encoded%2Fnot%.txt",
    "plus+sign+.txt",
    "mixed #?%+ /x y#z?.bin",
    "%2e%2e/looks-like-dotdot.txt",
    "semi;colon,comma'quote\"(paren)[br]{c}~!@$^*.txt",
    LONG_KEY,
]


def keys_in(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def list_all(api, location: str, prefix: str, page_size: int | None = None, search: str = "") -> tuple[list, list, int]:
    """Follow next_page_token to the end: (folders, files, pages)."""
    folders, files, pages, token = [], [], 0, None
    while True:
        params = {"prefix": prefix}
        if page_size:
            params["page_size"] = page_size
        if token:
            params["page_token"] = token
        if search:
            params["search"] = search
        r = api.get(f"{location}/objects", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        folders += [f["prefix"] for f in body["folders"]]
        files += [f["key"] for f in body["files"]]
        token = body["next_page_token"]
        if not token:
            return folders, files, pages
        assert pages < 1000


@pytest.mark.parametrize("key", ODD_KEYS, ids=lambda k: k[:24])
def test_odd_keys_round_trip(api, bucket, s3, key):
    loc = s3_loc(bucket)
    data = os.urandom(3000) + key.encode()
    r = api.put(f"{loc}/object", params={"key": key}, content=data)
    assert r.status_code == 201, r.text
    assert r.json()["key"] == key and r.json()["size"] == len(data)
    assert keys_in(s3, bucket) == [key]  # stored under exactly that key

    parent, _, name = key.rpartition("/")
    listing = api.get(f"{loc}/objects", params={"prefix": parent + "/" if parent else ""}).json()
    assert [(f["key"], f["name"], f["size"]) for f in listing["files"]] == [(key, name, len(data))]
    if parent:  # the parent also shows as a folder one level up
        grand = parent.rpartition("/")[0]
        upper = api.get(f"{loc}/objects", params={"prefix": grand + "/" if grand else ""}).json()
        assert [f["prefix"] for f in upper["folders"]] == [parent + "/"]

    stat = api.get(f"{loc}/object", params={"key": key})
    assert stat.status_code == 200 and stat.json()["size"] == len(data)

    r = api.get(f"{loc}/download", params={"key": key})
    assert r.status_code == 200 and r.content == data

    r = api.delete(f"{loc}/object", params={"key": key})
    assert r.status_code == 200 and r.json() == {"deleted": 1}
    assert keys_in(s3, bucket) == []
    assert api.get(f"{loc}/download", params={"key": key}).status_code == 404


def test_dot_segments_are_never_rewritten(api, bucket, s3):
    """SeaweedFS refuses `.`/`..` segments and folds `//`: the app must pass keys through verbatim
    (never normalise `a/../b` into `b`) and report the server's refusal as a 4xx."""
    loc = s3_loc(bucket)
    for key in ("x/../y.txt", "../top.txt", "a/./b.txt", ".."):
        r = api.put(f"{loc}/object", params={"key": key}, content=b"dots")
        if r.status_code == 201:  # an S3 that stores dot segments (AWS) keeps the exact key
            assert key in keys_in(s3, bucket)
            assert api.get(f"{loc}/download", params={"key": key}).content == b"dots"
        else:
            assert r.status_code == 400, r.text
            assert r.json()["error"] in ("InvalidRequest", "InvalidKey")
    assert "y.txt" not in keys_in(s3, bucket) and "top.txt" not in keys_in(s3, bucket)
    assert "b.txt" not in keys_in(s3, bucket)

    # `//`: the upload answers with the key it was given, and that key downloads and deletes.
    key = "double//slash//name.txt"
    r = api.put(f"{loc}/object", params={"key": key}, content=b"slashes")
    assert r.status_code == 201, r.text
    stored = keys_in(s3, bucket)
    assert stored in ([key], ["double/slash/name.txt"])
    assert api.get(f"{loc}/download", params={"key": key}).content == b"slashes"
    assert api.get(f"{loc}/download", params={"key": stored[0]}).content == b"slashes"
    assert api.delete(f"{loc}/object", params={"key": key}).status_code == 200
    assert keys_in(s3, bucket) == []


def test_key_length_and_shape_limits(api, bucket, s3):
    loc = s3_loc(bucket)
    too_long = LONG_KEY + "x"
    for key in (too_long, "", "ends-with-slash/", "nul\x00byte"):
        r = api.put(f"{loc}/object", params={"key": key}, content=b"x")
        assert r.status_code == 400, (key[:20], r.text)
        assert r.json()["error"] == "InvalidKey"
    assert api.put(f"{loc}/object", content=b"x").status_code == 422  # no key at all
    assert api.get(f"{loc}/object", params={"key": too_long}).status_code == 400
    assert keys_in(s3, bucket) == []


@pytest.fixture(scope="module")
def many_keys(s3):
    """A bucket with 1,150 files and 30 sub-folders under `many/` (made directly with boto3)."""
    name = f"test-many-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    files = [f"many/file-{i:05d}.txt" for i in range(1150)]
    folders = [f"many/sub-{i:02d}/" for i in range(30)]
    to_put = files + [f + "inner.txt" for f in folders] + ["many-sibling.txt", "other/x.txt"]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=name, Key=k, Body=b"x"), to_put))
    yield name, files, folders, len(to_put)


def test_listing_paginates_without_duplicates_or_gaps(api, many_keys):
    bucket, files, folders, _ = many_keys
    loc = s3_loc(bucket)
    for page_size, min_pages in ((1000, 2), (None, 12), (333, 4)):  # None: MAX_FILES_PER_PAGE (100)
        got_folders, got_files, pages = list_all(api, loc, "many/", page_size)
        assert pages >= min_pages
        assert len(got_files) == len(set(got_files)) and len(got_folders) == len(set(got_folders))
        assert sorted(got_files) == files
        assert sorted(got_folders) == folders


def test_listing_pages_are_bounded_and_search_is_a_name_prefix(api, many_keys):
    bucket, files, _, _ = many_keys
    loc = s3_loc(bucket)
    body = api.get(f"{loc}/objects", params={"prefix": "many", "page_size": 50}).json()
    assert body["prefix"] == "many/"  # a prefix without its slash is taken as the folder
    assert len(body["files"]) + len(body["folders"]) <= 50 and body["next_page_token"]

    folders, found, _ = list_all(api, loc, "many/", 1000, search="file-010")
    assert sorted(found) == [f for f in files if f.startswith("many/file-010")] and len(found) == 100
    assert folders == []
    folders, found, _ = list_all(api, loc, "many/", search="sub-1")
    assert found == [] and folders == [f"many/sub-1{i}/" for i in range(10)]

    assert api.get(f"{loc}/objects", params={"prefix": "many/", "search": "a/b"}).status_code == 400
    for bad in (0, 1001):
        r = api.get(f"{loc}/objects", params={"page_size": bad})
        assert r.status_code == 422 and r.json()["error"] == "ValidationError"

    root = api.get(f"{loc}/objects").json()
    assert [f["prefix"] for f in root["folders"]] == ["many/", "other/"]
    assert [f["key"] for f in root["files"]] == ["many-sibling.txt"]


def test_empty_bucket_with_more_than_1000_objects(api, s3, many_keys):
    bucket, _, _, count = many_keys
    r = api.delete(f"/api/buckets/{bucket}")
    assert r.status_code == 409 and r.json()["error"] == "BucketNotEmpty"
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 1000  # untouched
    r = api.delete(f"/api/buckets/{bucket}", params={"empty": "true"})
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted_objects": count}
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_exact_key_delete_leaves_prefix_siblings(api, bucket, s3):
    loc = s3_loc(bucket)
    for key in ("a.bin", "a.bin.index.json", "a.bin2", "a.bin/inner.txt", "a.bi"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    r = api.delete(f"{loc}/object", params={"key": "a.bin"})
    assert r.status_code == 200 and r.json() == {"deleted": 1}
    assert sorted(keys_in(s3, bucket)) == ["a.bi", "a.bin.index.json", "a.bin/inner.txt", "a.bin2"]
    r = api.delete(f"{loc}/object", params={"key": "a.bin"})
    assert r.status_code == 404 and r.json()["error"] == "NoSuchKey"
    assert len(keys_in(s3, bucket)) == 4


def test_chunked_upload_without_content_length(api, bucket, s3):
    """No Content-Length (a streamed body): default 8 MiB parts, still byte-identical."""
    data = os.urandom(9 * MiB + 17)

    def gen():
        view = memoryview(data)
        for start in range(0, len(data), 300_000):
            yield bytes(view[start : start + 300_000])

    r = api.put(
        f"{s3_loc(bucket)}/object",
        params={"key": "streamed.bin"},
        content=gen(),
        headers={"Content-Type": "application/x-test"},
    )
    assert r.status_code == 201, r.text
    head = s3.head_object(Bucket=bucket, Key="streamed.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-2"')
    assert head["ContentType"] == "application/x-test"
    got = s3.get_object(Bucket=bucket, Key="streamed.bin")["Body"].read()
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()


def test_small_and_empty_uploads_keep_content_type(api, bucket, s3):
    loc = s3_loc(bucket)
    r = api.put(
        f"{loc}/object",
        params={"key": "notes.md"},
        content=b"# hi",
        headers={"Content-Type": "text/markdown; charset=utf-8"},
    )
    assert r.status_code == 201
    stat = api.get(f"{loc}/object", params={"key": "notes.md"}).json()
    assert stat["content_type"] == "text/markdown; charset=utf-8" and stat["size"] == 4
    assert stat["name"] == "notes.md" and stat["etag"] and stat["last_modified"]
    assert isinstance(stat["metadata"], dict)
    r = api.get(f"{loc}/download", params={"key": "notes.md"})
    assert r.headers["content-type"].startswith("text/markdown")
    assert r.headers["x-content-type-options"] == "nosniff"

    assert api.put(f"{loc}/object", params={"key": "empty"}, content=b"").status_code == 201
    assert s3.head_object(Bucket=bucket, Key="empty")["ContentLength"] == 0
    r = api.get(f"{loc}/download", params={"key": "empty"})
    assert r.status_code == 200 and r.content == b""
    assert api.get(f"{loc}/download", params={"key": "empty"}, headers={"Range": "bytes=0-"}).status_code == 416


def test_if_none_match_refuses_to_overwrite(api, bucket, s3):
    loc = s3_loc(bucket)
    headers = {"If-None-Match": "*"}
    assert api.put(f"{loc}/object", params={"key": "k"}, content=b"first", headers=headers).status_code == 201
    r = api.put(f"{loc}/object", params={"key": "k"}, content=b"second", headers=headers)
    assert r.status_code == 412 and r.json()["error"] == "PreconditionFailed"
    big = os.urandom(9 * MiB)  # large enough for a multipart upload: refused before any part is sent
    r = api.put(f"{loc}/object", params={"key": "k"}, content=big, headers=headers)
    assert r.status_code == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"first"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # Without the header an upload replaces the object.
    assert api.put(f"{loc}/object", params={"key": "k"}, content=b"third").status_code == 201
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"third"


def _open_uploads(s3, bucket: str) -> list:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


@pytest.mark.parametrize("sent_mib", [2, 20])
def test_client_disconnect_mid_upload_leaves_nothing(live, bucket, s3, sent_mib):
    """Headers promise 64 MiB; the client sends `sent_mib` and hangs up."""
    path = f"{s3_loc(bucket)}/object?key=partial.bin"
    with raw_put(live, path, 64 * MiB, content_type="application/octet-stream") as sock:
        chunk = os.urandom(MiB)
        for _ in range(sent_mib):
            sock.sendall(chunk)
        if sent_mib > 8:  # make sure the multipart upload really started before hanging up
            assert wait_for(lambda: _open_uploads(s3, bucket), timeout=10), "no multipart upload started"
    assert wait_for(lambda: not _open_uploads(s3, bucket), timeout=10), _open_uploads(s3, bucket)
    assert keys_in(s3, bucket) == []
    # Every part slot of the shared budget came back, cancelled parts included.
    assert wait_for(lambda: live.services.s3.part_budget._value == PARTS_BUFFERED, timeout=5)


def test_range_downloads(api, bucket):
    loc = s3_loc(bucket)
    data = bytes(range(256)) * 4  # 1,024 bytes
    api.put(f"{loc}/object", params={"key": "r.bin"}, content=data)

    def get(spec):
        return api.get(f"{loc}/download", params={"key": "r.bin"}, headers={"Range": spec} if spec else {})

    r = get(None)
    assert r.status_code == 200 and r.content == data and r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-length"] == "1024"
    for spec, start, end in (
        ("bytes=0-99", 0, 99),
        ("bytes=-100", 924, 1023),
        ("bytes=1000-", 1000, 1023),
        ("bytes=1000-5000", 1000, 1023),
        ("bytes=5-5", 5, 5),
        ("bytes=-5000", 0, 1023),
    ):
        r = get(spec)
        assert r.status_code == 206, (spec, r.text)
        assert r.content == data[start : end + 1], spec
        assert r.headers["content-range"] == f"bytes {start}-{end}/1024"
        assert r.headers["content-length"] == str(end - start + 1)
    for spec in ("bytes=1024-", "bytes=2000-3000", "bytes=-0", "bytes=10-5"):
        r = get(spec)
        assert r.status_code == 416, spec
        assert r.headers["content-range"] == "bytes */1024"
        assert r.json()["error"] == "InvalidRange"
    for spec in ("bytes=0-1,5-6", "items=0-5", "bytes=abc"):  # ignored: the whole body
        r = get(spec)
        assert r.status_code == 200 and r.content == data, spec


def test_content_disposition_names_the_file_in_utf8(api, bucket):
    loc = s3_loc(bucket)
    key = 'folder/naïve "quoted" 日本\\語 %41.txt'
    api.put(f"{loc}/object", params={"key": key}, content=b"x")
    r = api.get(f"{loc}/download", params={"key": key})
    assert r.status_code == 200
    value = r.headers["content-disposition"]
    assert value.startswith("attachment;")
    star = value.split("filename*=", 1)[1]
    assert star.startswith("UTF-8''")
    assert unquote(star[len("UTF-8''") :], encoding="utf-8") == 'naïve "quoted" 日本\\語 %41.txt'
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and '"' not in fallback and "\\" not in fallback


def test_missing_objects_and_buckets_are_404(api, bucket, s3):
    loc = s3_loc(bucket)
    for method, path in (("GET", "object"), ("GET", "download"), ("DELETE", "object")):
        r = api.request(method, f"{loc}/{path}", params={"key": "nope.txt"})
        assert r.status_code == 404 and r.json()["error"] == "NoSuchKey", (method, path, r.text)
        assert "nope.txt" in r.json()["message"]
    missing = s3_loc(f"no-such-{uuid.uuid4().hex[:8]}")
    for method, path, kwargs in (
        ("GET", "objects", {}),
        ("GET", "object", {"params": {"key": "k"}}),
        ("GET", "download", {"params": {"key": "k"}}),
        ("PUT", "object", {"params": {"key": "k"}, "content": b"x"}),
        ("POST", "folders", {"json": {"prefix": "d/"}}),
    ):
        r = api.request(method, f"{missing}/{path}", **kwargs)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"] == "NoSuchBucket" and "does not exist" in r.json()["message"]
    # The embedded server runs with autoCreateBucket=false: the PUT above created nothing.
    assert not [b for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("no-such-")]


def test_folders_create_and_delete(api, bucket, s3):
    loc = s3_loc(bucket)
    r = api.post(f"{loc}/folders", json={"prefix": "new folder"})
    assert r.status_code == 201 and r.json() == {"prefix": "new folder/"}
    head = s3.head_object(Bucket=bucket, Key="new folder/")
    assert head["ContentLength"] == 0
    root = api.get(f"{loc}/objects").json()
    assert root["folders"] == [{"prefix": "new folder/", "name": "new folder"}] and root["files"] == []
    inside = api.get(f"{loc}/objects", params={"prefix": "new folder/"}).json()
    assert inside["folders"] == [] and inside["files"] == []  # its own marker is not a file
    assert api.post(f"{loc}/folders", json={"prefix": "x/y/z/"}).json() == {"prefix": "x/y/z/"}
    for bad in ({"prefix": "/"}, {"prefix": ""}, {}):
        assert api.post(f"{loc}/folders", json=bad).status_code in (400, 422)

    for key in ("a/1.txt", "a/2.txt", "a/sub/3.txt", "a/", "a-b/1.txt", "a.txt", "ab/1.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"" if key.endswith("/") else b"x")
    r = api.delete(f"{loc}/folder", params={"prefix": "a"})  # without the slash: still the folder
    assert r.status_code == 200 and r.json()["deleted"] == 3  # the marker a/ is not counted
    assert sorted(keys_in(s3, bucket)) == ["a-b/1.txt", "a.txt", "ab/1.txt", "new folder/", "x/y/z/"]
    for bad in ("", "/"):
        r = api.delete(f"{loc}/folder", params={"prefix": bad})
        assert r.status_code == 400
    assert len(keys_in(s3, bucket)) == 5


def test_selection_delete(api, bucket, s3):
    loc = s3_loc(bucket)
    for key in ("keep.txt", "k1.txt", "k1.txt.bak", "k2 #?.txt", "d1/x", "d1/y/z", "d1-keep/x", "d2/q"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    r = api.post(f"{loc}/delete", json={"keys": ["k1.txt", "k2 #?.txt"], "prefixes": ["d1/", "d2"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted": 5, "errors": []}
    assert sorted(keys_in(s3, bucket)) == ["d1-keep/x", "k1.txt.bak", "keep.txt"]
    r = api.post(f"{loc}/delete", json={"prefixes": [""]})
    assert r.status_code == 400 and len(keys_in(s3, bucket)) == 3
    r = api.post(f"{loc}/delete", json={"keys": [""]})
    assert r.status_code == 400 and len(keys_in(s3, bucket)) == 3


@pytest.mark.parametrize("size,parts", [(8 * MiB - 1, None), (8 * MiB, 1), (8 * MiB + 1, 2), (16 * MiB, 2)])
@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
def test_part_boundaries(api, bucket, s3, size, parts, announced):
    """Sizes around the 8 MiB part size, with and without Content-Length: byte-identical, and one
    PutObject below one part."""
    data = os.urandom(size)
    if announced:
        content = data
    else:

        def content():
            for start in range(0, size, 1_000_000):
                yield data[start : start + 1_000_000]

        content = content()
    r = api.put(f"{s3_loc(bucket)}/object", params={"key": "b.bin"}, content=content)
    assert r.status_code == 201, r.text
    assert r.json()["size"] == size
    etag = s3.head_object(Bucket=bucket, Key="b.bin")["ETag"].strip('"')
    assert etag.endswith(f"-{parts}") if parts else "-" not in etag
    got = s3.get_object(Bucket=bucket, Key="b.bin")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    # A range across the part boundary, through the app.
    r = api.get(
        f"{s3_loc(bucket)}/download", params={"key": "b.bin"}, headers={"Range": f"bytes={8 * MiB - 10}-{8 * MiB + 9}"}
    )
    assert r.status_code == 206 and r.content == data[8 * MiB - 10 : 8 * MiB + 10]


def test_concurrent_uploads_share_the_part_budget(live, bucket, s3):
    """Three multipart uploads at once (more parts than the shared budget of parts in flight): all
    complete byte-identical, and the budget is whole again afterwards."""
    budget = live.services.s3.part_budget
    before = budget._value
    blobs = [os.urandom(17 * MiB + i) for i in range(3)]

    def upload(i: int) -> int:
        with live.client() as c:
            return c.put(f"{s3_loc(bucket)}/object", params={"key": f"c{i}.bin"}, content=blobs[i]).status_code

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(upload, range(3))) == [201, 201, 201]
    for i, blob in enumerate(blobs):
        got = s3.get_object(Bucket=bucket, Key=f"c{i}.bin")["Body"].read()
        assert hashlib.sha256(got).digest() == hashlib.sha256(blob).digest()
    assert budget._value == before
