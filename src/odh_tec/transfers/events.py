"""Job updates for the one SSE stream per browser tab.

Progress marks a job dirty; a ticker sends each dirty job at most every `interval` seconds (≤ 2/s
with the default), while a state change that ends a job goes out at once. Each subscriber keeps only
the latest pending update per job, so a slow client costs memory per job, never per update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

from odh_tec.transfers.model import Job


def _dumps(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"))


class Subscription:
    def __init__(self) -> None:
        self._pending: dict[str, tuple[str, str]] = {}
        self._ready = asyncio.Event()
        self.closed = False

    def push(self, job_id: str, event: str, data: str) -> None:
        self._pending.pop(job_id, None)  # re-insert: newest updates go last
        self._pending[job_id] = (event, data)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next_batch(self, timeout: float) -> list[tuple[str, str]] | None:
        """Pending (event, data) pairs; [] after `timeout` with nothing new; None once closed."""
        if not self._pending and not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        if self.closed and not self._pending:
            return None
        self._ready.clear()
        batch, self._pending = list(self._pending.values()), {}
        return batch


class EventHub:
    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self._subscribers: set[Subscription] = set()
        self._dirty: dict[str, Job] = {}
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
        data = _dumps({"id": job_id})
        for sub in list(self._subscribers):
            sub.push(job_id, "removed", data)

    def _send(self, job: Job) -> None:
        if not self._subscribers:
            return
        data = _dumps(job.to_json())  # serialised once for every tab
        for sub in list(self._subscribers):
            sub.push(job.id, "job", data)

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
