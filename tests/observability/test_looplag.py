"""Event-loop lag: the monitor and its metrics, and the slow-callback detection the test apps run with."""

from __future__ import annotations

import asyncio
import time

from odh_tec.observability.looplag import (
    SLOW_CALLBACK_ENV,
    LoopLagMonitor,
    slow_callback_threshold,
    watch_event_loop,
)

from .test_metrics_and_logs import _metric


def test_the_monitor_sees_a_blocked_loop():
    async def scenario() -> float:
        monitor = LoopLagMonitor(interval=0.05)
        monitor.start()
        await asyncio.sleep(0.2)
        quiet = monitor.worst
        time.sleep(0.3)  # a blocking call on the loop, as a scan or a parse would be
        await asyncio.sleep(0.1)
        await monitor.stop()
        assert quiet < 0.1
        return monitor.worst

    assert 0.2 <= asyncio.run(scenario()) < 1


def test_lag_is_exported(api):
    text = api.get("/metrics").text
    assert _metric(text, "odh_tec_event_loop_lag_seconds_count") > 0
    assert 'odh_tec_event_loop_lag_seconds_bucket{le="0.1"}' in text
    assert _metric(text, "odh_tec_event_loop_lag_max_seconds") >= 0


def test_slow_callback_threshold_from_the_environment(monkeypatch):
    monkeypatch.setenv(SLOW_CALLBACK_ENV, "250")
    assert slow_callback_threshold() == 0.25
    for off in ("0", "", "soon"):
        monkeypatch.setenv(SLOW_CALLBACK_ENV, off)
        assert slow_callback_threshold() is None

    async def debug_on() -> tuple[bool, float]:
        monkeypatch.setenv(SLOW_CALLBACK_ENV, "50")
        monitor = watch_event_loop()
        loop = asyncio.get_running_loop()
        await monitor.stop()
        return loop.get_debug(), loop.slow_callback_duration

    assert asyncio.run(debug_on()) == (True, 0.05)


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_a_blocking_callback_in_the_app_is_caught(live, slow_callbacks):
    live.server.loop.call_soon_threadsafe(_busy, 0.3)  # CPU work on the loop, as a parse would be
    deadline = time.monotonic() + 5
    while not slow_callbacks.found[slow_callbacks.reported :]:
        assert time.monotonic() < deadline, f"not reported; seen as starved: {slow_callbacks.starved}"
        time.sleep(0.05)
    # Taken here, so that this test, which blocked the loop on purpose, passes.
    found = slow_callbacks.unreported()
    assert len(found) == 1 and "_busy" in found[0], found
