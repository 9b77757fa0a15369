"""Browser-facing headers on every response: no MIME sniffing, no referrer to other sites, no
framing by other origins, and a Content-Security-Policy on HTML so an injected script cannot run."""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)

BASE_POLICY = (
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
)


def _hashes(pattern: re.Pattern, page: str) -> str:
    """CSP sources for each inline block of a page, so those run and nothing else inline does."""
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in pattern.findall(page)
    )


def content_security_policy(page: str = "") -> str:
    script = f"script-src 'self' {_hashes(_INLINE_SCRIPT, page)}".rstrip()
    style = f"style-src 'self' {_hashes(_INLINE_STYLE, page)}".rstrip()
    return "; ".join([*BASE_POLICY, script, style])


_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeaders:
    def __init__(self, app):
        self.app = app
        self.default_csp = content_security_policy().encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _ALWAYS if name not in present]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", self.default_csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
