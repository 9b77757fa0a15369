"""Checksums verified while the bytes stream past: sha256 for LFS files, the git blob sha1 otherwise.

A mismatch raises *inside the chunk iterator*, so the storage write that consumes it aborts (no
object, no open multipart upload) instead of committing bad bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing

from odh_tec.errors import ApiError
from odh_tec.hf.models import HubFile


class ChecksumMismatch(ApiError):
    status, code = 502, "ChecksumMismatch"


class SizeMismatch(ApiError):
    status, code = 502, "SizeMismatch"


class Checksum:
    def __init__(self, kind: str, expected: str, size: int):
        self.kind, self.expected = kind, expected.lower()
        if kind == "sha256":
            self._hash = hashlib.sha256()
        else:  # git blob ids hash a header before the content
            self._hash = hashlib.sha1(b"blob %d\x00" % size, usedforsecurity=False)

    @classmethod
    def for_file(cls, hub_file: HubFile) -> Checksum:
        if hub_file.lfs_sha256:
            return cls("sha256", hub_file.lfs_sha256, hub_file.size)
        return cls("git-sha1", hub_file.oid, hub_file.size)

    def update(self, chunk: bytes) -> None:
        self._hash.update(chunk)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def matches(self) -> bool:
        return self.hexdigest() == self.expected


async def verified(
    chunks: AsyncGenerator[bytes, None],
    checksum: Checksum,
    size: int,
    *,
    name: str,
    on_bytes: Callable[[int], None] | None = None,
) -> AsyncGenerator[bytes, None]:
    """Pass `chunks` through, hashing and counting them; raise at the end if size or checksum differ."""
    received = 0
    async with aclosing(chunks):
        async for chunk in chunks:
            received += len(chunk)
            if received > size:
                raise SizeMismatch(f"'{name}': the Hub sent more than the {size} bytes its listing announced")
            checksum.update(chunk)
            if on_bytes is not None:
                on_bytes(len(chunk))
            yield chunk
    if received != size:
        raise SizeMismatch(f"'{name}': got {received} bytes, expected {size}")
    if not checksum.matches():
        raise ChecksumMismatch(
            f"'{name}': {checksum.kind} {checksum.hexdigest()} does not match the Hub's "
            f"{checksum.expected}; the upload was aborted"
        )
