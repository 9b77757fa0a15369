"""The botocore sessions S3 clients are made from, arranged so that no client call blocks the event loop.

botocore does two slow things synchronously, which under aiobotocore means on the event loop, where
every other request waits for them:

* **Building a client** reads and parses the S3 model and the endpoint rules (several MB of JSON, a
  quarter of a second on a busy small pod) each time a session makes its first client. One loader,
  filled once in a worker thread, serves every session: a client then takes a few milliseconds.
* **Parsing an answer** is pure Python: a 1,000-key ListObjectsV2 page takes 50-500 ms, two thirds
  of it in dateutil reading the timestamps. Large XML answers are parsed in a worker thread, and
  timestamps in S3's ISO 8601 form by the standard library (3× faster), dateutil only for the rest.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

from aiobotocore.parsers import AioResponseParserFactory, AioRestXMLParser
from aiobotocore.session import AioSession, get_session
from botocore.loaders import Loader
from botocore.parsers import ResponseParser
from botocore.utils import parse_timestamp

# Answers at least this large are parsed in a worker thread: a listing page, not a HeadObject.
THREAD_PARSE_BYTES = 32 * 1024

_loader: Loader | None = None
_loader_lock = threading.Lock()  # not asyncio's: tests run several apps, each on its own loop


def s3_timestamp(value: Any) -> datetime:
    """botocore's timestamp parser, with a fast path for the ISO 8601 form S3 uses in XML bodies
    (`2026-01-02T03:04:05.000Z`). Header dates (RFC 1123), epochs and anything naive go to botocore."""
    if isinstance(value, str) and "T" in value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    return parse_timestamp(value)


class _ThreadedRestXMLParser(AioRestXMLParser):
    async def parse(self, response: dict, shape: Any) -> Any:
        body = response.get("body")
        if isinstance(body, bytes | bytearray) and len(body) >= THREAD_PARSE_BYTES:
            # botocore's own synchronous parse, the one aiobotocore's wraps (rest-xml never awaits).
            return await asyncio.to_thread(ResponseParser.parse, self, response, shape)
        return await super().parse(response, shape)


class _ParserFactory(AioResponseParserFactory):
    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "rest-xml":
            return _ThreadedRestXMLParser(**self._defaults)
        return super().create_parser(protocol_name)


def _shared_loader() -> Loader:
    """The loader every session uses, filled with what building an S3 client reads (botocore caches
    each file per loader, so it is read once per process)."""
    global _loader
    with _loader_lock:
        if _loader is None:
            loader: Loader = get_session().get_component("data_loader")
            loader.list_available_services("service-2")
            loader.load_service_model("s3", "service-2")
            loader.load_service_model("s3", "endpoint-rule-set-1")
            loader.load_data("endpoints")
            loader.load_data("partitions")
            loader.load_data("sdk-default-configuration")
            _loader = loader
        return _loader


async def new_session() -> AioSession:
    """A fresh session for one client: nothing shared between clients but the read-only models."""
    session = get_session()
    session.register_component("data_loader", _loader or await asyncio.to_thread(_shared_loader))
    factory = _ParserFactory()
    factory.set_parser_defaults(timestamp_parser=s3_timestamp)
    session.register_component("response_parser_factory", factory)
    return session
