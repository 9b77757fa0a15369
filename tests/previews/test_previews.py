"""Preview and zip endpoints against the real S3 (SeaweedFS)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import json
import os
import struct
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from odh_tec.previews.zipstream import ZipEntry, zip_stream


def put(s3, bucket: str, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)


def preview(api, bucket: str, key: str) -> dict:
    r = api.get(f"/api/locations/s3:{bucket}/preview", params={"key": key})
    assert r.status_code == 200, r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"].startswith("sandbox")
    return r.json()


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005050200a2d5e1c70000000049454e44ae426082"
)


def test_text_preview_with_language_and_truncation(api, bucket, s3):
    put(s3, bucket, "src/app.py", "print('héllo')\n".encode())
    result = preview(api, bucket, "src/app.py")
    assert result["kind"] == "text" and result["language"] == "python"
    assert result["text"] == "print('héllo')\n" and result["truncated"] is False

    big = ("é" * 200_000).encode()  # 400 kB, a 2-byte character straddles the 256 KiB limit
    put(s3, bucket, "big.log", big)
    result = preview(api, bucket, "big.log")
    assert result["kind"] == "text" and result["truncated"] is True
    assert result["text"] == "é" * (256 * 1024 // 2)


def test_invalid_utf8_is_replaced(api, bucket, s3):
    put(s3, bucket, "notes.txt", b"caf\xe9 ok\n")
    result = preview(api, bucket, "notes.txt")
    assert result["kind"] == "text" and result["text"] == "caf\ufffd ok\n"


def test_unknown_extension_sniffed(api, bucket, s3):
    put(s3, bucket, "plain", b"just text\n")
    put(s3, bucket, "blob", os.urandom(1000) + b"\x00")
    assert preview(api, bucket, "plain")["kind"] == "text"
    assert preview(api, bucket, "blob")["kind"] == "binary"
    put(s3, bucket, "model.safetensors", b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    assert preview(api, bucket, "model.safetensors")["kind"] == "binary"


def test_csv_tsv_and_jsonl_tables(api, bucket, s3):
    rows = "name,size\n" + "".join(f"row{i},{i}\n" for i in range(150))
    put(s3, bucket, "data.csv", rows.encode())
    result = preview(api, bucket, "data.csv")
    assert result["kind"] == "table" and result["format"] == "csv"
    assert result["columns"] == ["name", "size"]
    assert len(result["rows"]) == 100 and result["rows"][0] == ["row0", "0"]
    assert result["truncated"] is True

    put(s3, bucket, "data.tsv", b'a\tb\n1\t"x, y"\n')
    result = preview(api, bucket, "data.tsv")
    assert result["columns"] == ["a", "b"] and result["rows"] == [["1", "x, y"]]
    assert result["truncated"] is False

    lines = [{"text": "hi", "n": 1}, {"text": "yo", "extra": [1, 2]}]
    put(s3, bucket, "train.jsonl", "\n".join(json.dumps(x) for x in lines).encode())
    result = preview(api, bucket, "train.jsonl")
    assert result["kind"] == "table" and result["columns"] == ["text", "n", "extra"]
    assert result["rows"] == [["hi", 1, None], ["yo", None, "[1, 2]"]]


def test_json_pretty_printed(api, bucket, s3):
    put(s3, bucket, "config.json", b'{"a":1,"b":[1,2],"name":"\xc3\xa9"}')
    result = preview(api, bucket, "config.json")
    assert result["kind"] == "json"
    assert result["text"] == json.dumps({"a": 1, "b": [1, 2], "name": "é"}, indent=2, ensure_ascii=False)
    put(s3, bucket, "broken.json", b'{"a":')
    assert preview(api, bucket, "broken.json")["kind"] == "text"


def test_parquet_schema_and_rows_with_range_requests(api, bucket, s3):
    n = 200_000
    table = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "text": pa.array([f"sample text number {i} " + os.urandom(8).hex() for i in range(n)]),
            "score": pa.array([i / 7 for i in range(n)], pa.float64()),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=20_000, compression="snappy")
    data = sink.getvalue()
    put(s3, bucket, "data/train.parquet", data)
    result = preview(api, bucket, "data/train.parquet")
    assert result["kind"] == "parquet"
    assert [c["name"] for c in result["schema"]] == ["id", "text", "score"]
    assert result["schema"][0]["type"] == "int64"
    assert result["num_rows"] == n and result["num_row_groups"] == 10
    assert len(result["rows"]) == 100 and result["rows"][3][0] == 3 and result["truncated"] is True
    # Footer plus the first row group only: far less than the file.
    assert result["bytes_read"] < len(data) / 4, (result["bytes_read"], len(data))


def test_image_preview_and_raw_headers(api, bucket, s3):
    put(s3, bucket, "pics/dot.png", PNG, "text/html")  # a lying stored content type is ignored
    result = preview(api, bucket, "pics/dot.png")
    assert result["kind"] == "image" and result["image_type"] == "image/png"
    r = api.get(f"/api/locations/s3:{bucket}/preview/raw", params={"key": "pics/dot.png"})
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-security-policy"].startswith("sandbox")
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "evil.htm", "evil.xhtml", "evil.js"])
def test_scriptable_files_are_text_and_never_raw(api, bucket, s3, name):
    body = (
        b"<html><script>alert(1)</script></html>"
        if not name.endswith("svg")
        else b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    )
    put(s3, bucket, name, body, "text/html")
    result = preview(api, bucket, name)
    assert result["kind"] == "text" and result["text"] == body.decode()
    r = api.get(f"/api/locations/s3:{bucket}/preview/raw", params={"key": name})
    assert r.status_code == 415 and r.json()["error"] == "UnsupportedMediaType"
    assert "html" not in r.headers["content-type"]


def test_preview_errors(api, bucket):
    r = api.get(f"/api/locations/s3:{bucket}/preview", params={"key": "missing.txt"})
    assert r.status_code == 404 and r.json()["error"] == "NoSuchKey"
    r = api.get(f"/api/locations/s3:{bucket}/preview", params={"key": ""})
    assert r.status_code == 400


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_zip_folder_round_trip(api, bucket, s3):
    files = {
        "models/m/config.json": b'{"hidden": 4096}' * 100,
        "models/m/model.safetensors": os.urandom(9 * 1024 * 1024 + 17),
        "models/m/sub/dir/tokenizer.json": "ünïcode".encode() * 1000,
        "models/m/empty.txt": b"",
        "models/other.txt": b"not in the zip",
    }
    for key, body in files.items():
        put(s3, bucket, key, body)
    r = api.get(f"/api/locations/s3:{bucket}/zip", params={"prefix": "models/m/"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith('attachment; filename="m.zip"')
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    got = {i.filename: archive.read(i) for i in archive.infolist()}
    expected = {k[len("models/") :]: v for k, v in files.items() if k.startswith("models/m/")}
    assert {k: _sha(v) for k, v in got.items()} == {k: _sha(v) for k, v in expected.items()}
    methods = {i.filename: i.compress_type for i in archive.infolist()}
    assert methods["m/model.safetensors"] == zipfile.ZIP_STORED
    assert methods["m/config.json"] == zipfile.ZIP_DEFLATED


def test_zip_selection_and_whole_location(api, bucket, s3):
    put(s3, bucket, "a/one.txt", b"1")
    put(s3, bucket, "a/two.bin", b"2" * 1000)
    put(s3, bucket, "a/sub/three.txt", b"3")
    put(s3, bucket, "b/four.txt", b"4")
    r = api.get(
        f"/api/locations/s3:{bucket}/zip", params=[("key", "a/one.txt"), ("key", "a/two.bin"), ("prefix", "a/sub/")]
    )
    assert r.status_code == 200
    names = sorted(zipfile.ZipFile(io.BytesIO(r.content)).namelist())
    assert names == ["one.txt", "sub/three.txt", "two.bin"]
    r = api.get(f"/api/locations/s3:{bucket}/zip", params={"prefix": ""})
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(archive.namelist()) == ["a/one.txt", "a/sub/three.txt", "a/two.bin", "b/four.txt"]
    assert archive.read("b/four.txt") == b"4"


def test_zip_errors(api, bucket):
    r = api.get(f"/api/locations/s3:{bucket}/zip")
    assert r.status_code == 400
    r = api.get(f"/api/locations/s3:{bucket}/zip", params={"key": "nope.txt"})
    assert r.status_code == 404
    r = api.get("/api/locations/s3:no-such-bucket-xyz/zip", params={"prefix": "a/"})
    assert r.status_code == 404 and r.json()["error"] == "NoSuchBucket"


def test_zip_writer_zip64_member_offsets():
    """Offsets and sizes above 4 GiB are written as ZIP64 fields (checked without writing 4 GiB)."""
    # In a thread of its own: the browser suite's Playwright may own this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _zip64_member_offsets()).result()


async def _zip64_member_offsets():
    big = 5 * (1 << 30)

    async def zeros():
        chunk = bytes(1 << 20)
        for _ in range(big // len(chunk)):
            yield chunk

    async def entries():
        yield ZipEntry("big.bin", big, None, zeros)
        yield ZipEntry("after.bin", 3, None, lambda: _one(b"abc"))

    async def _one(data):
        yield data

    total = 0
    tail = b""
    async for part in zip_stream(entries()):
        total += len(part)
        tail = (tail + part)[-4096:]
    assert total > big
    # The last central-directory record (after.bin) holds its local header offset (> 4 GiB) in ZIP64.
    at = tail.rindex(b"after.bin")
    size, compressed, offset = struct.unpack("<QQQ", tail[at + 9 + 4 : at + 9 + 28])
    assert (size, compressed) == (3, 3) and offset > big
    eocd = tail[-22:]
    assert eocd[:4] == b"PK\x05\x06"


def test_local_folder_preview_and_zip(api, local_root):
    folder = local_root / "preview-local"
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "notes.md").write_text("# local\n")
    (folder / "sub" / "rows.csv").write_text("a,b\n1,2\n")
    location = next(loc["id"] for loc in api.get("/api/locations").json()["locations"] if loc["kind"] == "local")
    result = api.get(f"/api/locations/{location}/preview", params={"key": "preview-local/notes.md"}).json()
    assert result["kind"] == "text" and result["language"] == "markdown" and result["text"] == "# local\n"
    result = api.get(f"/api/locations/{location}/preview", params={"key": "preview-local/sub/rows.csv"}).json()
    assert result["rows"] == [["1", "2"]]
    r = api.get(f"/api/locations/{location}/zip", params={"prefix": "preview-local/"})
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(archive.namelist()) == ["preview-local/notes.md", "preview-local/sub/rows.csv"]
