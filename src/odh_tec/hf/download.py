"""Stream one file of a pinned commit, resuming dropped connections where they stopped.

* The Hub answers LFS files with a 302 to a signed storage URL. That URL is kept for the following
  requests (ranged segments, resumes) and dropped after any failure, so the next request goes back
  through the Hub and gets a fresh one (signed URLs expire after about an hour).
* A resume asks for `Range: bytes=<next byte>-`. A 200 that answers a Range request is the *whole*
  file: the bytes already delivered are skipped, never appended twice.
* 429 waits for `Retry-After` / the `RateLimit` reset; 5xx and network errors back off. A read
  timeout ends a stalled body.
* Big files are fetched as several ranged segments at once, yielded strictly in order, so one large
  safetensors file is not limited to one connection's speed. Memory: `(connections + 2) × segment_size`
  for one file, and at most `SEGMENTS_BUFFERED` segments across all the files the app fetches at once.
"""

from __future__ import annotations

import asyncio
import collections
import re
import weakref
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

import httpx

from odh_tec.hf.client import backoff
from odh_tec.hf.errors import (
    HubRateLimited,
    HubServerError,
    HubUnreachable,
    hub_error,
    retry_after,
)
from odh_tec.hf.models import HubFile, RepoRef
from odh_tec.hf.transport import MAX_REDIRECTS, REDIRECTS, HubTransport

MiB = 1 << 20


# Segments started and not yet consumed, across every file of the app (its event loop). Four large files
# at once, with a window of 6 each, could hold 192 MiB: more than all the rest of the app's peak under
# load (bench/load_bench.py). 12 leave 3 apiece to 4 files, and the whole window to a single one.
SEGMENTS_BUFFERED = 12


@dataclass
class DownloadPolicy:
    resume_attempts: int = 5  # consecutive failures without a new byte before giving up
    base_delay: float = 0.5  # first backoff delay; doubles each time
    max_rate_limit_wait: float = 300.0  # a longer Retry-After fails the file instead of waiting
    max_rate_limited: int = 20
    segment_size: int = 8 * MiB
    parallel_threshold: int = 32 * MiB  # files at least this big use ranged segments in parallel
    connections: int = 4  # parallel segments of one file
    segments_buffered: int = SEGMENTS_BUFFERED  # across all files at once (SegmentBudget)


class SegmentBudget:
    """How many segments the files of one app hold. A file may always start the segment it is waiting
    for, whatever the others hold, so no file waits on another's consumer; prefetching beyond it waits
    for room. A file that found no room is woken when another file's segment is consumed."""

    def __init__(self, limit: int = SEGMENTS_BUFFERED):
        self.limit, self.held = limit, 0
        self._waiting: weakref.WeakSet = weakref.WeakSet()  # a file that ended is forgotten with it

    def room(self) -> bool:
        return self.held < self.limit

    def take(self) -> None:
        self.held += 1

    def give(self) -> None:
        self.held -= 1
        waiting = list(self._waiting)
        self._waiting.clear()
        for pump in waiting:
            pump()

    def wait_for_room(self, pump) -> None:
        """Call `pump` (a closure the file keeps alive) at the next `give`, once however often asked."""
        self._waiting.add(pump)


_BUDGETS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SegmentBudget] = weakref.WeakKeyDictionary()


def segment_budget() -> SegmentBudget:
    """The budget of the running loop: one app, one budget (a test process runs many apps)."""
    loop = asyncio.get_running_loop()
    budget = _BUDGETS.get(loop)
    if budget is None:
        budget = _BUDGETS[loop] = SegmentBudget()
    return budget


class _ShortBody(Exception):
    """The connection ended cleanly before the promised bytes arrived."""


class _WrongRange(Exception):
    """A 206 for another range than the one asked for."""


_TRANSIENT = (httpx.TransportError, HubServerError, HubRateLimited, HubUnreachable, _ShortBody, _WrongRange)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class RemoteFile:
    """One file at a commit: where its bytes are now, re-resolved after any failure."""

    def __init__(
        self, transport: HubTransport, ref: RepoRef, sha: str, hub_file: HubFile, policy: DownloadPolicy | None = None
    ):
        self.transport = transport
        self.ref, self.sha, self.file = ref, sha, hub_file
        self.size = hub_file.size
        self.policy = policy or DownloadPolicy()
        self.url = transport.url(ref.resolve_path(sha, hub_file.path))
        self._location: str | None = None
        # Parallel segments share one resolution: a lock keeps them from each asking the Hub.
        self.shared = False
        self._locating = asyncio.Lock()

    def invalidate(self, url: str | None = None) -> None:
        """Forget the storage URL (only if it is still `url`, when given: a newer one may be fine)."""
        if url is None or url == self.url or self._location == url:
            self._location = None

    async def location(self) -> str:
        """Where to send the next GET: the known storage URL, else the Hub's resolve URL."""
        if self._location is None and self.shared:
            async with self._locating:
                if self._location is None:
                    await self.locate()
        return self._location or self.url

    def _hub_error(self, response: httpx.Response):
        return hub_error(
            response,
            endpoint=self.transport.endpoint,
            ref=self.ref,
            path=self.file.path,
            token_sent=self.transport.token_sent,
        )

    def _storage_error(self, response: httpx.Response) -> Exception:
        self.invalidate(str(response.request.url))
        host = response.request.url.host
        if response.status_code == 429:
            return HubRateLimited(f"The download host {host} is rate-limiting", wait=retry_after(response))
        # 403 = expired signature, 5xx = storage trouble, 400 = refused: all cured by a fresh URL or a wait.
        return HubServerError(f"The download host {host} answered {response.status_code} for '{self.file.path}'")

    async def locate(self) -> None:
        """Find the storage URL with a HEAD to the Hub (no redirect followed), so parallel segments
        share one resolution instead of each hitting the Hub's resolver rate limit."""
        url = httpx.URL(self.url)
        for _ in range(MAX_REDIRECTS):
            response = await self.transport.send("HEAD", str(url), follow=False)
            location = response.headers.get("Location")
            if response.status_code in REDIRECTS and location:
                url = url.join(location)
                if not self.transport.is_hub(url):
                    self._location = str(url)
                    return
                continue
            if response.is_success:
                return
            raise self._hub_error(response)

    async def open(self, start: int, end: int, url: str | None = None) -> httpx.Response:
        """A streaming response for bytes [start, end); 200 or 206 (the caller checks which)."""
        headers = {}
        if end < self.size:
            headers["Range"] = f"bytes={start}-{end - 1}"
        elif start > 0:
            headers["Range"] = f"bytes={start}-"  # a resume: everything from the next byte
        url = url or self._location or self.url
        response = await self.transport.send("GET", url, purpose="data", headers=headers, stream=True)
        if response.status_code in (200, 206):
            final = response.request.url
            if not self.transport.is_hub(final):
                self._location = str(final)
            return response
        try:
            await response.aread()
        finally:
            await response.aclose()
        if self.transport.is_hub(response.request.url):
            raise self._hub_error(response)
        raise self._storage_error(response)


async def stream_range(remote: RemoteFile, start: int, end: int) -> AsyncGenerator[bytes, None]:
    """Bytes [start, end) of the file, in order, resuming after failures."""
    policy = remote.policy
    pos = start
    failures = rate_limited = 0
    while pos < end:
        url = None
        try:
            url = await remote.location()
            response = await remote.open(pos, end, url)
            try:
                skip = 0
                if response.status_code == 206:
                    found = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                    if not found or int(found.group(1)) != pos:
                        raise _WrongRange(f"asked for byte {pos}, got {response.headers.get('Content-Range')}")
                elif pos > 0:
                    skip = pos  # a whole-file answer: drop what we already have
                async for chunk in response.aiter_raw():
                    if skip:
                        if len(chunk) <= skip:
                            skip -= len(chunk)
                            continue
                        chunk, skip = chunk[skip:], 0
                    if pos + len(chunk) > end:
                        chunk = chunk[: end - pos]
                    if chunk:
                        pos += len(chunk)
                        failures = 0
                        yield chunk
                    if pos >= end:
                        break
            finally:
                await response.aclose()
            if pos < end:
                raise _ShortBody(f"the connection ended at byte {pos} of {end}")
        except _TRANSIENT as exc:
            remote.invalidate(url)
            if isinstance(exc, HubRateLimited):
                rate_limited += 1
                wait = exc.wait if exc.wait is not None else backoff(rate_limited, policy.base_delay)
                if wait > policy.max_rate_limit_wait or rate_limited > policy.max_rate_limited:
                    raise
            else:
                failures += 1
                if failures > policy.resume_attempts:
                    raise HubServerError(
                        f"Downloading '{remote.file.path}' failed {failures} times in a row "
                        f"at byte {pos}: {type(exc).__name__}: {exc}"
                    ) from exc
                wait = backoff(failures, policy.base_delay)
            await asyncio.sleep(wait)


class _Segment:
    """Chunks of one ranged segment, filled by a worker task and drained in order by the consumer."""

    def __init__(self) -> None:
        self._chunks: collections.deque[bytes] = collections.deque()
        self._ready = asyncio.Event()
        self._done = False
        self._error: BaseException | None = None

    def put(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._ready.set()

    def finish(self, error: BaseException | None = None) -> None:
        self._done, self._error = True, error
        self._ready.set()

    async def drain(self) -> AsyncGenerator[bytes, None]:
        while True:
            while self._chunks:
                yield self._chunks.popleft()
            if self._error is not None:
                raise self._error
            if self._done:
                return
            self._ready.clear()
            await self._ready.wait()


async def parallel_stream(remote: RemoteFile) -> AsyncGenerator[bytes, None]:
    """The whole file through up to `connections` ranged requests at once, yielded in order.

    Downloads go on while the consumer (the storage writer) is busy: up to `connections` segments
    download at once, and at most `connections + 2` are started but not yet consumed, and no more than
    the app's `SegmentBudget` allows beyond the one the consumer waits for; that bounds memory."""
    policy = remote.policy
    remote.shared = True
    bounds = [(s, min(s + policy.segment_size, remote.size)) for s in range(0, remote.size, policy.segment_size)]
    window = policy.connections + 2
    budget = segment_budget()
    budget.limit = policy.segments_buffered  # the engine's current setting
    segments: dict[int, _Segment] = {}
    tasks: set[asyncio.Task] = set()
    head = started = running = held = 0
    closing = False

    def pump() -> None:
        nonlocal started, running, held
        while not closing and started < len(bounds) and running < policy.connections and started - head < window:
            if started > head and not budget.room():
                budget.wait_for_room(pump)
                return
            budget.take()
            held += 1
            segment = segments[started] = _Segment()
            task = asyncio.create_task(fill(segment, *bounds[started]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            started += 1
            running += 1

    def consumed() -> None:
        nonlocal held
        held -= 1
        budget.give()

    async def fill(segment: _Segment, start: int, end: int) -> None:
        nonlocal running
        try:
            async with aclosing(stream_range(remote, start, end)) as chunks:
                async for chunk in chunks:
                    segment.put(chunk)
        except asyncio.CancelledError:
            segment.finish(asyncio.CancelledError())
            raise
        except Exception as exc:
            segment.finish(exc)
        else:
            segment.finish()
        finally:
            running -= 1
            pump()  # a connection is free: start the next segment now, not when the consumer gets there

    try:
        for index in range(len(bounds)):
            head = index
            pump()
            async with aclosing(segments.pop(index).drain()) as chunks:
                async for chunk in chunks:
                    yield chunk
            consumed()
    finally:
        closing = True
        pending = list(tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for _ in range(held):
            consumed()


def file_chunks(remote: RemoteFile) -> AsyncGenerator[bytes, None]:
    policy = remote.policy
    if policy.connections > 1 and remote.size >= max(policy.parallel_threshold, 2 * policy.segment_size):
        return parallel_stream(remote)
    return stream_range(remote, 0, remote.size)
