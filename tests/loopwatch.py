"""Blocking calls in the app's async code, caught while the tests run.

Every app a test starts (`conftest.LiveServer`) runs its event loop in asyncio's debug mode, which logs
each callback that held the loop longer than a threshold ("Executing <callback> took X seconds"). A
callback that long makes every other request wait as long: a scan, a parse or a file read that belongs
in a worker thread.

Wall time alone would also blame the machine: on 2 shared cores, with SeaweedFS, the fake Hub and the
test's own threads competing for the CPU and the GIL, a short callback can wait a tenth of a second to be
scheduled. So a witness thread keeps the CPU clock of each app's loop thread, and a slow callback
counts as *blocking* when the loop thread spent at least half the threshold on the CPU during it, or
when it lasted five times the threshold whatever it did (a sleep, a synchronous network call). Others,
and those during which the witness itself could not run (the whole process was waiting for a core), are
kept as *starved* and only listed.
"""

from __future__ import annotations

import collections
import linecache
import logging
import threading
import time

LIVE_THREAD = "live-server"
WITNESS_INTERVAL = 0.01


def lighten_debug_stacks() -> None:
    """Debug mode records where each handle and future was created; every record calls
    `linecache.checkcache`, one `stat` per source file on the stack. That was 40 % of an app's loop CPU
    in a profile of an HF import (8,400 stats), enough to push ordinary callbacks over the slow-callback
    limit and blame the app for the test harness. The source files do not change during a test run, so
    in the apps' threads the check is skipped; everywhere else (pytest's own tracebacks) it stays."""
    check = linecache.checkcache

    def checkcache(filename: str | None = None) -> None:
        if not threading.current_thread().name.startswith(LIVE_THREAD):
            check(filename)

    linecache.checkcache = checkcache


class SlowCallbacks(logging.Handler):
    """Collects asyncio's slow-callback lines logged in the apps' threads (`LIVE_THREAD…`)."""

    def __init__(self, threshold: float) -> None:
        super().__init__(logging.WARNING)
        self.threshold = threshold
        self.found: list[str] = []  # blocking: fail the test
        self.starved: list[str] = []  # the loop waited for the CPU, not for its own work
        self.reported = 0  # found[:reported] already failed a test
        self._clocks: dict[int, int] = {}  # loop thread ident → its CPU clock id
        self._samples: dict[int, collections.deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._witness, name="loop-cpu-witness", daemon=True).start()

    def watch(self) -> None:
        """Called in a loop thread: keep its CPU clock until `unwatch`."""
        ident = threading.get_ident()
        with self._lock:
            self._clocks[ident] = time.pthread_getcpuclockid(ident)
            self._samples[ident] = collections.deque(maxlen=int(60 / WITNESS_INTERVAL))

    def unwatch(self) -> None:
        # Under the lock: the witness never reads the clock of a thread that has ended.
        with self._lock:
            self._clocks.pop(threading.get_ident(), None)

    def _witness(self) -> None:
        while True:
            with self._lock:
                now = time.perf_counter()
                for ident, clock in self._clocks.items():
                    self._samples[ident].append((now, time.clock_gettime(clock)))
            time.sleep(WITNESS_INTERVAL)

    def _cpu_during(self, ident: int, seconds: float) -> float | None:
        """CPU seconds the loop thread (the calling thread) used over the last `seconds`; None when the
        witness itself was not running just before (the whole process was waiting for a core)."""
        cpu_now, start = time.thread_time(), time.perf_counter() - seconds
        with self._lock:
            samples = list(self._samples.get(ident, ()))
        before = [(wall, cpu) for wall, cpu in samples if wall <= start]
        if not before or start - before[-1][0] > 3 * WITNESS_INTERVAL:
            return None
        wall_before, cpu_before = before[-1]
        after = next(((wall, cpu) for wall, cpu in samples if wall > start), None)
        if after is None:
            return cpu_now - cpu_before
        # The sample before the callback can be up to 3 intervals early: CPU spent then, by the callback
        # before this one, is not this callback's. Take the clock's value at `start` between the two samples.
        wall_after, cpu_after = after
        share = (start - wall_before) / (wall_after - wall_before)
        return cpu_now - (cpu_before + share * (cpu_after - cpu_before))

    def unreported(self) -> list[str]:
        new, self.reported = self.found[self.reported :], len(self.found)
        return new

    def emit(self, record: logging.LogRecord) -> None:
        if not (record.threadName.startswith(LIVE_THREAD) and str(record.msg).startswith("Executing ")):
            return
        seconds = float(record.args[-1]) if isinstance(record.args, tuple) and record.args else self.threshold
        cpu = self._cpu_during(record.thread or 0, seconds)
        spent = "CPU time unknown" if cpu is None else f"{cpu * 1000:.0f} ms of it on the CPU"
        line = f"{record.getMessage()} ({spent})"
        blocking = (cpu is not None and cpu >= self.threshold / 2) or seconds >= 5 * self.threshold
        (self.found if blocking else self.starved).append(line)

    def describe(self, lines: list[str]) -> str:
        return f"an app's event loop was blocked over {self.threshold * 1000:.0f} ms:\n" + "\n".join(lines)
