"""A streamed ZIP64 writer: entries go out as their bytes arrive, in constant memory.

Each entry has a local header with the data-descriptor flag (its CRC and sizes follow the data), and
ZIP64 extra fields throughout, so archives and members above 4 GiB work. Already-compressed data
(weights, archives, images) is stored; text-like files are deflated.

Entry names come from stored keys, which may hold anything: the writer makes every name a safe
relative path (no `..`, no leading `/`, no `\\`, no drive letter) and unique, whoever built the entries.
"""

from __future__ import annotations

import posixpath
import re
import struct
import time
import zlib
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from dataclasses import dataclass
from datetime import datetime

DEFLATE_EXTENSIONS = {
    "json",
    "jsonl",
    "ndjson",
    "txt",
    "md",
    "csv",
    "tsv",
    "py",
    "yaml",
    "yml",
    "toml",
    "ini",
    "cfg",
    "xml",
    "html",
    "htm",
    "css",
    "js",
    "ts",
    "sh",
    "log",
    "sql",
    "ipynb",
    "jinja",
    "model",
    "vocab",
}
STORED, DEFLATED = 0, 8
FLAGS = 0x0008 | 0x0800  # data descriptor follows; names are UTF-8
VERSION = 45  # ZIP64
U32 = 0xFFFFFFFF
_DRIVE = re.compile(r"^([A-Za-z]):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class ZipEntry:
    name: str  # path inside the archive, '/'-separated
    size: int
    modified: datetime | None
    open: Callable[[], AsyncIterable[bytes]]  # a fresh byte stream of the entry


def _dos_time(when: datetime | None) -> tuple[int, int]:
    t = time.localtime(when.timestamp()) if when else time.localtime()
    if t.tm_year < 1980:
        return 0, (0 << 9) | (1 << 5) | 1
    dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dos_date = ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    return dos_time, dos_date


def safe_name(name: str) -> str:
    """`name` as a relative path that extracts inside the target folder with any unzip tool.

    Backslashes become '/' (Windows tools treat them as separators); empty, '.' and '..' segments
    are dropped, so nothing climbs out or starts at the root; a leading drive letter ('C:') loses
    its colon; control characters become '_'."""
    text = _CONTROL.sub("_", name).replace("\\", "/")
    parts = [part for part in text.split("/") if part not in ("", ".", "..")]
    if parts:
        parts[0] = _DRIVE.sub(r"\1_", parts[0])
    return "/".join(parts) or "_"


def unique_name(name: str, used: set[str]) -> str:
    """`name`, or `dir/stem (n).ext` with the first n that is not in `used`; adds it to `used`."""
    unique, n = name, 1
    directory, base = posixpath.split(name)
    stem, ext = posixpath.splitext(base)
    if not stem:  # dot-files have no extension
        stem, ext = base, ""
    while unique in used:
        n += 1
        renamed = f"{stem} ({n}){ext}"
        unique = f"{directory}/{renamed}" if directory else renamed
    used.add(unique)
    return unique


def method_for(name: str) -> int:
    base = name.rsplit("/", 1)[-1].lower()
    ext = base.rsplit(".", 1)[-1] if "." in base else ""
    return DEFLATED if ext in DEFLATE_EXTENSIONS else STORED


async def zip_stream(entries: AsyncIterable[ZipEntry]) -> AsyncGenerator[bytes, None]:
    """Yield the bytes of a zip archive holding `entries`, in order."""
    offset = 0
    central: list[bytes] = []
    count = 0
    used: set[str] = set()
    async for entry in entries:
        # Names are made safe first, unique second: 'a\\b' and 'a/b' are the same path once safe.
        text = unique_name(safe_name(entry.name), used)
        name = text.encode("utf-8", errors="replace")
        method = method_for(text)
        dos_time, dos_date = _dos_time(entry.modified)
        local_extra = struct.pack("<HHQQ", 0x0001, 16, 0, 0)
        header = (
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                VERSION,
                FLAGS,
                method,
                dos_time,
                dos_date,
                0,
                U32,
                U32,
                len(name),
                len(local_extra),
            )
            + name
            + local_extra
        )
        header_offset = offset
        yield header
        offset += len(header)

        crc = 0
        size = 0
        compressed = 0
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15) if method == DEFLATED else None
        async for chunk in entry.open():
            if not chunk:
                continue
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            out = compressor.compress(chunk) if compressor else chunk
            if out:
                compressed += len(out)
                yield out
        if compressor:
            tail = compressor.flush()
            if tail:
                compressed += len(tail)
                yield tail
        offset += compressed
        descriptor = struct.pack("<IIQQ", 0x08074B50, crc, compressed, size)
        yield descriptor
        offset += len(descriptor)

        central_extra = struct.pack("<HHQQQ", 0x0001, 24, size, compressed, header_offset)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | VERSION,
                VERSION,
                FLAGS,
                method,
                dos_time,
                dos_date,
                crc,
                U32,
                U32,
                len(name),
                len(central_extra),
                0,
                0,
                0,
                0o100644 << 16,
                U32,
            )
            + name
            + central_extra
        )
        count += 1

    directory_offset = offset
    directory_size = 0
    for record in central:
        yield record
        directory_size += len(record)
    end64_offset = directory_offset + directory_size
    yield struct.pack(
        "<IQHHIIQQQQ", 0x06064B50, 44, (3 << 8) | VERSION, VERSION, 0, 0, count, count, directory_size, directory_offset
    )
    yield struct.pack("<IIQI", 0x07064B50, 0, end64_offset, 1)
    yield struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), min(directory_size, U32), U32, 0
    )
