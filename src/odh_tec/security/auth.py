"""The optional access token (AUTH=token or AUTH_TOKEN), for deployments with no proxy in front.

A client shows the token as `Authorization: Bearer <token>`; a browser gets an HttpOnly,
SameSite=Strict cookie from the login URL printed at start (`<app>/login?token=…`), as Jupyter does.
The cookie holds a digest of the token, not the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from urllib.parse import parse_qs

from odh_tec.security.headers import content_security_policy
from odh_tec.security.policy import SecurityPolicy
from odh_tec.security.responses import header, send_error

COOKIE = "odh_tec_auth"
_MAX_LOGIN_BODY = 4096


def cookie_value(token: str) -> str:
    return hashlib.sha256(f"odh-tec-cookie:{token}".encode()).hexdigest()


def _cookies(scope) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                jar.setdefault(key, val)
    return jar


LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Log in · ODH Tools &amp; Extensions Companion</title>
<style>:root{{color-scheme:light dark;--bg:#f2f2f2;--card:#fff;--fg:#151515;--muted:#4d4d4d;--line:#c7c7c7;
--primary:#0066cc;--on-primary:#fff;--danger:#b1380b}}
@media (prefers-color-scheme:dark){{:root{{--bg:#151515;--card:#292929;--fg:#f2f2f2;--muted:#c7c7c7;
--line:#707070;--primary:#92c5f9;--on-primary:#151515;--danger:#f89b78}}}}
body{{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 RedHatText,"Red Hat Text",Helvetica,Arial,sans-serif}}
main{{box-sizing:border-box;max-width:30rem;margin:4rem auto;padding:2rem;background:var(--card);border-radius:16px}}
header{{display:flex;align-items:center;gap:.75rem;margin-bottom:1rem}}
h1{{margin:0;font-size:1.25rem;font-weight:500}}p{{color:var(--muted)}}
label{{display:block;font-weight:600;font-size:.875rem}}
input{{box-sizing:border-box;width:100%;margin:.5rem 0 1.5rem;padding:.5rem;border:1px solid var(--line);
border-radius:6px;background:transparent;color:inherit;font:inherit}}
button{{padding:.5rem 1.5rem;border:0;border-radius:999px;background:var(--primary);color:var(--on-primary);
font:inherit;cursor:pointer}}.error{{color:var(--danger)}}
@media (max-width:36rem){{main{{margin:1rem}}}}</style></head><body><main>
<header><img src="{icon}" alt="" width="32" height="32"><h1>ODH Tools &amp; Extensions Companion</h1></header>
<p>This server asks for its access token. Open the login URL printed when it started, or paste the token.</p>
{error}<form method="post" action="{action}"><label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
<button type="submit">Log in</button></form></main></body></html>"""


class TokenAuth:
    def __init__(self, app, policy: SecurityPolicy):
        self.app, self.policy = app, policy
        self.login_path = f"{policy.prefix}/login"
        self.public = {f"{policy.api_root}/health", f"{policy.api_root}/livez", f"{policy.prefix}/favicon.svg"}
        self.assets = f"{policy.prefix}/assets/"
        self.cookie = cookie_value(policy.token)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.policy.auth != "token":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self.login_path:
            await self.login(scope, receive, send)
            return
        if self.authenticated(scope) or path in self.public or path.startswith(self.assets):
            await self.app(scope, receive, send)
            return
        if path == self.policy.api_root or path.startswith(self.policy.api_root + "/"):
            await send_error(
                send,
                401,
                "Unauthorized",
                "This server needs its access token: 'Authorization: Bearer <token>' "
                "or the login URL printed at start.",
                headers=[(b"www-authenticate", b'Bearer realm="odh-tec"')],
            )
            return
        await self.redirect(send, self.login_path)

    def authenticated(self, scope) -> bool:
        bearer = header(scope, b"authorization") or ""
        if bearer[:7].lower() == "bearer " and hmac.compare_digest(bearer[7:].strip(), self.policy.token):
            return True
        return hmac.compare_digest(_cookies(scope).get(COOKIE, ""), self.cookie)

    async def login(self, scope, receive, send):
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        if scope["method"] == "POST":
            given = parse_qs((await _read_small(receive)).decode("utf-8", "replace")).get("token", [""])[0]
        if given and hmac.compare_digest(given, self.policy.token):
            await self.redirect(send, f"{self.policy.prefix}/", set_cookie=self.session_cookie(scope))
            return
        error = '<p class="error" role="alert">That token is not valid.</p>' if given else ""
        page = LOGIN_PAGE.format(
            error=error, action=html.escape(self.login_path), icon=html.escape(f"{self.policy.prefix}/favicon.svg")
        )
        body = page.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401 if given else 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                    (b"content-security-policy", content_security_policy(page).encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def session_cookie(self, scope) -> bytes:
        path = self.policy.prefix or "/"
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        return f"{COOKIE}={self.cookie}; Path={path}; HttpOnly; SameSite=Strict{secure}".encode()

    @staticmethod
    async def redirect(send, location: str, set_cookie: bytes | None = None) -> None:
        headers = [(b"location", location.encode()), (b"cache-control", b"no-store"), (b"content-length", b"0")]
        if set_cookie:
            headers.append((b"set-cookie", set_cookie))
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


async def _read_small(receive) -> bytes:
    """The login form's body, never more than a few KiB."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if len(body) > _MAX_LOGIN_BODY:
            return b""
        if not message.get("more_body"):
            return body
