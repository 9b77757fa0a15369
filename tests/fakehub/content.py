"""File contents the fake Hub serves: bytes held in memory, or large synthetic files made on the fly.

Both expose the same small surface (size, checksums, ranged chunks) so the servers never care which
one they hold. Synthetic contents let the benchmark serve gigabytes without holding them in memory.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from functools import cached_property

CHUNK = 256 * 1024


def git_blob_sha1(data: bytes) -> str:
    """The git object id of a regular file: sha1 over 'blob <size>\\0' + content."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def pseudo_bytes(seed: str, size: int) -> bytes:
    """Deterministic bytes, so checksums are stable from run to run."""
    return random.Random(seed).randbytes(size)


class Content:
    size: int

    def chunks(self, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        raise NotImplementedError

    def read(self) -> bytes:
        return b"".join(self.chunks())

    @cached_property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for piece in self.chunks(chunk=4 << 20):
            digest.update(piece)
        return digest.hexdigest()

    @cached_property
    def git_sha1(self) -> str:
        digest = hashlib.sha1(b"blob %d\x00" % self.size, usedforsecurity=False)
        for piece in self.chunks(chunk=4 << 20):
            digest.update(piece)
        return digest.hexdigest()


class BytesContent(Content):
    def __init__(self, data: bytes):
        self.data = bytes(data)
        self.size = len(self.data)

    def chunks(self, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        end = self.size if end is None else end
        view = memoryview(self.data)
        for offset in range(start, end, chunk):
            yield view[offset : min(offset + chunk, end)].tobytes()

    def read(self) -> bytes:
        return self.data


class SyntheticContent(Content):
    """`size` bytes of a seeded random block repeated with an odd period (never part-aligned)."""

    PERIOD = (1 << 20) + 7

    def __init__(self, size: int, seed: str = "synthetic"):
        self.size = size
        block = pseudo_bytes(seed, self.PERIOD)
        # Doubled so any window of up to PERIOD bytes is one slice, without wrapping.
        self._double = block + block

    def chunks(self, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        end = self.size if end is None else end
        chunk = min(chunk, self.PERIOD)
        offset = start
        while offset < end:
            n = min(chunk, end - offset)
            at = offset % self.PERIOD
            yield self._double[at : at + n]
            offset += n


def as_content(value: bytes | str | Content) -> Content:
    if isinstance(value, Content):
        return value
    if isinstance(value, str):
        value = value.encode()
    return BytesContent(value)
