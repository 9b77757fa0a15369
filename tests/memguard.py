"""A stop, with every thread's stack, when the test process grows past a bound.

Tests run the app, the fault proxy and their clients in this one process. A loop that goes wrong in
any of them (a body read as if it were a head, a retry without end) can grow it by tens of MB a
second until the kernel's OOM killer ends the run with nothing to say why. Checked every 2 s: past
`limit_bytes` the stacks of all threads go to stderr, where CI keeps them, and the run stops.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
import time

import psutil


def rss_bytes() -> int:
    return psutil.Process().memory_info().rss  # as tests/rss.py reads it


def guard(limit_bytes: int, interval: float = 2.0) -> None:
    def watch() -> None:
        while True:
            time.sleep(interval)
            rss = rss_bytes()
            if rss > limit_bytes:
                print(
                    f"\nmemguard: the test process uses {rss >> 20} MiB (limit {limit_bytes >> 20} MiB); "
                    "the stacks of its threads follow, then the run stops",
                    file=sys.stderr,
                    flush=True,
                )
                faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
                os._exit(3)

    threading.Thread(target=watch, name="memguard", daemon=True).start()
