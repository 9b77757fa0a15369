"""Memory the server process gives back to the system."""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
_M_MMAP_THRESHOLD = -3
# Above what the ASGI server hands us per read (uvloop: up to 256 KiB) and what aiohttp reads from a
# part (64 KiB), below a part (8 MiB): see return_freed_buffers.
MMAP_THRESHOLD = 1 << 20
# The chunks a download or a copy reads (S3 or local) and hands on: below the threshold with room for
# the bytes object's header, so each comes from the heap and reuses freed memory. At 1 MiB every chunk
# was mapped, page-faulted in and unmapped: about a third of a download's CPU.
READ_CHUNK = MMAP_THRESHOLD - (64 << 10)
# Free memory at the top of the heap kept for the next allocation instead of given back. glibc's own
# default is 128 KiB, raised to twice the mmap threshold as it moves it; a fixed threshold leaves it at
# 128 KiB, and then freeing any chunk above that at the top gave the pages back and the next one
# faulted them in again (b"".join of 960 KiB: 0.53 CPU-s per GiB; 0.03 with this).
TRIM_THRESHOLD = 4 * MMAP_THRESHOLD


def return_freed_buffers() -> bool:
    """Keep transfer buffers (8 MiB parts, segments of Hub downloads) out of the heap, so that freeing one
    gives its memory back at once.

    glibc serves blocks of 128 KiB and more with mmap and unmaps them on free, but after the first such
    free it raises that threshold (up to 32 MiB) and serves 8 MiB blocks from the heap, where freed
    ones mostly stay in the process: 70 MB more peak RSS with a Hub import and four large uploads
    (bench/load_bench.py). Setting the threshold keeps it fixed. Returns whether it was set (glibc only).

    Fixed at 1 MiB, not glibc's 128 KiB: at 128 KiB every body chunk the server reads was mapped,
    first-touched and unmapped again, and page faults were half of an upload's CPU (5 CPU-s/GiB; 2.7
    at 1 MiB, docs/performance.md "Upload CPU"). Parts are still far above it and still given back.
    The trim threshold is set with it (TRIM_THRESHOLD), for the same reason one level down.

    Parquet previews allocate through pyarrow, whose own allocator (mimalloc) keeps what it freed: 70 MB
    more after a hundred previews, 17 MB with the system allocator, which it is told to use (before its
    first import; ARROW_DEFAULT_MEMORY_POOL set by the operator wins).
    """
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        )
    except (OSError, AttributeError):  # musl or another libc
        return False
