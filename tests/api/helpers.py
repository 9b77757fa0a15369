"""Small helpers shared by the foundation tests."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

GOOD_HF_TOKEN = "hf_goodtoken_0123456789"


def s3_loc(bucket: str) -> str:
    return f"/api/locations/s3:{bucket}"


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.1) -> bool:
    """Poll `predicate` until it holds or `timeout` passes; returns its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


@contextlib.contextmanager
def raw_put(live, path: str, length: int, *, first: bytes = b"", content_type: str = "") -> Iterator[socket.socket]:
    """A PUT of `path` (below the app's prefix) whose headers promise `length` bytes, and `first` of them,
    on a socket of its own: the caller sends more or none, and leaving the block hangs up mid-body."""
    head = f"PUT {urlsplit(live.url).path}{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    sock = socket.create_connection(("127.0.0.1", live.port))
    try:
        sock.sendall(f"{head}Content-Length: {length}\r\n\r\n".encode() + first)
        yield sock
    finally:
        sock.close()
