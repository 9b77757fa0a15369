"""Previews never expand what a small file holds into unbounded memory, and malformed input is a 4xx
(or a plain-text fallback), never a 500. The app runs in this process, so the test's RSS is the
server's RSS."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet  # noqa: F401 - imported before any measure: the import alone is ~50 MiB
import pytest

from rss import peak_rss

MiB = 1 << 20
RSS_GROWTH_LIMIT = 150 * MiB
MAX_CELLS = 10_000  # rows × columns any table preview may send
CELL_TEXT_LIMIT = 1001  # the preview's cell limit plus its ellipsis


def put(s3, bucket: str, key: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body)


def get_preview(api, bucket: str, key: str):
    return api.get(f"/api/locations/s3:{bucket}/preview", params={"key": key})


def parquet_bytes(table_code: str, **options) -> bytes:
    """Write the table that `table_code` builds, in a child process: building a bomb allocates its
    full size, and the allocator would keep that memory here and hide the server's growth."""
    script = (
        "import io, sys, pyarrow as pa, pyarrow.parquet as pq\n"
        "MiB = 1 << 20\n"
        f"table = {table_code}\n"
        "sink = io.BytesIO()\n"
        f"pq.write_table(table, sink, compression='zstd', **{options!r})\n"
        "sys.stdout.buffer.write(sink.getvalue())\n"
    )
    return subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=120).stdout


def plain_bomb() -> bytes:
    """The issue's file: 100 rows of 4 MiB strings, zstd, no dictionary (≈14 KB, 400 MiB of text)."""
    return parquet_bytes("pa.table({'s': ['x' * (4 * MiB)] * 100})", use_dictionary=False)


def dictionary_bomb() -> bytes:
    """The same rows dictionary-encoded: < 1 KB, and its footer claims only 4 MiB uncompressed."""
    return parquet_bytes("pa.table({'id': list(range(100)), 's': ['y' * (4 * MiB)] * 100})")


def nested_bomb() -> bytes:
    """Two rows, each a list of 50 references to one 4 MiB dictionary entry (400 MiB expanded)."""
    return parquet_bytes("pa.table({'n': pa.array([['z' * (4 * MiB)] * 50] * 2, pa.list_(pa.string()))})")


def nested_dictionary_bomb() -> bytes:
    """Dictionary pages stay dictionaries below 1 MiB: 2 rows of 2,000 references to a 512 KiB entry
    (2 GiB expanded) that the footer prices at well under a megabyte."""
    return parquet_bytes("pa.table({'n': pa.array([['w' * (512 << 10)] * 2000] * 2, pa.list_(pa.string()))})")


def _check_bounded(r) -> None:
    assert r.status_code < 500, r.text[:500]
    if r.status_code >= 400:
        body = r.json()
        assert body["error"] and body["message"]
        return
    body = r.json()
    assert body["truncated"] is True
    rows, columns = body.get("rows", []), body.get("columns", [])
    assert len(rows) * max(len(columns), 1) <= MAX_CELLS
    for row in rows:
        for cell in row:
            assert not isinstance(cell, str) or len(cell) <= CELL_TEXT_LIMIT


BOMBS = [plain_bomb, dictionary_bomb, nested_bomb, nested_dictionary_bomb]


@pytest.mark.parametrize("build", BOMBS, ids=lambda f: f.__name__)
def test_parquet_bomb_is_bounded(api, bucket, s3, build):
    data = build()
    assert len(data) < 64 * 1024, len(data)  # small on disk...
    put(s3, bucket, "bomb.parquet", data)
    with peak_rss() as rss:
        r = get_preview(api, bucket, "bomb.parquet")
    print(
        f"{build.__name__}: {len(data)} bytes, status {r.status_code}, "
        f"RSS {rss['base'] / MiB:.0f} -> peak {rss['peak'] / MiB:.0f} MiB (+{rss['growth'] / MiB:.0f})"
    )
    _check_bounded(r)
    assert rss["growth"] < RSS_GROWTH_LIMIT, f"RSS grew {rss['growth'] / MiB:.0f} MiB"


def test_parquet_bomb_keeps_small_columns(api, bucket, s3):
    """A column too large to decode is left out; the small ones beside it are still shown."""
    data = parquet_bytes("pa.table({'id': list(range(100)), 's': ['x' * (4 * MiB)] * 100})", use_dictionary=False)
    put(s3, bucket, "mixed.parquet", data)
    r = get_preview(api, bucket, "mixed.parquet")
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert body["columns"] == ["id"] and body["rows"][:3] == [[0], [1], [2]]
    assert body["truncated"] is True and body["note"]
    assert [f["name"] for f in body["schema"]] == ["id", "s"]


def test_parquet_long_cells_are_cut(api, bucket, s3):
    data = parquet_bytes("pa.table({'s': ['a' * 100_000] * 5, 'b': [b'\\x01' * 50_000] * 5})")
    put(s3, bucket, "long.parquet", data)
    r = get_preview(api, bucket, "long.parquet")
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert len(body["rows"]) == 5
    for text, blob in body["rows"]:
        assert text.startswith("aaa") and len(text) <= CELL_TEXT_LIMIT
        assert blob.startswith("0x0101") and len(blob) <= CELL_TEXT_LIMIT + 2


def test_parquet_wide_table_is_bounded(api, bucket, s3):
    put(s3, bucket, "wide.parquet", parquet_bytes("pa.table({f'c{i}': list(range(100)) for i in range(3000)})"))
    r = get_preview(api, bucket, "wide.parquet")
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert body["rows"] and len(body["rows"]) * len(body["columns"]) <= MAX_CELLS
    assert body["truncated"] is True


def test_parquet_nested_cells_are_bounded(api, bucket, s3):
    rows = "[{'messages': [{'role': 'user', 'content': 'hi ' * 2000}] * 500}] * 20"
    put(s3, bucket, "chat.parquet", parquet_bytes(f"pa.Table.from_pylist({rows})"))
    r = get_preview(api, bucket, "chat.parquet")
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert len(body["rows"]) == 20
    cell = body["rows"][0][0]
    assert isinstance(cell, str) and "user" in cell and len(cell) <= CELL_TEXT_LIMIT


def test_corrupt_parquet_is_not_a_500(api, bucket, s3):
    put(s3, bucket, "junk.parquet", b"PAR1" + b"\xff" * 5000 + b"\xff\xff\xff\x7fPAR1")
    r = get_preview(api, bucket, "junk.parquet")
    assert 400 <= r.status_code < 500, r.text[:500]
    assert r.json()["message"]


def _json_ok(r) -> dict | None:
    """A 4xx with the app's error shape, or a 200 text/json preview."""
    assert r.status_code < 500, r.text[:500]
    if r.status_code >= 400:
        assert r.json()["error"] and r.json()["message"]
        return None
    body = r.json()
    assert body["kind"] in ("json", "text")
    return body


@pytest.mark.parametrize("depth", [950, 5_000, 100_000])
def test_deep_json_is_not_a_500(api, bucket, s3, depth):
    put(s3, bucket, "deep.json", ("[" * depth + "]" * depth).encode())
    body = _json_ok(get_preview(api, bucket, "deep.json"))
    if body is not None:
        assert body["text"].startswith("[")


def test_deep_object_json_is_not_a_500(api, bucket, s3):
    depth = 50_000
    put(s3, bucket, "deep-obj.json", ('{"a":' * depth + "1" + "}" * depth).encode())
    _json_ok(get_preview(api, bucket, "deep-obj.json"))


def test_large_json_is_bounded(api, bucket, s3):
    # Just under the pretty-printing limit, but a million tiny values: pretty text is cut, memory bounded.
    small = json.dumps([0] * 400_000, separators=(",", ":")).encode()
    put(s3, bucket, "many.json", small)
    with peak_rss() as rss:
        body = _json_ok(get_preview(api, bucket, "many.json"))
    assert body is not None and body["truncated"] is True
    assert len(body["text"].encode()) <= 256 * 1024
    assert rss["growth"] < RSS_GROWTH_LIMIT

    big = json.dumps([{"k": "v" * 100}] * 60_000).encode()  # ≈ 7 MB: shown as text, cut
    put(s3, bucket, "big.json", big)
    body = _json_ok(get_preview(api, bucket, "big.json"))
    assert body is not None and body["truncated"] is True
    assert len(body["text"].encode()) <= 256 * 1024


def test_deep_jsonl_is_not_a_500(api, bucket, s3):
    deep = "[" * 100_000 + "]" * 100_000
    lines = ['{"a": 1}', deep, '{"a": 2}']
    put(s3, bucket, "deep.jsonl", "\n".join(lines).encode() + b"\n")
    r = get_preview(api, bucket, "deep.jsonl")
    assert r.status_code < 500, r.text[:500]
    if r.status_code == 200:
        body = r.json()
        assert len(body["rows"]) == 3
        for row in body["rows"]:
            for cell in row:
                assert not isinstance(cell, str) or len(cell) <= CELL_TEXT_LIMIT


def test_wide_jsonl_is_bounded(api, bucket, s3):
    # 100 records of 1,000 distinct keys each: 100,000 columns × 100 rows if nothing bounds it.
    lines = [json.dumps({f"k{r}_{i}": 0 for i in range(1000)}) for r in range(100)]
    put(s3, bucket, "wide.jsonl", ("\n".join(lines) + "\n").encode()[: 1024 * 1024 - 1])
    with peak_rss() as rss:
        r = get_preview(api, bucket, "wide.jsonl")
    assert r.status_code < 500, r.text[:500]
    if r.status_code == 200:
        body = r.json()
        assert len(body["rows"]) * len(body["columns"]) <= MAX_CELLS and body["truncated"] is True
    assert rss["growth"] < RSS_GROWTH_LIMIT


def test_ragged_csv_is_bounded(api, bucket, s3):
    # One 400,000-column row then 99 one-column rows: 40 M cells if the table is padded to the widest.
    data = ",".join(["h"] * 400_000) + "\n" + "".join(f"{i}\n" for i in range(99))
    put(s3, bucket, "ragged.csv", data.encode())
    with peak_rss() as rss:
        r = get_preview(api, bucket, "ragged.csv")
    assert r.status_code < 500, r.text[:500]
    if r.status_code == 200:
        body = r.json()
        assert len(body["rows"]) * max(len(body["columns"]), 1) <= MAX_CELLS and body["truncated"] is True
    assert rss["growth"] < RSS_GROWTH_LIMIT
