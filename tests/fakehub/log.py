"""What the fake Hub saw: every request, plus in-flight counters to check concurrency limits."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

ANY_HOST = "*"


@dataclass
class Request:
    host: str  # "hub" or "lfs"
    method: str
    path: str  # the raw request path, query included
    headers: dict[str, str]  # lower-case names
    file: str | None = None  # the repo file served, when the request is a download
    repo: str | None = None  # the repo id the request names (on the LFS host: the one that signed the URL)
    status: int = 0
    bytes_sent: int = 0
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def authorized(self) -> bool:
        return "authorization" in self.headers


class RequestLog:
    """Thread-safe; `max_files_in_flight[host]` counts distinct files whose bodies were being sent at once
    (`"*"` over both hosts), which is what a per-file concurrency limit must bound."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._in_flight: Counter[str] = Counter()
        self._files: dict[str, Counter[str]] = {}
        self.max_in_flight: Counter[str] = Counter()
        self.max_files_in_flight: Counter[str] = Counter()

    def begin(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def body_started(self, request: Request) -> None:
        with self._lock:
            for host in (request.host, ANY_HOST):
                self._in_flight[host] += 1
                self.max_in_flight[host] = max(self.max_in_flight[host], self._in_flight[host])
                files = self._files.setdefault(host, Counter())
                files[request.file or request.path] += 1
                self.max_files_in_flight[host] = max(self.max_files_in_flight[host], len(files))

    def body_ended(self, request: Request) -> None:
        with self._lock:
            for host in (request.host, ANY_HOST):
                self._in_flight[host] -= 1
                files = self._files.setdefault(host, Counter())
                key = request.file or request.path
                files[key] -= 1
                if files[key] <= 0:
                    del files[key]

    def in_flight(self, host: str = ANY_HOST) -> int:
        with self._lock:
            return self._in_flight[host]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.max_in_flight.clear()
            self.max_files_in_flight.clear()

    def find(
        self,
        *,
        host: str | None = None,
        method: str | None = None,
        file: str | None = None,
        path_contains: str | None = None,
    ) -> list[Request]:
        with self._lock:
            items = list(self.requests)
        return [
            r
            for r in items
            if (host is None or r.host == host)
            and (method is None or r.method == method)
            and (file is None or r.file == file)
            and (path_contains is None or path_contains in r.path)
        ]
