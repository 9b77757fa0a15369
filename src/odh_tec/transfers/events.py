"""Job updates for the one SSE stream per browser tab.

Progress marks a job dirty; a ticker sends each dirty job at most every `interval` seconds (≤ 2/s
with the default), while a state change that ends a job goes out at once. Each subscriber keeps only
the latest pending update per job, so a slow client costs memory per job, never per update.

Payloads: `snapshot` carries full jobs. A `job` event carries the job without its `files`, plus
`files_changed` (the entries whose state, bytes_done, error or destination_key changed since the
previous event for that job) and `files_count`. A job's first event, the event that ends it, and an
update that replaces one a slow client had not read yet carry the full `files` list (and
`files_count`) instead, so a client that missed something ends consistent.

Every job payload carries the job's `version` (see `Job.version`): a delta's `files_changed` are the
changes up to that version, so a client merges a delta only onto an older copy of the job, and keeps
whichever full copy (snapshot, event, API answer) has the higher version.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

from odh_tec.transfers.model import Job


def _dumps(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"))


def full_job(job: Job) -> dict:
    """A `job` event with every file (first and final events, and catching a slow client up)."""
    return {**job.to_json(), "files_count": len(job.files)}


def _file_marks(job: Job) -> list[tuple]:
    return [(f.state, f.bytes_done, f.error, f.key) for f in job.files]


class Subscription:
    def __init__(self) -> None:
        # job id → (event, data, job): data None means "serialise the full job when sent".
        self._pending: dict[str, tuple[str, str | None, Job | None]] = {}
        self._ready = asyncio.Event()
        self.closed = False

    def push(self, job_id: str, event: str, data: str, job: Job | None = None) -> None:
        """Queue an update; `job` is given for a delta (a `job` event with only `files_changed`)."""
        earlier = self._pending.pop(job_id, None)  # re-insert: newest updates go last
        queued: str | None = data
        if job is not None and earlier is not None:
            # The client has not read the earlier update: a delta alone would lose its files.
            queued = None
        self._pending[job_id] = (event, queued, job)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next_batch(self, idle: float) -> list[tuple[str, str]] | None:
        """Pending (event, data) pairs; [] after `idle` seconds with nothing new; None once closed."""
        if not self._pending and not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), idle)
        if self.closed and not self._pending:
            return None
        self._ready.clear()
        pending, self._pending = list(self._pending.values()), {}
        batch = []
        for event, data, job in pending:
            if data is None:
                assert job is not None  # push() drops the data only of a delta, which carries its job
                data = _dumps(full_job(job))
            batch.append((event, data))
        return batch


class EventHub:
    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self._subscribers: set[Subscription] = set()
        self._dirty: dict[str, Job] = {}
        # Per job, what the last event said about each file (same order as job.files).
        self._sent: dict[str, list[tuple]] = {}
        self._task: asyncio.Task | None = None

    def subscribe(self) -> Subscription:
        sub = Subscription()
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def mark(self, job: Job) -> None:
        """Progress happened: send it with the next tick."""
        self._dirty[job.id] = job

    def now(self, job: Job) -> None:
        """A state change that must not wait (a job finished)."""
        self._dirty.pop(job.id, None)
        self._send(job)

    def removed(self, job_id: str) -> None:
        self._dirty.pop(job_id, None)
        self._sent.pop(job_id, None)
        data = _dumps({"id": job_id})
        for sub in list(self._subscribers):
            sub.push(job_id, "removed", data)

    def _send(self, job: Job) -> None:
        if not self._subscribers:
            self._sent.pop(job.id, None)  # new streams start from a snapshot
            return
        marks = _file_marks(job)
        before = self._sent.get(job.id)
        if job.state.finished or before is None or len(before) != len(marks):
            payload, delta = full_job(job), None
        else:
            changed = [f.to_json() for f, old, new in zip(job.files, before, marks, strict=True) if old != new]
            payload = {**job.to_json(files=False), "files_changed": changed, "files_count": len(job.files)}
            delta = job
        if job.state.finished:
            self._sent.pop(job.id, None)
        else:
            self._sent[job.id] = marks
        data = _dumps(payload)  # serialised once for every tab
        for sub in list(self._subscribers):
            sub.push(job.id, "job", data, delta)

    def flush(self) -> None:
        dirty, self._dirty = list(self._dirty.values()), {}
        for job in dirty:
            self._send(job)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.flush()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._tick(), name="transfer-events")

    async def stop(self) -> None:
        for sub in list(self._subscribers):
            sub.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def snapshot(self, jobs: list[Job], serialise: Callable[[Job], dict] | None = None) -> str:
        serialise = serialise or (lambda j: j.to_json())
        return _dumps({"jobs": [serialise(j) for j in jobs]})
