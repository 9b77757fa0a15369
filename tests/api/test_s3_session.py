"""The botocore session S3 clients are made from: its timestamp parser and its shared model loader."""

from __future__ import annotations

import asyncio

from botocore.handlers import _handle_200_error
from botocore.utils import parse_timestamp

from odh_tec.storage.s3.session import _handle_small_200_errors, new_session, s3_timestamp


def test_timestamps_parse_as_botocore_does():
    for value in (
        "2026-01-02T03:04:05.000Z",  # ListObjectsV2 bodies
        "2026-01-02T03:04:05Z",
        "2026-01-02T03:04:05.123456+02:00",
        "Fri, 02 Jan 2026 03:04:05 GMT",  # Last-Modified headers
        "1767323045",  # epoch seconds
        "2026-01-02T03:04:05",  # no zone: botocore's answer, whatever it is
    ):
        assert s3_timestamp(value) == parse_timestamp(value), value
        assert s3_timestamp(value).utcoffset() == parse_timestamp(value).utcoffset(), value


def test_sessions_share_the_models_they_read():
    async def two() -> tuple:
        first, second = await new_session(), await new_session()
        return first, second

    first, second = asyncio.run(two())
    assert first is not second
    assert first.get_component("data_loader") is second.get_component("data_loader")
    # botocore's 200-error check runs for small answers only; large ones are checked in the parser.
    events = first.get_component("event_emitter")._emitter
    handlers = list(events._handlers.prefix_search("before-parse.s3.ListObjectsV2"))
    assert _handle_200_error not in handlers and _handle_small_200_errors in handlers


def _listing_model():
    import botocore.session

    return botocore.session.get_session().get_service_model("s3").operation_model("ListObjectsV2")


def _parse(body: bytes) -> dict:
    async def parse() -> dict:
        session = await new_session()
        parser = session.get_component("response_parser_factory").create_parser("rest-xml")
        response = {"status_code": 200, "headers": {}, "body": body, "context": {}}
        return await parser.parse(response, _listing_model().output_shape)

    return asyncio.run(parse())


def test_a_large_listing_is_parsed_off_the_loop_as_botocore_would():
    entries = "".join(
        f"<Contents><Key>k/{i:05d}</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
        f"<ETag>&quot;e{i}&quot;</ETag><Size>{i}</Size></Contents>"
        for i in range(1000)
    )
    body = f"<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>{entries}</ListBucketResult>".encode()
    assert len(body) > 32 * 1024
    parsed = _parse(body)
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(parsed["Contents"]) == 1000
    assert parsed["Contents"][7]["Key"] == "k/00007"
    assert parsed["Contents"][7]["LastModified"] == parse_timestamp("2026-01-02T03:04:05.000Z")


def test_an_error_inside_a_large_200_answer_is_a_500():
    padding = "<Detail>x</Detail>" * 3000
    error = f"<Error><Code>InternalError</Code><Message>try again</Message>{padding}</Error>".encode()
    parsed = _parse(error)
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert parsed["Error"]["Code"] == "InternalError"
    cut = _parse(b"<ListBucketResult>" + b"<Contents><Key>k</Key></Contents>" * 2000)  # no end: cut short
    assert cut["ResponseMetadata"]["HTTPStatusCode"] == 500
