"""Answering from ASGI middleware, before any route runs, in the API's error shape."""

from __future__ import annotations

import json
from collections.abc import Sequence

from odh_tec.errors import error_body


async def send_error(send, status: int, code: str, message: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(error_body(code, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def header(scope, name: bytes) -> str | None:
    """The first value of a request header, as text (latin-1, as HTTP defines it)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None
