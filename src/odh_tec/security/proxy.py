"""X-Forwarded-* headers, believed only from the proxies named in FORWARDED_ALLOW_IPS.

Anyone can send these headers; only a proxy we were told about gets to say what the client's
scheme, host, address and user are. The answer is kept on the scope for the checks that follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from odh_tec.security.policy import SecurityPolicy
from odh_tec.security.responses import header

CONTEXT = "odh_tec.request"
# Headers an authenticating proxy (OpenShift oauth-proxy, oauth2-proxy) sets for the user it let in.
_USER_HEADERS = (b"x-forwarded-user", b"x-forwarded-preferred-username", b"x-forwarded-email")


@dataclass
class RequestContext:
    scheme: str
    host: str  # host[:port] as the browser addressed it
    client: str
    user: str | None  # set only by a trusted proxy


def context_of(scope) -> RequestContext:
    return scope[CONTEXT]


def _first(value: str | None) -> str | None:
    return value.split(",")[0].strip() or None if value else None


class ProxyHeaders:
    def __init__(self, app, policy: SecurityPolicy):
        self.app, self.policy = app, policy

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        peer = (scope.get("client") or (None, 0))[0]
        scheme = scope.get("scheme", "http")
        host = header(scope, b"host") or ""
        client, user = peer or "", None
        if self.policy.proxies.trusts(peer):
            scheme = (_first(header(scope, b"x-forwarded-proto")) or scheme).lower()
            host = _first(header(scope, b"x-forwarded-host")) or host
            client = _first(header(scope, b"x-forwarded-for")) or client
            user = next((v for name in _USER_HEADERS if (v := _first(header(scope, name)))), None)
            if scheme in ("http", "https", "ws", "wss"):
                scope["scheme"] = scheme
        scope[CONTEXT] = RequestContext(scheme=scheme, host=host, client=client, user=user)
        await self.app(scope, receive, send)
