"""Prometheus metrics (`/metrics`): requests, bytes moved, transfers, upstream errors, SSE streams.

The metrics are module-level, as prometheus-client intends: code deep in the storage or Hub layers
counts with one line, without a handle on the app. Label values are bounded: routes are templates
(`/api/locations/{location_id}/object`), never raw paths; error codes come from our own vocabulary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

REQUESTS = Counter(
    "odh_tec_http_requests", "HTTP requests by route template, method and status", ["route", "method", "status"]
)
LATENCY = Histogram(
    "odh_tec_http_request_duration_seconds",
    "Time to the end of the response, by route template",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
BYTES = Counter(
    "odh_tec_bytes",
    "Bytes read from (out) and written to (in) storage, by location kind",
    ["direction", "location_kind"],
)
TRANSFERS = Gauge("odh_tec_transfers", "Transfer jobs the app holds, by kind and state", ["kind", "state"])
UPSTREAM_ERRORS = Counter(
    "odh_tec_upstream_errors", "Errors answered by S3 or the Hub, by error code", ["service", "code"]
)
SSE_STREAMS = Gauge("odh_tec_sse_streams", "Open Server-Sent Events streams (browser tabs)")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


def count_upstream_error(service: str, code: str) -> None:
    UPSTREAM_ERRORS.labels(service, code).inc()


# One registry per process, as prometheus-client has it, but the transfer gauges are set from the
# engine of the app being scraped, on that app's loop (the only thread that may read its jobs). The lock
# keeps two apps of one process (the test suite runs many) from interleaving set and render.
_RENDER = threading.Lock()


def render(engine: Any | None) -> tuple[bytes, str]:
    with _RENDER:
        TRANSFERS.clear()
        SSE_STREAMS.set(0 if engine is None else engine.events.subscribers)
        for job in [] if engine is None else engine.list():
            TRANSFERS.labels(job.kind, str(job.state)).inc()
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts every HTTP request once its response has ended, and serves `/metrics`."""

    def __init__(self, app, transfers: Callable[[], Any], path: str = "/metrics"):
        """`transfers`: this app's transfer engine, or None before it started."""
        self.app, self.transfers, self.path = app, transfers, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == self.path and scope["method"] in ("GET", "HEAD"):
            body, content_type = render(self.transfers())
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            REQUESTS.labels(route, method, str(status)).inc()
            LATENCY.labels(route, method).observe(time.perf_counter() - started)
