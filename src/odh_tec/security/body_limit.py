"""A 1 MiB cap on request bodies, except the streamed upload route.

Checked from Content-Length before the route runs, and again while reading, for a chunked body
that does not say its length. Without it a 300 MB JSON body is read in full before a 422.
"""

from __future__ import annotations

import re

from odh_tec.security.responses import header, send_error

MAX_BODY_BYTES = 1 << 20


class BodyLimit:
    def __init__(self, app, api_root: str, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit
        # Uploads are raw bodies streamed into the multipart writer: their size is not ours to cap.
        self.upload = re.compile(rf"^{re.escape(api_root)}/locations/[^/]+/object$")

    def exempt(self, scope) -> bool:
        return scope["method"] == "PUT" and bool(self.upload.match(scope["path"]))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.exempt(scope):
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > self.limit):
            await self.too_large(send)
            return
        seen = 0
        started = rejected = False

        async def limited_receive():
            nonlocal seen, started, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                # Answer now and tell the route the client went away: whatever it does next is dropped.
                rejected = True
                if not started:
                    started = True
                    await self.too_large(send)
                return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not rejected:
                raise

    async def too_large(self, send) -> None:
        await send_error(send, 413, "RequestTooLarge", f"The request body is larger than {self.limit // 1024} KiB.")
