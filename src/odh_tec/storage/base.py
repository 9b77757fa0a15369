"""The one storage interface that S3 buckets and local folders both implement.

Keys are always `/`-separated relative paths (`models/llama/config.json`); a folder is a prefix that
ends with `/`. Every write takes an async iterator of byte chunks, so uploads from the browser, Hub
imports and copies all stream through the same bounded path, and a write that raises or is cancelled
leaves nothing behind.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from odh_tec.memory import READ_CHUNK


@dataclass
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime | None = None
    etag: str | None = None
    content_type: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.key.rstrip("/").rsplit("/", 1)[-1]

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "size": self.size,
            "last_modified": self.last_modified.isoformat() if self.last_modified else None,
            "etag": self.etag,
        }

    def to_stat_json(self) -> dict:
        return {**self.to_json(), "content_type": self.content_type, "metadata": self.metadata}


@dataclass
class Listing:
    prefix: str
    folders: list[str]  # full prefixes, each ending with "/"
    files: list[ObjectInfo]
    next_page_token: str | None = None

    def to_json(self) -> dict:
        return {
            "prefix": self.prefix,
            "folders": [{"prefix": p, "name": p[len(self.prefix) :].rstrip("/")} for p in self.folders],
            "files": [f.to_json() for f in self.files],
            "next_page_token": self.next_page_token,
        }


@dataclass
class ByteRange:
    """An inclusive byte range already resolved against the object size."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Storage(abc.ABC):
    """A place that holds objects: an S3 bucket or a local folder."""

    kind: str  # "s3" or "local"

    @abc.abstractmethod
    async def list(
        self,
        prefix: str = "",
        *,
        page_size: int = 1000,
        page_token: str | None = None,
        search: str = "",
    ) -> Listing:
        """One level under `prefix`: sub-folders, then files, at most `page_size` entries."""

    @abc.abstractmethod
    def walk(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object under `prefix`, recursively (folder markers excluded), in key order."""

    @abc.abstractmethod
    async def stat(self, key: str) -> ObjectInfo:
        """Size, type and metadata of one object; raises NotFound."""

    async def exists(self, key: str) -> bool:
        from odh_tec.errors import NotFound

        try:
            await self.stat(key)
        except NotFound:
            return False
        return True

    @abc.abstractmethod
    def read(
        self, key: str, byte_range: ByteRange | None = None, chunk_size: int = READ_CHUNK
    ) -> AsyncGenerator[bytes, None]:
        """Stream an object's bytes (or one range of them).

        A plain `def` here: implementations are async generators, which callers iterate (and
        `aclose`) without awaiting."""

    @abc.abstractmethod
    async def write(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        size: int | None = None,
        content_type: str | None = None,
        metadata: dict[str, str] | None = None,
        if_none_match: bool = False,
        late_metadata: Callable[[], dict[str, str]] | None = None,
    ) -> ObjectInfo:
        """Store `chunks` under `key`, all or nothing.

        `size`, when known, sizes the multipart parts. `if_none_match` refuses to replace an existing
        object (PreconditionFailed). If `chunks` raises, or the task is cancelled, nothing is left.
        `late_metadata` is called once the last chunk was read, for metadata known only then (a checksum
        computed while streaming): a local file gets it before it appears, an S3 object sent as one
        PutObject too; a multipart upload declared its metadata before its first part, so it goes without.
        """

    @abc.abstractmethod
    async def create_folder(self, prefix: str) -> None: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Delete exactly `key` (never siblings that merely share its prefix)."""

    @abc.abstractmethod
    async def delete_prefix(self, prefix: str) -> int:
        """Delete everything under the folder `prefix` (which ends with '/'); returns the count."""

    async def delete_many(self, keys: builtins.list[str]) -> tuple[int, builtins.list[dict]]:
        """Delete exact keys; returns (deleted, errors). Backends may batch."""
        deleted, errors = 0, []
        for key in keys:
            try:
                await self.delete(key)
                deleted += 1
            except Exception as exc:
                from odh_tec.errors import ApiError

                code = exc.code if isinstance(exc, ApiError) else type(exc).__name__
                errors.append({"key": key, "error": code, "message": str(exc)})
        return deleted, errors

    async def copy_from(
        self, source: Storage, src_key: str, dst_key: str, size: int | None = None
    ) -> ObjectInfo | None:
        """Copy `source`/`src_key` here without moving the bytes through the app, when possible
        (S3 to S3 on the same endpoint: CopyObject, or UploadPartCopy above 5 GiB).

        Returns None when the backend cannot do it; callers then stream read() into write().
        """
        return None
