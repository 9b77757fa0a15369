"""One S3 bucket seen through the `Storage` interface: list, stat, read, write, delete, copy.

Requests go through the bucket's `S3Connection` (its client and its error translation); writes are
handed to `multipart.MultipartUpload` so that memory stays bounded whatever the object's size.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable
from typing import TYPE_CHECKING

from odh_tec.errors import ApiError, BadRequest, NotFound, PreconditionFailed
from odh_tec.memory import READ_CHUNK
from odh_tec.storage.base import ByteRange, Listing, ObjectInfo, Storage
from odh_tec.storage.s3.multipart import MAX_SINGLE_COPY, MultipartUpload, multipart_copy, part_size_for

if TYPE_CHECKING:
    # Only for annotations: connection.py imports this module (delete_bucket empties a bucket).
    from odh_tec.storage.s3.connection import S3Connection

DELETE_BATCH = 1000  # keys per DeleteObjects request, the most S3 accepts


class S3Storage(Storage):
    kind = "s3"

    def __init__(self, connection: S3Connection, bucket: str):
        self.connection = connection
        self.bucket = bucket

    def _error(self, exc: Exception, key: str | None = None) -> ApiError:
        return self.connection.error(exc, bucket=self.bucket, key=key)

    async def _list_page(self, prefix: str, token: str | None, **params: object) -> dict:
        """One ListObjectsV2 page under `prefix`, from the start or from `token` on."""
        client = await self.connection.client()
        if token:
            params["ContinuationToken"] = token
        try:
            return await client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, **params)
        except Exception as exc:
            raise self._error(exc) from exc

    async def list(
        self, prefix: str = "", *, page_size: int = 1000, page_token: str | None = None, search: str = ""
    ) -> Listing:
        answer = await self._list_page(prefix + search, page_token, Delimiter="/", MaxKeys=max(1, min(page_size, 1000)))
        folders = [p["Prefix"] for p in answer.get("CommonPrefixes", [])]
        files = [
            _object_info(o)
            for o in answer.get("Contents", [])
            if o["Key"] != prefix  # the folder's own marker
        ]
        token = answer.get("NextContinuationToken") if answer.get("IsTruncated") else None
        return Listing(prefix=prefix, folders=folders, files=files, next_page_token=token)

    async def _pages(self, prefix: str) -> AsyncIterator[builtins.list[dict]]:
        """Every object entry under prefix (folder markers included), one listing page at a time."""
        token = None
        while True:
            answer = await self._list_page(prefix, token, MaxKeys=1000)
            if answer.get("Contents"):
                yield answer["Contents"]
            if not answer.get("IsTruncated"):
                return
            token = answer["NextContinuationToken"]

    async def walk(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        async for page in self._pages(prefix):
            for o in page:
                if o["Key"].endswith("/") and o["Size"] == 0:
                    continue
                yield _object_info(o)

    async def _all_keys(self, prefix: str) -> AsyncIterator[builtins.list[str]]:
        """Every key under prefix (markers included), a page at a time."""
        async for page in self._pages(prefix):
            yield [o["Key"] for o in page]

    async def stat(self, key: str) -> ObjectInfo:
        client = await self.connection.client()
        try:
            head = await client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            err = self._error(exc, key=key)
            if err.status == 404:
                # HEAD has no body, so a missing bucket also reads as 404: say which one it is.
                if not await self.connection.bucket_exists(self.bucket):
                    raise NotFound(f"Bucket '{self.bucket}' does not exist", code="NoSuchBucket") from exc
                raise NotFound(f"No object '{key}' in bucket '{self.bucket}'") from exc
            raise err from exc
        return ObjectInfo(
            key=key,
            size=head["ContentLength"],
            last_modified=head.get("LastModified"),
            etag=(head.get("ETag") or "").strip('"') or None,
            content_type=head.get("ContentType"),
            metadata=dict(head.get("Metadata") or {}),
        )

    async def read(
        self, key: str, byte_range: ByteRange | None = None, chunk_size: int = READ_CHUNK
    ) -> AsyncGenerator[bytes, None]:
        client = await self.connection.client()
        params = {"Bucket": self.bucket, "Key": key}
        if byte_range is not None:
            params["Range"] = f"bytes={byte_range.start}-{byte_range.end}"
        try:
            answer = await client.get_object(**params)
        except Exception as exc:
            raise self._error(exc, key=key) from exc
        body = answer["Body"]

        async def more(size: int) -> bytes:
            # A body that breaks off mid-way is an S3 failure like any other (502, which the transfer
            # engine tries again), not a bare aiohttp exception that fails the file for good.
            try:
                return await body.read(size)
            except Exception as exc:
                raise self._error(exc, key=key) from exc

        try:
            # aiohttp hands over whatever has arrived (often 64-256 KiB): gather about `chunk_size`
            # before yielding, so each hop (our response, the client) moves a few large writes.
            pending: list[bytes] = []
            pending_len = 0
            while chunk := await more(chunk_size - pending_len):
                pending.append(chunk)
                pending_len += len(chunk)
                if pending_len >= chunk_size:
                    yield pending[0] if len(pending) == 1 else b"".join(pending)
                    pending, pending_len = [], 0
            if pending:
                yield b"".join(pending)
        finally:
            body.close()

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
        _check_key(key)
        if if_none_match and await self.exists(key):
            raise PreconditionFailed(f"'{key}' already exists in bucket '{self.bucket}'")
        client = await self.connection.client()
        extra: dict = {"ContentType": content_type or "application/octet-stream"}
        if metadata:
            extra["Metadata"] = metadata
        uploader = MultipartUpload(
            client,
            self.bucket,
            key,
            part_size_for(size),
            extra,
            self._error,
            size,
            self.connection.part_budget,
            self.connection.upload_log(),
            late_metadata,
        )
        return await uploader.run(chunks)

    async def create_folder(self, prefix: str) -> None:
        _check_key(prefix)
        client = await self.connection.client()
        try:
            await client.put_object(Bucket=self.bucket, Key=prefix, Body=b"")
        except Exception as exc:
            raise self._error(exc, key=prefix) from exc

    async def delete(self, key: str) -> None:
        await self.stat(key)  # a clear 404 instead of S3's silent success
        client = await self.connection.client()
        try:
            await client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise self._error(exc, key=key) from exc

    async def delete_many(self, keys: builtins.list[str]) -> tuple[int, builtins.list[dict]]:
        client = await self.connection.client()
        deleted, errors = 0, []
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            try:
                answer = await client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
            except Exception as exc:
                raise self._error(exc) from exc
            failed = answer.get("Errors", [])
            errors += [{"key": e.get("Key"), "error": e.get("Code"), "message": e.get("Message")} for e in failed]
            deleted += len(batch) - len(failed)
        return deleted, errors

    async def delete_prefix(self, prefix: str) -> int:
        total = 0
        folders: set[str] = {prefix} if prefix else set()
        async for keys in self._all_keys(prefix):
            for key in keys:  # every folder on the way, for the markers below
                parts = key[len(prefix) :].split("/")[:-1]
                folders.update(prefix + "/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
            _, errors = await self.delete_many(keys)
            if errors:
                first = errors[0]
                raise ApiError(
                    f"Could not delete '{first['key']}': {first['message']}",
                    code=first["error"] or "DeleteFailed",
                    status=403 if first["error"] == "AccessDenied" else 502,
                )
            # Count objects, not folder markers, so the number matches what a user saw.
            total += sum(1 for key in keys if not key.endswith("/"))
        # Servers with real directories (SeaweedFS) keep listing an emptied folder until its own
        # "folder/" key is deleted; on AWS these deletes are no-ops. Deepest first.
        if folders:
            with contextlib.suppress(ApiError):
                await self.delete_many(sorted(folders, key=lambda f: f.count("/"), reverse=True))
        return total

    async def copy_from(
        self, source: Storage, src_key: str, dst_key: str, size: int | None = None
    ) -> ObjectInfo | None:
        if not isinstance(source, S3Storage) or source.connection is not self.connection:
            return None
        client = await self.connection.client()
        if size is None:
            size = (await source.stat(src_key)).size
        copy_source = {"Bucket": source.bucket, "Key": src_key}
        try:
            if size <= MAX_SINGLE_COPY:
                await client.copy_object(
                    Bucket=self.bucket, Key=dst_key, CopySource=copy_source, MetadataDirective="COPY"
                )
            else:
                await multipart_copy(client, copy_source, self.bucket, dst_key, size, self.connection.upload_log())
        except Exception as exc:
            raise self._error(exc, key=dst_key) from exc
        return await self.stat(dst_key)


def _object_info(entry: dict) -> ObjectInfo:
    """An ObjectInfo from one entry of a ListObjectsV2 answer."""
    return ObjectInfo(
        key=entry["Key"],
        size=entry["Size"],
        last_modified=entry.get("LastModified"),
        etag=(entry.get("ETag") or "").strip('"') or None,
    )


def _check_key(key: str) -> None:
    if not key or len(key.encode()) > 1024:
        raise BadRequest("Object keys must be 1 to 1024 bytes long", code="InvalidKey")
    if "\x00" in key:
        raise BadRequest("Object keys cannot contain NUL", code="InvalidKey")
