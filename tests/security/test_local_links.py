"""Local folders: a symlink never shows or serves what it points to outside the folder, and zip entry
names are always safe relative paths, whatever the stored names look like."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import os
import re
import uuid
import zipfile
from datetime import UTC, datetime

import pytest

from odh_tec.previews.zipstream import ZipEntry, zip_stream

OUTSIDE_SIZE = 12_345
OUTSIDE_MTIME = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def local_id(live) -> str:
    return live.services.locations.local[0].id


@pytest.fixture
def folder(local_root):
    name = f"links-{uuid.uuid4().hex[:8]}"
    path = local_root / name
    path.mkdir()
    return path, f"{name}/"


@pytest.fixture
def outside(tmp_path):
    """A file and a folder outside the local root, with a known size and an old date."""
    target = tmp_path / "secret.txt"
    target.write_bytes(b"s" * OUTSIDE_SIZE)
    os.utime(target, (OUTSIDE_MTIME, OUTSIDE_MTIME))
    directory = tmp_path / "secret-dir"
    directory.mkdir()
    (directory / "inner.txt").write_bytes(b"i" * OUTSIDE_SIZE)
    os.utime(directory, (OUTSIDE_MTIME, OUTSIDE_MTIME))
    return target, directory


def _leaks(entry: dict) -> bool:
    when = entry.get("last_modified") or ""
    return entry.get("size") == OUTSIDE_SIZE or when.startswith("2001-02-03")


def test_links_out_of_the_folder_leak_nothing(api, local_id, folder, outside):
    path, prefix = folder
    target, directory = outside
    (path / "link.txt").symlink_to(target)
    (path / "link-dir").symlink_to(directory, target_is_directory=True)
    (path / "real.txt").write_bytes(b"real")
    (path / "inside-link.txt").symlink_to(path / "real.txt")
    base = f"/api/locations/{local_id}"

    listing = api.get(f"{base}/objects", params={"prefix": prefix})
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert not [f for f in body["files"] if _leaks(f)], body["files"]
    names = {f["name"]: f for f in body["files"]}
    assert names["real.txt"]["size"] == 4
    # A link that stays inside the folder is an ordinary file.
    assert names["inside-link.txt"]["size"] == 4
    # The folder link may be listed, but opening it is refused.
    for folder_entry in body["folders"]:
        if folder_entry["name"] == "link-dir":
            r = api.get(f"{base}/objects", params={"prefix": folder_entry["prefix"]})
            assert r.status_code == 403, r.text

    # Searching (the name filter) goes through the same listing.
    found = api.get(f"{base}/objects", params={"prefix": prefix, "search": "link"}).json()
    assert not [f for f in found["files"] if _leaks(f)], found["files"]

    for route in ("download", "preview", "object"):
        r = api.get(f"{base}/{route}", params={"key": prefix + "link.txt"})
        assert r.status_code == 403, (route, r.status_code, r.text[:200])
        assert b"s" * 100 not in r.content
    r = api.get(f"{base}/download", params={"key": prefix + "link-dir/inner.txt"})
    assert r.status_code == 403

    r = api.get(f"{base}/zip", params={"prefix": prefix})
    assert r.status_code == 200
    names = sorted(zipfile.ZipFile(io.BytesIO(r.content)).namelist())
    assert names == [prefix + "inside-link.txt", prefix + "real.txt"]

    r = api.get(f"{base}/zip", params={"key": prefix + "link.txt"})
    assert r.status_code == 403


def test_dangling_and_looping_links_are_harmless(api, local_id, folder):
    path, prefix = folder
    (path / "dangling").symlink_to(path / "missing")
    (path / "loop-a").symlink_to(path / "loop-b")
    (path / "loop-b").symlink_to(path / "loop-a")
    (path / "ok.txt").write_text("ok")
    body = api.get(f"/api/locations/{local_id}/objects", params={"prefix": prefix}).json()
    assert [f["name"] for f in body["files"]] == ["ok.txt"]
    r = api.get(f"/api/locations/{local_id}/download", params={"key": prefix + "loop-a"})
    assert 400 <= r.status_code < 500


# Zip entry names ------------------------------------------------------------------------------------


def assert_safe(name: str) -> None:
    assert name, "empty entry name"
    assert not name.startswith("/"), name
    assert "\\" not in name, name
    assert not re.match(r"^[A-Za-z]:", name), name
    assert all(part not in ("", ".", "..") for part in name.split("/")), name
    assert not any(ord(c) < 32 for c in name), name


def test_zip_names_from_a_local_folder_are_sanitised(api, local_id, folder):
    path, prefix = folder
    odd = ["..\\x.txt", "a\\b.txt", "C:evil.txt", "\\lead.txt", "...", "tab\there.txt"]
    for name in odd:
        (path / name).write_text(name)
    (path / "a").mkdir()
    (path / "a" / "b.txt").write_text("real a/b")
    base = f"/api/locations/{local_id}"

    for params in ({"prefix": prefix}, {"key": [prefix + n for n in odd] + [prefix + "a/b.txt"]}):
        r = api.get(f"{base}/zip", params=params)
        assert r.status_code == 200, r.text
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        names = archive.namelist()
        assert archive.testzip() is None
        assert len(names) == len(odd) + 1 and len(set(names)) == len(names), names
        for name in names:
            assert_safe(name)
        # Every file's bytes are there, under some safe name.
        contents = sorted(archive.read(n).decode() for n in names)
        assert contents == sorted([*odd, "real a/b"])


def test_zip_names_from_s3_are_sanitised(api, bucket, s3):
    """SeaweedFS itself normalises such keys (`/abs` -> `abs`, `a\\b` -> `a/b`) and refuses `..`: a guard
    for S3 stores that keep them; the local-folder and writer tests above exercise the sanitiser."""
    keys = ["/abs.txt", "dir//double.txt", "back\\slash.txt", "ok.txt"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    stored = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    r = api.get(f"/api/locations/s3:{bucket}/zip", params={"prefix": ""})
    assert r.status_code == 200, r.text
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert len(names) == len(stored) and len(set(names)) == len(names), (stored, names)
    for name in names:
        assert_safe(name)


def test_zip_writer_sanitises_every_name():
    """The writer itself makes names safe and unique, whoever builds the entries."""
    raw = [
        "../../etc/passwd",
        "/abs/x",
        "a\\b",
        "a/b",
        "C:\\win\\x",
        "c:x",
        "a//b",
        "./c",
        "..",
        "",
        "x/../y",
        "ctl\x01name",
        "a/b",
    ]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        data = pool.submit(asyncio.run, _zip(raw)).result()
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert len(names) == len(raw) and len(set(names)) == len(names), names
    for name in names:
        assert_safe(name)
    assert "etc/passwd" in names and "a/b" in names
    assert [archive.read(n) for n in names] == [n.encode() for n in raw]


async def _zip(names: list[str]) -> bytes:
    async def entries():
        for name in names:
            yield ZipEntry(name, len(name.encode()), None, lambda n=name: _one(n.encode()))

    async def _one(data: bytes):
        yield data

    return b"".join([part async for part in zip_stream(entries())])
