"""The same object routes on a local (PVC) folder: round trips, listing, deletes, and traversal."""

from __future__ import annotations

import hashlib
import os

import pytest

from .helpers import raw_put, wait_for

MiB = 1 << 20

LOCAL_KEYS = [
    "with space.txt",
    "ünïcödé/日本語のファイル.txt",
    "hash#tag.txt",
    "question?mark=1&b=2.txt",
    "percent%20%2F%.txt",
    "plus+sign.txt",
    "%2e%2e/not-a-dotdot.txt",
    # 85 three-byte characters: a 255-byte file name, the most a Linux file system allows.
    "long/" + "名" * 85,
    "LONG",  # 1,024 bytes in all (with the test's folder), in segments short enough for a file system
]


def loc(local_id: str) -> str:
    return f"/api/locations/{local_id}"


def files_under(path) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), path) for d, _, fs in os.walk(path) for f in fs)


def test_local_location_is_listed(api, local_id, local_root):
    body = api.get("/api/locations").json()
    local = [loc for loc in body["locations"] if loc["kind"] == "local"]
    assert local == [
        {
            "id": local_id,
            "kind": "local",
            "name": local_id.split(":", 1)[1],
            "path": str(local_root),
            "available": True,
            "default": False,
        }
    ]


@pytest.mark.parametrize("key", LOCAL_KEYS, ids=lambda k: k[:20])
def test_local_round_trip(api, local_id, local_dir, key):
    path, prefix = local_dir
    if key == "LONG":
        key = "/".join(["d" * 200] * 4)
        key += "/" + "f" * (1024 - len(prefix) - len(key) - 1)
    full = prefix + key
    assert len(full.encode()) <= 1024
    data = os.urandom(2000)
    r = api.put(f"{loc(local_id)}/object", params={"key": full}, content=data)
    assert r.status_code == 201, r.text
    assert r.json()["key"] == full and r.json()["size"] == len(data)
    assert files_under(path) == [key]  # no temporary file left beside it
    assert (path / key).read_bytes() == data

    parent, _, name = full.rpartition("/")
    listing = api.get(f"{loc(local_id)}/objects", params={"prefix": parent + "/"}).json()
    assert [(f["key"], f["name"], f["size"]) for f in listing["files"]] == [(full, name, len(data))]
    stat = api.get(f"{loc(local_id)}/object", params={"key": full}).json()
    assert stat["size"] == len(data) and stat["content_type"]
    r = api.get(f"{loc(local_id)}/download", params={"key": full})
    assert r.status_code == 200 and r.content == data
    r = api.delete(f"{loc(local_id)}/object", params={"key": full})
    assert r.status_code == 200 and r.json() == {"deleted": 1}
    assert files_under(path) == []
    assert api.get(f"{loc(local_id)}/download", params={"key": full}).status_code == 404


def test_local_double_slashes_fold_into_one(api, local_id, local_dir):
    path, prefix = local_dir
    r = api.put(f"{loc(local_id)}/object", params={"key": prefix + "a//b.txt"}, content=b"x")
    assert r.status_code == 201
    assert files_under(path) == ["a/b.txt"]
    assert api.get(f"{loc(local_id)}/download", params={"key": prefix + "a//b.txt"}).content == b"x"


def test_local_name_too_long_is_a_clear_400(api, local_id, local_dir):
    path, prefix = local_dir
    r = api.put(f"{loc(local_id)}/object", params={"key": prefix + "n" * 300}, content=b"x")
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "InvalidKey"
    assert files_under(path) == []


def test_local_large_upload_round_trips(api, local_id, local_dir):
    _path, prefix = local_dir
    data = os.urandom(12 * MiB + 5)
    r = api.put(f"{loc(local_id)}/object", params={"key": prefix + "big.bin"}, content=data)
    assert r.status_code == 201
    got = api.get(f"{loc(local_id)}/download", params={"key": prefix + "big.bin"}).content
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def test_local_listing_paginates_without_duplicates_or_gaps(api, local_id, local_dir):
    path, prefix = local_dir
    files = [f"file-{i:05d}.txt" for i in range(1120)]
    for name in files:
        (path / name).write_bytes(b"x")
    folders = [f"sub-{i:02d}" for i in range(15)]
    for name in folders:
        (path / name).mkdir()
    (path / f".x{'.odh-tec-partial-'}abc").write_bytes(b"half")  # an upload in progress is hidden
    for page_size in (1000, 100, 7):
        got_files, got_folders, token, pages = [], [], None, 0
        while True:
            params = {"prefix": prefix, "page_size": page_size}
            if token:
                params["page_token"] = token
            body = api.get(f"{loc(local_id)}/objects", params=params).json()
            assert len(body["files"]) + len(body["folders"]) <= page_size
            got_files += [f["key"] for f in body["files"]]
            got_folders += [f["prefix"] for f in body["folders"]]
            pages += 1
            token = body["next_page_token"]
            if not token:
                break
        assert pages == -(-(len(files) + len(folders)) // page_size)
        assert got_files == [prefix + f for f in files]
        assert got_folders == [f"{prefix}{f}/" for f in folders]
    body = api.get(f"{loc(local_id)}/objects", params={"prefix": prefix, "search": "sub-1"}).json()
    assert [f["name"] for f in body["folders"]] == [f"sub-1{i}" for i in range(5)] and body["files"] == []


def test_local_exact_delete_folders_and_selection(api, local_id, local_dir):
    path, prefix = local_dir
    for rel in ("a.bin", "a.bin.index.json", "a/1.txt", "a/sub/2.txt", "a-b/3.txt", "k1", "k2", "d/x", "d/y/z"):
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_bytes(b"x")
    base = loc(local_id)
    assert api.delete(f"{base}/object", params={"key": prefix + "a.bin"}).json() == {"deleted": 1}
    assert (path / "a.bin.index.json").exists() and not (path / "a.bin").exists()
    r = api.delete(f"{base}/object", params={"key": prefix + "a"})
    assert r.status_code == 400  # a folder is deleted as a folder
    r = api.delete(f"{base}/folder", params={"prefix": prefix + "a"})
    assert r.status_code == 200 and r.json() == {"deleted": 2}
    assert (path / "a-b" / "3.txt").exists() and not (path / "a").exists()
    r = api.post(f"{base}/delete", json={"keys": [prefix + "k1", prefix + "k2"], "prefixes": [prefix + "d/"]})
    assert r.status_code == 200 and r.json() == {"deleted": 4, "errors": []}
    assert files_under(path) == ["a-b/3.txt", "a.bin.index.json"]
    r = api.post(f"{base}/delete", json={"keys": [prefix + "missing"]})
    assert r.json()["deleted"] == 0 and r.json()["errors"][0]["error"] == "NoSuchKey"

    r = api.post(f"{base}/folders", json={"prefix": prefix + "new/deep"})
    assert r.status_code == 201 and (path / "new" / "deep").is_dir()
    listing = api.get(f"{base}/objects", params={"prefix": prefix}).json()
    assert [f["name"] for f in listing["folders"]] == ["a-b", "new"]
    r = api.post(f"{base}/folders", json={"prefix": prefix + "a.bin.index.json"})
    assert r.status_code == 400  # a file is in the way
    for bad in ("", "/", "."):
        assert api.delete(f"{base}/folder", params={"prefix": bad}).status_code == 400
    assert (path / "a-b" / "3.txt").exists()


def test_local_if_none_match_and_ranges(api, local_id, local_dir):
    path, prefix = local_dir
    base = loc(local_id)
    key = prefix + "r.bin"
    data = bytes(range(256)) * 4
    assert (
        api.put(f"{base}/object", params={"key": key}, content=data, headers={"If-None-Match": "*"}).status_code == 201
    )
    r = api.put(f"{base}/object", params={"key": key}, content=b"other", headers={"If-None-Match": "*"})
    assert r.status_code == 412 and (path / "r.bin").read_bytes() == data
    assert files_under(path) == ["r.bin"]
    r = api.get(f"{base}/download", params={"key": key}, headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == data[100:200]
    assert r.headers["content-range"] == "bytes 100-199/1024"
    r = api.get(f"{base}/download", params={"key": key}, headers={"Range": "bytes=-24"})
    assert r.status_code == 206 and r.content == data[-24:]
    r = api.get(f"{base}/download", params={"key": key}, headers={"Range": "bytes=1024-"})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */1024"
    assert "attachment" in r.headers.get("content-disposition", "attachment")


def test_local_disconnect_mid_upload_leaves_nothing(live, local_id, local_dir):
    path, prefix = local_dir
    with raw_put(live, f"{loc(local_id)}/object?key={prefix}partial.bin", 64 * MiB) as sock:
        for _ in range(4):
            sock.sendall(os.urandom(MiB))
        # The temporary file exists while the upload runs (so the test sees the upload start)...
        assert wait_for(lambda: files_under(path) != [], timeout=5)
        assert all(".odh-tec-partial-" in f for f in files_under(path))
        listing = live.client().get(f"{loc(local_id)}/objects", params={"prefix": prefix}).json()
        assert listing["files"] == []  # ...but is never listed
    assert wait_for(lambda: files_under(path) == [], timeout=5), files_under(path)


@pytest.fixture
def outside(tmp_path):
    """A folder outside the local location, with a secret file and a symlink to it from inside."""
    target = tmp_path / "outside"
    target.mkdir()
    (target / "secret.txt").write_text("do not leak")
    return target


TRAVERSAL_KEYS = [
    "../escape.txt",
    "a/../../escape.txt",
    "..",
    "/etc/passwd",
    "/tmp/escape.txt",
    "nul\x00byte.txt",
    "C:\\escape.txt",
    "\\\\server\\share",
]


def test_traversal_is_refused_and_nothing_is_written_outside(api, local_id, local_dir, local_root, outside):
    path, prefix = local_dir
    base = loc(local_id)
    (path / "link-out").symlink_to(outside, target_is_directory=True)
    (path / "file-link").symlink_to(outside / "secret.txt")
    before_parent = sorted(os.listdir(local_root.parent))
    keys = TRAVERSAL_KEYS + [prefix + k for k in TRAVERSAL_KEYS if not k.startswith(("/", "C:", "\\"))]
    keys += [
        prefix + "link-out/secret.txt",
        prefix + "link-out/new.txt",
        prefix + "link-out/deeper/new.txt",
        prefix + "file-link",
    ]
    for key in keys:
        expected = (403,) if "link" in key else (400, 403)
        checks = [
            ("PUT", "object", {"params": {"key": key}, "content": b"pwned"}),
            ("GET", "object", {"params": {"key": key}}),
            ("GET", "download", {"params": {"key": key}}),
            ("DELETE", "object", {"params": {"key": key}}),
        ]
        for method, route, kwargs in checks:
            r = api.request(method, f"{base}/{route}", **kwargs)
            assert r.status_code in expected, (key, method, route, r.status_code, r.text)
            assert r.json()["error"] in ("InvalidKey", "PathOutsideRoot")
            assert "do not leak" not in r.text
    for prefix_attempt in ("../", "a/../../", prefix + "link-out/", "/etc/", prefix + "../../", "a\x00/"):
        for method, route, kwargs in (
            ("GET", "objects", {"params": {"prefix": prefix_attempt}}),
            ("DELETE", "folder", {"params": {"prefix": prefix_attempt}}),
            ("POST", "folders", {"json": {"prefix": prefix_attempt + "made"}}),
            ("POST", "delete", {"json": {"prefixes": [prefix_attempt]}}),
        ):
            r = api.request(method, f"{base}/{route}", **kwargs)
            if prefix_attempt == "/etc/" and route == "folders":
                # A leading '/' in a new folder's name is dropped: the folder is made inside the root.
                assert r.status_code == 201 and r.json()["prefix"] == "etc/made/", r.text
                assert (local_root / "etc" / "made").is_dir()
                (local_root / "etc" / "made").rmdir()
                (local_root / "etc").rmdir()
                continue
            assert r.status_code in (400, 403), (prefix_attempt, method, route, r.text)
    r = api.post(f"{base}/delete", json={"keys": [prefix + "link-out/secret.txt", "../escape.txt"]})
    assert r.json()["deleted"] == 0 and len(r.json()["errors"]) == 2

    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "do not leak"
    assert sorted(os.listdir(local_root.parent)) == before_parent
    assert not os.path.exists("/tmp/escape.txt")
    assert sorted(os.listdir(path)) == ["file-link", "link-out"]


def test_symlinks_inside_the_root_still_work(api, local_id, local_dir):
    path, prefix = local_dir
    (path / "real").mkdir()
    (path / "real" / "f.txt").write_bytes(b"inside")
    (path / "alias").symlink_to(path / "real", target_is_directory=True)
    r = api.get(f"{loc(local_id)}/download", params={"key": prefix + "alias/f.txt"})
    assert r.status_code == 200 and r.content == b"inside"


def test_unavailable_local_folder(make_live, tmp_path):
    present = tmp_path / "data"
    present.mkdir()
    server = make_live(local_storage_paths=f"{present}, {tmp_path / 'missing'} ,{tmp_path / 'other' / 'data'}")
    with server.client() as c:
        local = [loc for loc in c.get("/api/locations").json()["locations"] if loc["kind"] == "local"]
        assert [(loc["id"], loc["available"]) for loc in local] == [
            ("local:data", True),
            ("local:missing", False),
            ("local:data-2", False),
        ]
        r = c.get("/api/locations/local:missing/objects")
        assert r.status_code == 404 and r.json()["error"] == "NoSuchLocation"
        r = c.put("/api/locations/local:missing/object", params={"key": "x"}, content=b"x")
        assert r.status_code == 404
        assert not (tmp_path / "missing").exists()
        r = c.get("/api/locations/local:nope/objects")
        assert r.status_code == 404 and r.json()["error"] == "NoSuchLocation"
