"""Event-loop health: how late the loop runs a task that asked to sleep, and who kept it busy.

Every request the app serves shares one event loop, so anything that runs on it without awaiting (a
directory scan, a parse, a hash of a whole buffer) delays every other request by as long as it runs.
A task that sleeps `interval` seconds and measures how much later it woke sees exactly that delay; the
overshoot goes to a histogram and the worst one to a gauge (`/metrics`). Cost: ten wake-ups a second.

The lag says *that* the loop was blocked, not *by what*. For that, `ODH_TEC_SLOW_CALLBACK_MS=N` turns on
asyncio's debug mode in the app, which logs every callback that ran longer than N ms as
"Executing <callback> took X seconds" (logger `asyncio`, level WARNING). Debug mode slows the app
down (it records where every coroutine was created), so it is for tests and investigations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time

from prometheus_client import Gauge, Histogram

log = logging.getLogger(__name__)

SLOW_CALLBACK_ENV = "ODH_TEC_SLOW_CALLBACK_MS"

LAG = Histogram(
    "odh_tec_event_loop_lag_seconds",
    "How much later than asked the event loop woke a sleeping task (sampled every 0.1 s)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LAG_MAX = Gauge("odh_tec_event_loop_lag_max_seconds", "The worst event-loop lag seen since the app started")

# One event loop per process in production; tests run several apps in one process, and the gauge is
# per process, so the worst value is too.
_worst = 0.0


def _record(lag: float) -> None:
    global _worst
    LAG.observe(lag)
    if lag > _worst:
        _worst = lag
        LAG_MAX.set(lag)


class LoopLagMonitor:
    """Samples the lag of the running loop until `stop()`; `worst` is this monitor's worst lag."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="event-loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        # perf_counter, not loop.time(): uvloop's clock is read once per loop iteration, so a callback
        # that blocks earlier in the same iteration would not show in it.
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            lag = max(0.0, time.perf_counter() - started - self.interval)
            self.worst = max(self.worst, lag)
            _record(lag)


def slow_callback_threshold() -> float | None:
    """`ODH_TEC_SLOW_CALLBACK_MS` in seconds, or None when it is unset, empty or 0."""
    value = os.environ.get(SLOW_CALLBACK_ENV, "").strip()
    if not value:
        return None
    try:
        ms = float(value)
    except ValueError:
        log.warning("%s=%r is not a number of milliseconds: slow callbacks are not reported", SLOW_CALLBACK_ENV, value)
        return None
    return ms / 1000 if ms > 0 else None


def report_slow_callbacks(loop: asyncio.AbstractEventLoop, threshold: float) -> None:
    """asyncio (and uvloop) log callbacks slower than `threshold` seconds, in debug mode only."""
    loop.set_debug(True)
    loop.slow_callback_duration = threshold
    log.info("asyncio debug mode on: callbacks over %.0f ms are logged (%s)", threshold * 1000, SLOW_CALLBACK_ENV)


def watch_event_loop() -> LoopLagMonitor:
    """Start the lag monitor on the running loop, and the slow-callback log where it is asked for."""
    threshold = slow_callback_threshold()
    if threshold is not None:
        report_slow_callbacks(asyncio.get_running_loop(), threshold)
    monitor = LoopLagMonitor()
    monitor.start()
    return monitor
