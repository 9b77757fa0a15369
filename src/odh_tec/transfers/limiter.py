"""The global limit on files in flight, shared by every job and resizable while jobs run.

FIFO, so jobs take turns; lowering the limit lets running files finish and holds new ones back.
"""

from __future__ import annotations

import asyncio
import collections


class SlotLimiter:
    def __init__(self, limit: int):
        self.limit = max(1, int(limit))
        self.in_use = 0
        self._waiters: collections.deque[asyncio.Future] = collections.deque()

    async def acquire(self) -> None:
        if self.in_use < self.limit and not self._waiters:
            self.in_use += 1
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # granted just as we were cancelled: hand it on
            else:
                self._waiters.remove(future)
            raise

    def release(self) -> None:
        self.in_use -= 1
        self._wake()

    def resize(self, limit: int) -> None:
        self.limit = max(1, int(limit))
        self._wake()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def _wake(self) -> None:
        while self._waiters and self.in_use < self.limit:
            future = self._waiters.popleft()
            if not future.done():
                self.in_use += 1
                future.set_result(None)
