"""Fault injection for the fake Hub: wrong answers and broken bodies, on purpose, a bounded number of times."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

# Kinds that replace the whole answer, and kinds that damage a file body while it is sent.
STATUS = "status"  # answer `status` (429 carries RateLimit headers) instead of the real answer
DISCONNECT = "disconnect"  # promise the full Content-Length, send `after_bytes`, close the socket
STALL = "stall"  # send `after_bytes`, then go silent for `seconds` (read timeouts), then close
THROTTLE = "throttle"  # send the body at `rate` bytes per second (progress and cancel tests)
CORRUPT = "corrupt"  # flip the byte at absolute file offset `offset`
IGNORE_RANGE = "ignore_range"  # answer 200 with the whole file to a Range request

BODY_KINDS = {DISCONNECT, STALL, THROTTLE, CORRUPT, IGNORE_RANGE}


@dataclass
class Fault:
    kind: str
    path: str | None = None  # substring of the repo file path (or the URL path) to match
    repo: str | None = None  # the repo id the request names, exactly; None for any (one crafted repo among many)
    host: str | None = None  # "hub", "lfs" or None for both
    method: str | None = None  # "GET", "HEAD" or None for both
    times: int | None = 1  # how many requests it hits; None = every matching request
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None  # for 429: Retry-After header (seconds)
    reset: int = 1  # for 429: the `t` of the RateLimit header
    after_bytes: int = 0
    seconds: float = 5.0
    rate: float = 1 << 20
    offset: int = 0
    hits: int = 0

    def matches(self, host: str, method: str, target: str, repo: str | None = None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.repo is not None and self.repo != repo:
            return False
        if self.host and self.host != host:
            return False
        if self.method and self.method != method:
            return False
        return self.path is None or self.path in target


class FaultSet:
    """The active faults; each request takes the ones that match it (and uses up one hit of each)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, host: str, method: str, target: str, kinds: set[str], repo: str | None = None) -> list[Fault]:
        with self._lock:
            hit = [f for f in self._faults if f.kind in kinds and f.matches(host, method, target, repo)]
            for fault in hit:
                fault.hits += 1
            return hit
