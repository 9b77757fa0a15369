"""Small helpers shared by the foundation tests."""

from __future__ import annotations

import time
from collections.abc import Callable

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
