"""Transfer rate over a sliding window, so the rate and ETA follow the recent speed, not the average."""

from __future__ import annotations

import collections
import time


class RateMeter:
    def __init__(self, window: float = 8.0):
        self.window = window
        self._samples: collections.deque[tuple[float, int]] = collections.deque()

    def rate(self, total: int, now: float | None = None) -> float:
        """Record `total` bytes done at `now` and return bytes/s over the window."""
        now = time.monotonic() if now is None else now
        samples = self._samples
        if not samples or samples[-1][1] != total or now - samples[-1][0] > 1.0:
            samples.append((now, total))
        while len(samples) > 2 and now - samples[0][0] > self.window:
            samples.popleft()
        if len(samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = samples[0], samples[-1]
        span = max(now - t0, t1 - t0)
        return max(0.0, (b1 - b0) / span) if span > 0 else 0.0
