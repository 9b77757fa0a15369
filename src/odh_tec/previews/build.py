"""Build the JSON preview of one object: which kind it is and the part of it the UI shows."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import json
import math
from typing import Any

from odh_tec.previews.parquet import ParquetLimits, read_parquet_head
from odh_tec.storage.base import ByteRange, ObjectInfo, Storage

KiB = 1 << 10
MiB = 1 << 20
TEXT_LIMIT = 256 * KiB
TABLE_READ_LIMIT = 1 * MiB
TABLE_ROWS = 100
# A table preview sends at most this many cells (rows × columns) and columns: a ragged CSV line or
# JSON lines with many distinct keys would otherwise pad every row to the widest.
MAX_CELLS = 10_000
MAX_COLUMNS = 100
JSON_PRETTY_LIMIT = 1 * MiB
CELL_LIMIT = 1000
SNIFF_BYTES = 8 * KiB
PARQUET_LIMITS = ParquetLimits(rows=TABLE_ROWS, max_columns=MAX_COLUMNS, max_cells=MAX_CELLS, cell_chars=CELL_LIMIT)

# The only content types /preview/raw ever answers with. No SVG (it can carry script), no HTML.
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
}

# Extension -> language hint for the UI's highlighter. Everything here previews as text.
LANGUAGES = {
    "py": "python",
    "pyi": "python",
    "ipynb": "json",
    "js": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "jsx": "javascript",
    "ts": "typescript",
    "tsx": "typescript",
    "json": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "toml": "toml",
    "ini": "ini",
    "cfg": "ini",
    "conf": "ini",
    "env": "ini",
    "properties": "ini",
    "sh": "shell",
    "bash": "shell",
    "zsh": "shell",
    "md": "markdown",
    "markdown": "markdown",
    "rst": "text",
    "txt": "text",
    "log": "text",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "svg": "xml",
    "xml": "xml",
    "css": "css",
    "scss": "css",
    "sql": "sql",
    "go": "go",
    "rs": "rust",
    "java": "java",
    "kt": "kotlin",
    "c": "c",
    "h": "c",
    "cc": "cpp",
    "cpp": "cpp",
    "hpp": "cpp",
    "cu": "cpp",
    "rb": "ruby",
    "php": "php",
    "r": "r",
    "jl": "julia",
    "lua": "lua",
    "swift": "swift",
    "scala": "scala",
    "dockerfile": "dockerfile",
    "containerfile": "dockerfile",
    "tf": "hcl",
    "gitattributes": "text",
    "gitignore": "text",
    "jinja": "text",
    "j2": "text",
    "tpl": "text",
    "csv": "text",
    "tsv": "text",
    "jsonl": "json",
    "ndjson": "json",
    "vocab": "text",
    "model_card": "text",
}
NAMED_FILES = {
    "dockerfile": "dockerfile",
    "containerfile": "dockerfile",
    "makefile": "makefile",
    "license": "text",
    "readme": "text",
    "notice": "text",
    "authors": "text",
    "merges.txt": "text",
}


def extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    if "." not in base.lstrip("."):
        return base.lstrip(".") if base.startswith(".") else ""
    return base.rsplit(".", 1)[-1]


def image_type(name: str) -> str | None:
    """The allow-listed image content type for `name`, or None."""
    return IMAGE_TYPES.get(extension(name))


def language_for(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1].lower()
    if base in NAMED_FILES:
        return NAMED_FILES[base]
    return LANGUAGES.get(extension(name))


async def read_head(storage: Storage, info: ObjectInfo, limit: int) -> bytes:
    """The first `limit` bytes of an object (one range request)."""
    if info.size == 0 or limit <= 0:
        return b""
    end = min(limit, info.size) - 1
    parts = []
    async for chunk in storage.read(info.key, ByteRange(0, end)):
        parts.append(chunk)
    return b"".join(parts)[: end + 1]


def decode_utf8(data: bytes, *, complete: bool) -> str:
    """UTF-8 with replacement characters; a multi-byte sequence cut by the limit is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return decoder.decode(data, final=complete)


def looks_binary(data: bytes) -> bool:
    sample = data[:SNIFF_BYTES]
    if b"\x00" in sample:
        return True
    text = decode_utf8(sample, complete=len(data) <= SNIFF_BYTES)
    return text.count("\ufffd") > max(8, len(text) // 100)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        text = value[: CELL_LIMIT // 2].hex()
        return f"0x{text}" + ("…" if len(value) > CELL_LIMIT // 2 else "")
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list):
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (RecursionError, ValueError):
            text = "(too deeply nested to show)"
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= CELL_LIMIT else text[:CELL_LIMIT] + "…"


def _table_shape(width: int, rows: int) -> tuple[int, int]:
    """(columns, rows) to send: at most MAX_COLUMNS columns and MAX_CELLS cells."""
    width = min(width, MAX_COLUMNS)
    return width, min(rows, MAX_CELLS // max(1, width))


def _base(info: ObjectInfo, kind: str, truncated: bool) -> dict:
    return {
        "kind": kind,
        "truncated": truncated,
        "key": info.key,
        "name": info.name,
        "size": info.size,
        "content_type": info.content_type,
    }


async def text_preview(
    storage: Storage, info: ObjectInfo, head: bytes | None = None, language: str | None = None
) -> dict:
    if head is None or len(head) < min(info.size, TEXT_LIMIT):
        head = await read_head(storage, info, TEXT_LIMIT)
    head = head[:TEXT_LIMIT]
    truncated = info.size > len(head)
    return {
        **_base(info, "text", truncated),
        "language": language or language_for(info.name) or "text",
        "text": decode_utf8(head, complete=not truncated),
        "bytes_shown": len(head),
    }


async def delimited_preview(storage: Storage, info: ObjectInfo, delimiter: str) -> dict:
    head = await read_head(storage, info, TABLE_READ_LIMIT)
    partial = info.size > len(head)
    text = decode_utf8(head, complete=not partial).lstrip("\ufeff")
    if partial and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the line the read limit cut
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    header: list[str] | None = None
    more = False
    try:
        for row in reader:
            if header is None:
                header = row
                continue
            if len(rows) == TABLE_ROWS:
                more = True
                break
            rows.append(row)
    except csv.Error:
        more = True
    header = header or []
    full_width = max([len(header), *(len(r) for r in rows)], default=0)
    width, count = _table_shape(full_width, len(rows))
    more = more or width < full_width or count < len(rows)
    columns = [header[i] if i < len(header) and header[i] else f"column_{i + 1}" for i in range(width)]
    table = [[_cell(r[i]) if i < len(r) else None for i in range(width)] for r in rows[:count]]
    return {
        **_base(info, "table", more or partial),
        "format": "tsv" if delimiter == "\t" else "csv",
        "columns": columns,
        "rows": table,
    }


async def jsonl_preview(storage: Storage, info: ObjectInfo) -> dict:
    head = await read_head(storage, info, TABLE_READ_LIMIT)
    partial = info.size > len(head)
    text = decode_utf8(head, complete=not partial)
    lines = text.splitlines()
    if partial and not text.endswith("\n") and lines:
        lines.pop()  # cut by the read limit
    records: list[Any] = []
    more = False
    for line in lines:
        if not line.strip():
            continue
        if len(records) == TABLE_ROWS:
            more = True
            break
        try:
            records.append(json.loads(line))
        except (ValueError, RecursionError):  # not JSON, or nested too deeply to parse: the raw line
            records.append({"value": line})
    names: dict[str, None] = {}  # an ordered set: `in` on a list would be quadratic in the keys
    for record in records:
        for name in record.keys() if isinstance(record, dict) else ["value"]:
            names.setdefault(name)
    width, count = _table_shape(len(names), len(records))
    more = more or width < len(names) or count < len(records)
    columns = list(names)[:width]
    rows = []
    for record in records[:count]:
        record = record if isinstance(record, dict) else {"value": record}
        rows.append([_cell(record.get(c)) for c in columns])
    return {**_base(info, "table", more or partial), "format": "jsonl", "columns": columns, "rows": rows}


def pretty_json(data: bytes) -> tuple[str, bool] | str:
    """(text, truncated): the document indented, cut at TEXT_LIMIT bytes; or why it is shown as is.

    Indenting is streamed and stops at the limit: a megabyte of deeply nested arrays indents to
    hundreds of megabytes. Nesting deeper than Python's recursion limit is not formatted."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        return "Nested too deeply to format: shown as text"
    except ValueError:
        return "Not valid JSON: shown as text"
    parts: list[str] = []
    chars = 0
    try:
        for part in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(document):
            parts.append(part)
            chars += len(part)
            if chars > TEXT_LIMIT:  # a character is at least one byte: past the limit in bytes too
                break
    except RecursionError:
        return "Nested too deeply to format: shown as text"
    encoded = "".join(parts).encode()
    if len(encoded) <= TEXT_LIMIT:
        return encoded.decode(), False
    return decode_utf8(encoded[:TEXT_LIMIT], complete=False), True


async def json_preview(storage: Storage, info: ObjectInfo) -> dict:
    if info.size > JSON_PRETTY_LIMIT:
        return await text_preview(storage, info, language="json")
    head = await read_head(storage, info, JSON_PRETTY_LIMIT)
    pretty = await asyncio.to_thread(pretty_json, head)  # up to 1 MiB of parsing: off the event loop
    if isinstance(pretty, str):
        result = await text_preview(storage, info, head, language="json")
        return {**result, "note": pretty}
    text, truncated = pretty
    return {**_base(info, "json", truncated), "language": "json", "text": text}


async def parquet_preview(storage: Storage, info: ObjectInfo) -> dict:
    """Bounded whatever the file holds (see previews/parquet.py); 422 NotPreviewable when unreadable."""
    loop = asyncio.get_running_loop()
    result = await asyncio.to_thread(read_parquet_head, storage, info, loop, PARQUET_LIMITS)
    result["rows"] = [[_cell(v) for v in row] for row in result["rows"]]
    return {**_base(info, "parquet", result.pop("truncated")), **result}


def image_preview(info: ObjectInfo, content_type: str) -> dict:
    return {**_base(info, "image", False), "image_type": content_type}


def binary_preview(info: ObjectInfo) -> dict:
    return _base(info, "binary", False)


async def build_preview(storage: Storage, key: str) -> dict:
    info = await storage.stat(key)
    ext = extension(info.name)
    if (content_type := image_type(info.name)) is not None:
        return image_preview(info, content_type)
    if ext in ("csv", "tsv"):
        return await delimited_preview(storage, info, "\t" if ext == "tsv" else ",")
    if ext in ("jsonl", "ndjson"):
        return await jsonl_preview(storage, info)
    if ext == "parquet":
        return await parquet_preview(storage, info)
    if ext == "json":
        return await json_preview(storage, info)
    if language_for(info.name) is not None or (info.content_type or "").startswith("text/"):
        return await text_preview(storage, info)
    head = await read_head(storage, info, TEXT_LIMIT)
    if head and looks_binary(head):
        return binary_preview(info)
    return await text_preview(storage, info, head)
