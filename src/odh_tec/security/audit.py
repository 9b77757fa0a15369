"""The audit log: one structured line per state-changing request, refused ones included.

Who (the user an authenticating proxy names, else 'local' or 'token'), what (the route's action),
where (location, key or prefix) and the result. Never a secret: request bodies are not logged, and
of the query only the key, prefix and bucket names are. A route can add details of its own (a
transfer's job id, the number of keys deleted) with `audit_details(request, ...)`.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs

from odh_tec.security.origin import SAFE_METHODS
from odh_tec.security.proxy import context_of

log = logging.getLogger("odh_tec.audit")

DETAILS = "odh_tec.audit"
_QUERY_FIELDS = ("key", "prefix", "bucket")


def audit_details(request, **fields) -> None:
    """Add fields to this request's audit line (values must never be secrets)."""
    request.scope.setdefault(DETAILS, {}).update(fields)


def _result(status: int) -> str:
    if status < 400:
        return "ok"
    return "denied" if status in (401, 403, 413, 429) else "failed"


class AuditLog:
    def __init__(self, app, auth: str):
        self.app, self.auth = app, auth

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.monotonic()
        logged = False

        def write_line() -> None:
            nonlocal logged
            if not logged:
                logged = True
                log.info("%s", json.dumps(self.entry(scope, status, time.monotonic() - started), ensure_ascii=False))

        async def recording_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Written before the last byte leaves: whoever holds the answer can rely on the line.
                write_line()
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            write_line()  # no answer at all (a disconnect, an error before the body)

    def entry(self, scope, status: int, seconds: float) -> dict:
        context = context_of(scope)
        endpoint = scope.get("endpoint")
        action = (
            f"{endpoint.__module__.rsplit('.', 1)[-1]}.{endpoint.__name__}"
            if endpoint
            else f"{scope['method']} {scope['path']}"
        )
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        entry = {
            "event": "audit",
            "user": context.user or ("token" if self.auth == "token" else "local"),
            "client": context.client,
            "method": scope["method"],
            "action": action,
            "location": (scope.get("path_params") or {}).get("location_id"),
            **{name: query[name][0] for name in _QUERY_FIELDS if name in query},
            **scope.get(DETAILS, {}),
            "status": status,
            "result": _result(status),
            "ms": round(seconds * 1000, 1),
        }
        return {k: v for k, v in entry.items() if v is not None}
