"""The botocore sessions S3 clients are made from, arranged so that no client call blocks the event loop.

botocore does two slow things synchronously, which under aiobotocore means on the event loop, where
every other request waits for them:

* **Building a client** reads and parses the S3 model and the endpoint rules (several MB of JSON, a
  quarter of a second on a busy small pod) each time a session makes its first client. One loader,
  filled once in a worker thread, serves every session: a client then takes a few milliseconds.
* **Parsing an answer**: a 1,000-key ListObjectsV2 page is parsed twice (once by a handler that looks
  for an error inside a 200 answer, once for its content), 50-500 ms in all, two thirds of it in
  dateutil reading the timestamps. Large XML answers are checked and parsed once, in a worker thread,
  fed to expat in pieces (one call over the whole body would hold the GIL, and so the loop); timestamps
  in S3's ISO 8601 form are read by the standard library (3× faster), dateutil only for the rest.
  ListObjectsV2 pages skip botocore's generic walk altogether: `listing_xml` reads the few fields a
  listing has into the same dicts (about 4 µs per key instead of 80), on the loop for pages up to
  ~600 keys, in a worker thread above; whatever it does not read exactly as botocore would (an error,
  an archived object) goes the way described above.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from aiobotocore.parsers import AioResponseParserFactory, AioRestXMLParser
from aiobotocore.session import AioSession, get_session
from botocore.compat import ETree
from botocore.handlers import _handle_200_error
from botocore.loaders import Loader
from botocore.parsers import ResponseParser, ResponseParserError
from botocore.utils import parse_timestamp

from odh_tec.storage.s3.listing_xml import NotLean, parse_list_objects_v2

# Answers at least this large are parsed in a worker thread: a listing page or a list of 80 buckets
# (botocore reads ListBuckets at ~40 µs a bucket), not a HeadObject or a multipart answer.
THREAD_PARSE_BYTES = 8 * 1024
# A listing's lean parse costs about 4 µs per key: up to ~600 keys (a few ms) it stays on the loop,
# where it does not wait for a worker thread; larger pages go to one.
LISTING_THREAD_PARSE_BYTES = 128 * 1024
LISTING_OPERATION = "ListObjectsV2"
FEED_BYTES = 64 * 1024

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


def _is_listing(shape: Any) -> bool:
    return shape is not None and shape.name == f"{LISTING_OPERATION}Output"


def _reads_200_errors(shape: Any) -> bool:
    """Whether botocore looks for an error inside a 200 answer of this shape (not in a blob or text)."""
    if shape is None:
        return False
    payload = shape.serialization.get("payload")
    return payload is None or shape.members[payload].type_name not in ("blob", "string")


class _ThreadedRestXMLParser(AioRestXMLParser):
    """Large answers parsed in a worker thread, fed to expat 64 KiB at a time: one call over a whole
    1,000-key page holds the GIL for 10-100 ms, during which the event loop cannot run either."""

    _dom: tuple[bytes, Any] | None = None  # (body, its tree): the 200-error check parses it once

    _lean: dict | None = None  # a listing's members, read by `listing_xml` (see `_parse_payload`)

    async def parse(self, response: dict, shape: Any) -> Any:
        body = response.get("body")
        if _is_listing(shape) and response["status_code"] == 200 and isinstance(body, bytes):
            if len(body) >= LISTING_THREAD_PARSE_BYTES:
                return await asyncio.to_thread(self._parse_listing, response, shape)
            try:
                return self._parse_lean(response, shape)
            except NotLean:
                pass  # botocore's way, below: in a worker thread too if the body is large
            if len(body) < THREAD_PARSE_BYTES:
                return self._parse_checked(response, shape)  # botocore's before-parse check skips listings
        if isinstance(body, bytes) and len(body) >= THREAD_PARSE_BYTES:
            return await asyncio.to_thread(self._parse_checked, response, shape)
        return await super().parse(response, shape)

    def _parse_listing(self, response: dict, shape: Any) -> Any:
        """A large ListObjectsV2 page, in a worker thread: lean, or else botocore's way."""
        try:
            return self._parse_lean(response, shape)
        except NotLean:
            return self._parse_checked(response, shape)

    def _parse_lean(self, response: dict, shape: Any) -> Any:
        """A ListObjectsV2 page read by the lean parser, wrapped by botocore's own `parse` (response
        metadata, headers): the same dict botocore makes. Raises `NotLean` for a body the lean parser
        leaves alone (an error, a cut answer, an archived object…): it takes botocore's way, its
        200-error check included (`_parse_checked`)."""
        self._lean = parse_list_objects_v2(response["body"], self._timestamp_parser)
        return ResponseParser.parse(self, response, shape)

    def _parse_payload(self, response: dict, shape: Any, member_shapes: Any, final_parsed: dict) -> None:
        if self._lean is not None and _is_listing(shape):
            final_parsed.update(self._lean)
            return
        super()._parse_payload(response, shape, member_shapes, final_parsed)

    def _parse_checked(self, response: dict, shape: Any) -> Any:
        # botocore's check for an S3 error inside a 200 answer (a 500 then, retried), done here
        # instead of in its before-parse handler on the event loop (`_handle_small_200_errors`).
        if response["status_code"] == 200 and _reads_200_errors(shape):
            try:
                self._dom = (response["body"], self._parse_xml_string_to_dom(response["body"]))
            except ResponseParserError:
                response["status_code"] = 500  # a cut answer
            else:
                if self._dom[1].tag == "Error":
                    response["status_code"] = 500
        # botocore's own synchronous parse, the one aiobotocore's wraps (rest-xml never awaits).
        return ResponseParser.parse(self, response, shape)

    def _handle_structure(self, shape: Any, node: Any) -> Any:
        """A listing entry (`Object`) read straight from its elements: botocore's generic walk over the
        shape costs 15 of the 20 ms a 1,000-key page takes. Same result for the fields S3 sends in
        every entry; an entry with any other element (Owner, RestoreStatus, checksums) takes the
        generic walk."""
        if shape.name != "Object":
            return super()._handle_structure(shape, node)
        parsed: dict[str, Any] = {}
        for child in node:
            name = child.tag.rpartition("}")[2]
            convert = _OBJECT_FIELDS.get(name)
            if convert is None or name in parsed:
                return super()._handle_structure(shape, node)
            text = child.text or ""  # an empty element is "", as botocore reads it
            parsed[name] = text if convert is str else convert(self, text)
        return parsed

    def _parse_xml_string_to_dom(self, xml_string: bytes) -> Any:
        if self._dom is not None and self._dom[0] is xml_string:
            return self._dom[1]
        if len(xml_string) < THREAD_PARSE_BYTES:
            return super()._parse_xml_string_to_dom(xml_string)
        parser = ETree.XMLParser(target=ETree.TreeBuilder(), encoding=self.DEFAULT_ENCODING)
        try:
            for start in range(0, len(xml_string), FEED_BYTES):
                parser.feed(xml_string[start : start + FEED_BYTES])
            return parser.close()
        except ETree.ParseError as exc:
            raise ResponseParserError(f"Unable to parse response ({exc}), invalid XML received") from exc


# What botocore makes of each element of a listing entry (`_handle_string`, `_handle_timestamp`, …).
_OBJECT_FIELDS: dict[str, Any] = {
    "Key": str,
    "ETag": str,
    "StorageClass": str,
    "ChecksumType": str,
    "Size": lambda parser, text: int(text),
    "LastModified": lambda parser, text: parser._timestamp_parser(text),
}


def _handle_small_200_errors(operation_model: Any, response_dict: dict, **kwargs: Any) -> None:
    """botocore's 200-error check for the answers parsed on the event loop; large ones are checked by
    `_ThreadedRestXMLParser` in its worker thread, listings by its lean parse (an answer with an
    `<Error>` root is not lean: the parser then runs this same check)."""
    if operation_model.name == LISTING_OPERATION:
        return
    body = response_dict.get("body") if response_dict else None
    if isinstance(body, bytes) and len(body) >= THREAD_PARSE_BYTES:
        return
    _handle_200_error(operation_model, response_dict, **kwargs)


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


def _session() -> AioSession:
    session = get_session()
    session.register_component("data_loader", _shared_loader())
    factory = _ParserFactory()
    factory.set_parser_defaults(timestamp_parser=s3_timestamp)
    session.register_component("response_parser_factory", factory)
    events = session.get_component("event_emitter")
    events.unregister("before-parse.s3.*", _handle_200_error)
    events.register_first("before-parse.s3.*", _handle_small_200_errors)
    return session


async def new_session() -> AioSession:
    """A fresh session for one client: nothing shared between clients but the read-only models. Built
    in a worker thread: botocore registers some 120 handlers per session (5-13 ms of CPU)."""
    return await asyncio.to_thread(_session)


def _built_without_waiting(session: AioSession, kwargs: dict[str, Any]) -> Any:
    """`session`'s S3 client, built by running aiobotocore's client-creating coroutine to its end in
    the calling thread; None if it had to wait for something (credentials to fetch), which only the
    event loop can do. With the keys given, it never waits."""
    coro = session._create_client("s3", **kwargs)
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    return None


@contextlib.asynccontextmanager
async def s3_client(session: AioSession, **kwargs: Any) -> AsyncIterator[Any]:
    """`session.create_client("s3", **kwargs)`, the building done in a worker thread when it can be:
    botocore resolves the endpoint rules, the config and the signer synchronously (10-20 ms of CPU on
    the event loop, at the first request after a start or a change of settings). The client itself
    (its aiohttp session) is opened on the loop."""
    client = await asyncio.to_thread(_built_without_waiting, session, kwargs)
    if client is None:  # credentials from the environment's providers: built on the loop
        async with session.create_client("s3", **kwargs) as opened:
            yield opened
        return
    async with client as opened:
        yield opened
