"""Cross-site request guard for every state-changing request (anything but GET, HEAD, OPTIONS).

A browser says where a request comes from (Origin, Sec-Fetch-Site) and a page cannot forge either.
Clients that send neither (curl, the CLI, scripts) are not browsers and keep working.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from odh_tec.security.proxy import context_of
from odh_tec.security.responses import header, send_error

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(scheme: str, host: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in, for comparison."""
    parts = urlsplit(f"{scheme}://{host}")
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)


class CrossSiteGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            problem = self.problem(scope)
            if problem:
                await send_error(send, 403, "CrossSiteRequest", problem)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def problem(scope) -> str | None:
        site = (header(scope, b"sec-fetch-site") or "").lower()
        if site in ("cross-site", "same-site"):
            return f"Refused a {site} request: only this app's own pages may change data."
        origin = header(scope, b"origin")
        if origin is None:
            return None
        context = context_of(scope)
        parts = urlsplit(origin)
        if origin == "null" or not parts.scheme or not parts.hostname:
            return "Refused a request from an opaque origin."
        theirs = origin_of(parts.scheme.lower(), parts.netloc)
        ours = origin_of(context.scheme, context.host)
        if theirs != ours:
            return f"Refused a request from {origin}: only this app's own pages may change data."
        return None
