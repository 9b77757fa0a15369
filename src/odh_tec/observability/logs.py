"""Logging: plain lines for a terminal, or one JSON object per line (`LOG_FORMAT=json`) for a cluster.

Every line logged while a request runs carries that request's id (`X-Request-ID` from the proxy when
it sends one, else a new one), and the response echoes it, so a user's error report finds its logs.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import time

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Last line of defence: values that look like credentials never reach a log line.
_SECRETS = re.compile(
    r"(?i)(authorization:\s*bearer\s+|token=|secret[_-]?access[_-]?key[\"'=:\s]+|"
    r"aws_secret_access_key[\"'=:\s]+|hf_[A-Za-z0-9]{8,})[^\s\"'&,]*"
)


def redact(text: str) -> str:
    return _SECRETS.sub(lambda m: m.group(1) + "***" if not m.group(0).startswith("hf_") else "hf_***", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        rid = request_id.get()
        return f"{line} [{rid}]" if rid else line


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt.lower() == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Uvicorn's own loggers go through the same handler and format.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class RequestIdMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), "")
        rid = given if _VALID_ID.match(given) else secrets.token_hex(8)
        token = request_id.set(rid)

        async def with_id(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            request_id.reset(token)
