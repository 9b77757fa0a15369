"""Bandwidth limits for server-side transfers: one global token bucket, and one per job that asks.

A job's bytes pass through its own bucket, then the global one, as they flow through the app (the
chunk iterators of the runners). Browser uploads and downloads do not pass here: they are not
throttled. A limit of 0 (or None) means unlimited.

The bucket holds at most `BURST_SECONDS` of its rate, so an idle period buys at most that much of a
burst. A chunk larger than what the bucket holds is let through at once and leaves a debt that later
chunks wait for: chunk sizes do not matter to the average rate. Waits are cut into short slices that
look at the rate again, so a limit changed in Settings applies to running jobs within a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing

BURST_SECONDS = 0.25
WAIT_SLICE = 0.2  # the longest sleep before a changed rate is seen


class TokenBucket:
    """A rate in bytes/s that can change while consumers wait."""

    def __init__(self, rate: int | None = 0):
        self.rate = max(0, int(rate or 0))
        self._tokens = self.rate * BURST_SECONDS
        self._stamp = time.monotonic()

    @property
    def limited(self) -> bool:
        return self.rate > 0

    def _refill(self, now: float) -> None:
        if self.rate:
            self._tokens = min(self.rate * BURST_SECONDS, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def set_rate(self, rate: int | None) -> None:
        """A new limit, from now on; 0 lifts it (waiting consumers go on at once)."""
        now = time.monotonic()
        self._refill(now)
        self.rate = max(0, int(rate or 0))
        if not self.rate:
            self._tokens = 0.0
        else:
            # A debt built at a much lower rate is not carried into the new one beyond one slice.
            self._tokens = max(self._tokens, -self.rate * WAIT_SLICE)
            self._tokens = min(self._tokens, self.rate * BURST_SECONDS)

    async def take(self, n: int) -> None:
        """Account for `n` bytes, waiting as long as the rate requires."""
        if not self.rate:
            return
        now = time.monotonic()
        self._refill(now)
        self._tokens -= n
        while self.rate and self._tokens < 0:
            await asyncio.sleep(min(WAIT_SLICE, -self._tokens / self.rate))
            self._refill(time.monotonic())


class Throttle:
    """The buckets one job's bytes pass through: its own (if it has a limit) and the global one."""

    def __init__(self, *buckets: TokenBucket):
        self.buckets = buckets

    async def take(self, n: int) -> None:
        for bucket in self.buckets:
            await bucket.take(n)


async def throttled(chunks: AsyncGenerator[bytes, None], throttle: Throttle | None) -> AsyncGenerator[bytes, None]:
    """`chunks`, paced by `throttle` (each chunk waits before it is passed on)."""
    async with aclosing(chunks):
        async for chunk in chunks:
            if throttle is not None:
                await throttle.take(len(chunk))
            yield chunk
