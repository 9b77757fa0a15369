"""Peak memory of a process while a test runs: the app's RSS budget is checked by sampling, not by hope."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator

import psutil


@contextlib.contextmanager
def peak_rss(pid: int | None = None, interval: float = 0.005) -> Iterator[dict]:
    """Samples the RSS of `pid` (this process, where the tests' apps run, by default) every `interval`
    seconds while the block runs; the yielded dict gets `base`, `peak` and, at the end, `growth` (bytes)."""
    if pid is None:
        gc.collect()  # garbage of earlier tests is not this block's growth
    process = psutil.Process(pid or os.getpid())
    base = process.memory_info().rss
    result = {"base": base, "peak": base}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(interval):
            with contextlib.suppress(psutil.Error):
                result["peak"] = max(result["peak"], process.memory_info().rss)

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        stop.set()
        sampler.join()
        with contextlib.suppress(psutil.Error):
            result["peak"] = max(result["peak"], process.memory_info().rss)
        result["growth"] = result["peak"] - base
