"""Multipart transfers: the bounded-memory upload writer and the server-side copy of large objects.

Kept apart from the storage because this is where memory and part limits live: how big a part is
(`part_size_for`), how many parts one upload and the whole connection hold at once, and how an
upload that fails or is cancelled is aborted so that no half-written object or open upload is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import math
import threading
import time
from collections.abc import AsyncIterable, Callable
from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from odh_tec.storage.base import ObjectInfo

log = logging.getLogger(__name__)

# Multipart aborts still running (see MultipartUpload._abort); close() waits for them.
PENDING_ABORTS: set[asyncio.Task] = set()

MiB = 1 << 20
GiB = 1 << 30
MIN_PART_SIZE = 8 * MiB
MAX_PARTS = 10_000
MAX_SINGLE_COPY = 5 * GiB
PARTS_IN_FLIGHT = 4  # per upload
YIELD_BYTES = 1 * MiB  # copied into a part buffer between two chances for other tasks to run
# Parts in flight across every upload of one connection: with 4 uploads at once memory stays near
# part size × (6 + 4) instead of part size × 4 × 5 (bench/transfer_bench.py measures it).
PARTS_BUFFERED = 6


class UploadJournal(Protocol):
    """Where the multipart uploads the app opens are written down until they are completed or aborted,
    so that a restart after a crash can abort the ones left open (`S3Connection.sweep_uploads`)."""

    async def upload_opened(self, endpoint: str, bucket: str, key: str, upload_id: str) -> None: ...

    async def upload_closed(self, endpoint: str, bucket: str, upload_id: str) -> None: ...


class UploadLog:
    """The journal as one upload sees it: the endpoint bound, and a failing journal (a full disk) logged,
    never the upload's failure."""

    def __init__(self, journal: UploadJournal | None, endpoint: str):
        self.journal, self.endpoint = journal, endpoint

    async def opened(self, bucket: str, key: str, upload_id: str) -> None:
        if self.journal is not None:
            try:
                await self.journal.upload_opened(self.endpoint, bucket, key, upload_id)
            except Exception as exc:
                log.warning("could not record multipart upload %s of %s/%s: %s", upload_id, bucket, key, exc)

    async def closed(self, bucket: str, upload_id: str) -> None:
        if self.journal is not None:
            try:
                await self.journal.upload_closed(self.endpoint, bucket, upload_id)
            except Exception as exc:
                log.warning("could not record the end of multipart upload %s: %s", upload_id, exc)


NO_LOG = UploadLog(None, "")


class PartBuffers:
    """Part buffers of the usual size (MIN_PART_SIZE), kept after their part is sent for the next one.

    A new 8 MiB buffer costs twice its size in memory traffic before the first byte of data lands in
    it: the kernel zeroes each fresh page at its first touch (buffers this large are mapped and
    unmapped, memory.py) and BytesIO zero-fills the room it is given. That was about a fifth of the
    app's CPU per uploaded GiB. A kept buffer is overwritten in place. At most `keep` are kept, and
    none for longer than `idle_seconds` after the last part, so an idle app holds no part memory."""

    def __init__(self, size: int = MIN_PART_SIZE, keep: int = 4, idle_seconds: float = 10.0):
        self.size, self.keep, self.idle_seconds = size, keep, idle_seconds
        self._kept: list[io.BytesIO] = []
        self._last_use = 0.0
        self._release: asyncio.TimerHandle | None = None
        self._release_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()  # one pool per process; each app of a test run has its own loop

    def take(self, size: int) -> io.BytesIO:
        """An empty buffer with room for `size` bytes, allocated once."""
        if size == self.size:
            with self._lock:
                self._trim()
                if self._kept:
                    buf = self._kept.pop()
                    buf.seek(0)
                    return buf
        buf = io.BytesIO()
        if size:
            buf.seek(size - 1)
            buf.write(b"\0")
            buf.seek(0)
        return buf

    def give(self, buf: io.BytesIO) -> None:
        """A buffer nobody reads any more. Kept if it still has its full size (a last part is cut)."""
        with self._lock:
            self._trim()
            if len(self._kept) < self.keep and len(buf.getbuffer()) == self.size:
                self._kept.append(buf)
                self._release_later()

    def _trim(self) -> None:
        now = time.monotonic()
        if now - self._last_use > self.idle_seconds:
            self._kept.clear()
        self._last_use = now

    def _release_later(self) -> None:
        """Let the kept buffers go once no part has come for `idle_seconds` (checked on the giving loop)."""
        if self._release is not None and self._release_loop is not None and not self._release_loop.is_closed():
            return  # already planned (a plan on a loop that has ended since, in tests, is replaced)
        loop = self._release_loop = asyncio.get_running_loop()

        def release() -> None:
            with self._lock:
                idle = time.monotonic() - self._last_use
                if idle >= self.idle_seconds:
                    self._kept.clear()
                    self._release = None
                else:
                    self._release = loop.call_later(self.idle_seconds - idle, release)

        self._release = loop.call_later(self.idle_seconds, release)


PART_BUFFERS = PartBuffers()


def part_size_for(size: int | None) -> int:
    """Parts of at least 8 MiB, and few enough that a file of `size` needs at most 10,000."""
    if not size:
        return MIN_PART_SIZE
    needed = math.ceil(size / MAX_PARTS)
    return max(MIN_PART_SIZE, math.ceil(needed / MiB) * MiB)


async def multipart_copy(
    client, copy_source: dict, bucket: str, key: str, size: int, uploads: UploadLog = NO_LOG
) -> None:
    """Server-side copy of an object too big for one CopyObject (over MAX_SINGLE_COPY), part by part;
    aborted on any failure, so the copy appears whole or not at all."""
    part = max(part_size_for(size), 512 * MiB)
    upload = await client.create_multipart_upload(Bucket=bucket, Key=key)
    upload_id = upload["UploadId"]
    try:
        await uploads.opened(bucket, key, upload_id)
        parts = []
        for number, start in enumerate(range(0, size, part), start=1):
            end = min(start + part, size) - 1
            answer = await client.upload_part_copy(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource=copy_source,
                CopySourceRange=f"bytes={start}-{end}",
            )
            parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
        await client.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.shield(client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id))
            await uploads.closed(bucket, upload_id)
        raise
    await uploads.closed(bucket, upload_id)


class MultipartUpload:
    """Streams chunks into S3 with bounded memory: part_size × (PARTS_IN_FLIGHT + 1) per upload, and
    at most PARTS_BUFFERED parts in flight across all the uploads of one connection.

    Data below one part goes up as one PutObject. Any failure, cancellation or disconnect aborts the
    multipart upload, so the object appears whole or not at all.
    """

    def __init__(
        self,
        client,
        bucket: str,
        key: str,
        part_size: int,
        extra: dict,
        translate,
        expected: int | None = None,
        budget: asyncio.Semaphore | None = None,
        uploads: UploadLog = NO_LOG,
        late_metadata: Callable[[], dict[str, str]] | None = None,
    ):
        self.client, self.bucket, self.key = client, bucket, key
        self.late_metadata = late_metadata  # only a single PutObject can still carry it
        self.part_size, self.extra, self.translate = part_size, extra, translate
        self.expected = expected  # the announced size, when known: sizes the last buffer
        self.budget = budget
        self.uploads = uploads
        self.upload_id: str | None = None
        self.parts: dict[int, str] = {}
        self.slots = asyncio.Semaphore(PARTS_IN_FLIGHT)
        self.tasks: set[asyncio.Task] = set()
        self.failure: BaseException | None = None
        self.size = 0

    def _new_buffer(self, consumed: int) -> io.BytesIO:
        """An empty part buffer with room for the whole part (PART_BUFFERS).

        botocore hashes a BytesIO that we wrote ourselves, and aiohttp sends it, by small reads: no
        second copy of the part is ever held (a `bytes` body is wrapped in a shared BytesIO that
        aiohttp copies whole; a bytearray is sliced and joined with the request headers)."""
        size = self.part_size
        if self.expected is not None and 0 <= self.expected - consumed < self.part_size:
            size = self.expected - consumed
        return PART_BUFFERS.take(size)

    async def run(self, chunks: AsyncIterable[bytes]) -> ObjectInfo:
        buf: io.BytesIO | None
        buf, filled, number = self._new_buffer(0), 0, 0
        unyielded = 0
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                self.size += len(chunk)
                # A source with data ready (a Hub download's buffered segments) never suspends: without
                # this, a whole part would be copied, hashed and counted in one turn of the event loop
                # (100-200 ms on a busy 2-core pod, first-touch page faults included).
                unyielded += len(chunk)
                if unyielded >= YIELD_BYTES:
                    unyielded = 0
                    await asyncio.sleep(0)
                data = memoryview(chunk)
                while data:
                    take = min(len(data), self.part_size - filled)
                    buf.write(data[:take])
                    filled += take
                    data = data[take:]
                    if filled == self.part_size:
                        number += 1
                        buf.truncate(filled)
                        buf.seek(0)
                        await self._submit(number, buf)
                        buf, filled = self._new_buffer(self.size - len(data)), 0
            buf.truncate(filled)
            buf.seek(0)
            if self.upload_id is None:
                try:
                    return await self._put_whole(buf, filled)
                finally:
                    PART_BUFFERS.give(buf)
            if filled:
                number += 1
                await self._submit(number, buf)
            buf = None
            await self._drain()
            return await self._complete()
        except BaseException as exc:
            await self._abort()
            if isinstance(exc, (ClientError, BotoCoreError)):
                raise self.translate(exc, key=self.key) from exc
            raise

    async def _put_whole(self, body: io.BytesIO, size: int) -> ObjectInfo:
        extra = self.extra
        if self.late_metadata is not None:
            extra = {**extra, "Metadata": {**extra.get("Metadata", {}), **self.late_metadata()}}
        try:
            answer = await self.client.put_object(Bucket=self.bucket, Key=self.key, Body=body, **extra)
        except Exception as exc:
            raise self.translate(exc, key=self.key) from exc
        return ObjectInfo(key=self.key, size=size, etag=answer.get("ETag", "").strip('"'))

    async def _submit(self, number: int, data: io.BytesIO) -> None:
        if self.failure:
            raise self.failure
        if self.upload_id is None:
            answer = await self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key, **self.extra)
            self.upload_id = answer["UploadId"]
            await self.uploads.opened(self.bucket, self.key, self.upload_id)
        await self.slots.acquire()
        try:
            if self.budget is not None:
                await self.budget.acquire()
        except BaseException:
            self.slots.release()
            raise
        if self.failure:
            self._release()
            raise self.failure
        task = asyncio.create_task(self._upload_part(number, data))
        self.tasks.add(task)
        # Released when the task ends in any way, even when it is cancelled before it starts.
        task.add_done_callback(self._part_done)

    def _release(self) -> None:
        self.slots.release()
        if self.budget is not None:
            self.budget.release()

    def _part_done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        self._release()

    async def _upload_part(self, number: int, data: io.BytesIO) -> None:
        try:
            answer = await self.client.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data
            )
            self.parts[number] = answer["ETag"]
        except BaseException as exc:
            self.failure = self.failure or exc
            raise
        finally:
            PART_BUFFERS.give(data)  # the request is over, sent or not: nothing reads it any more

    async def _drain(self) -> None:
        if self.tasks:
            await asyncio.gather(*list(self.tasks))
        if self.failure:
            raise self.failure

    async def _complete(self) -> ObjectInfo:
        parts = [{"PartNumber": n, "ETag": self.parts[n]} for n in sorted(self.parts)]
        answer = await self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )
        upload_id, self.upload_id = self.upload_id or "", None  # nothing left to abort
        await self.uploads.closed(self.bucket, upload_id)
        return ObjectInfo(key=self.key, size=self.size, etag=answer.get("ETag", "").strip('"'))

    async def _abort(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        if self.upload_id is None:
            return
        upload_id, self.upload_id = self.upload_id, None

        async def abort() -> None:
            with contextlib.suppress(Exception):
                await self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
                # Only once aborted: an upload whose abort failed stays in the journal for the next sweep.
                await self.uploads.closed(self.bucket, upload_id)

        # Shielded: the abort must finish even when we got here because our task was cancelled.
        task = asyncio.ensure_future(abort())
        PENDING_ABORTS.add(task)
        task.add_done_callback(PENDING_ABORTS.discard)
        with contextlib.suppress(BaseException):
            await asyncio.shield(task)
