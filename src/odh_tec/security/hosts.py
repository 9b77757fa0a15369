"""Host allow-list: the defence against DNS rebinding.

A page on attacker.example can make its own name resolve to 127.0.0.1 and then talk to this server
as if same-origin. The one thing it cannot change is the Host header, which names the attacker's host.
"""

from __future__ import annotations

import logging

from odh_tec.security.policy import SecurityPolicy
from odh_tec.security.responses import header, send_error

log = logging.getLogger(__name__)


def host_name(value: str) -> str:
    """'example.com:8888' -> 'example.com'; '[::1]:8888' -> '::1'."""
    value = value.strip()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class HostCheck:
    def __init__(self, app, policy: SecurityPolicy):
        self.app, self.policy = app, policy

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and self.policy.allowed_hosts is not None:
            raw = header(scope, b"host") or ""
            if not self.policy.host_allowed(host_name(raw)):
                log.warning("refused a request for Host '%s' (not in ALLOWED_HOSTS)", raw[:200])
                await send_error(
                    send,
                    403,
                    "HostNotAllowed",
                    f"Host '{raw[:200]}' is not allowed. Add it to ALLOWED_HOSTS to serve it.",
                )
                return
        await self.app(scope, receive, send)
