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


def test_listing_entries_read_directly_equal_botocore_s_reading():
    from botocore.parsers import RestXMLParser

    entries = [
        "<Contents><Key>plain</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
        "<ETag>&quot;abc&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>",
        "<Contents><Key></Key><LastModified>2026-01-02T03:04:05Z</LastModified><ETag/><Size>0</Size></Contents>",
        "<Contents><Key>owned</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><Size>1</Size>"
        "<Owner><ID>me</ID><DisplayName>Me</DisplayName></Owner><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>"
        "<ChecksumAlgorithm>SHA256</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType></Contents>",
    ] * 400
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        "<Name>b</Name><Prefix></Prefix><KeyCount>1200</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>"
        f"<NextContinuationToken>t</NextContinuationToken>{''.join(entries)}"
        "<CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListBucketResult>"
    ).encode()
    ours = _parse(body)
    theirs = RestXMLParser().parse(
        {"status_code": 200, "headers": {}, "body": body, "context": {}}, _listing_model().output_shape
    )
    assert ours == theirs
    assert ours["Contents"][2]["Owner"] == {"ID": "me", "DisplayName": "Me"}


def test_a_list_of_a_hundred_buckets_is_parsed_off_the_loop(monkeypatch):
    """botocore reads ListBuckets at about 40 µs a bucket: an account with a few hundred buckets held
    the loop for tens of milliseconds at every Locations answer."""
    import botocore.session

    from odh_tec.storage.s3 import session as s3_session

    threads: list[str] = []
    to_thread = asyncio.to_thread

    async def spy(fn, *args, **kwargs):
        threads.append(getattr(fn, "__name__", repr(fn)))
        return await to_thread(fn, *args, **kwargs)

    monkeypatch.setattr(s3_session.asyncio, "to_thread", spy)
    buckets = "".join(
        f"<Bucket><Name>bucket-{i:03d}</Name><CreationDate>2026-01-02T03:04:05.000Z</CreationDate></Bucket>"
        for i in range(100)
    )
    body = f"<ListAllMyBucketsResult><Buckets>{buckets}</Buckets></ListAllMyBucketsResult>".encode()
    shape = botocore.session.get_session().get_service_model("s3").operation_model("ListBuckets").output_shape

    async def parse() -> dict:
        session = await new_session()
        parser = session.get_component("response_parser_factory").create_parser("rest-xml")
        return await parser.parse({"status_code": 200, "headers": {}, "body": body, "context": {}}, shape)

    parsed = asyncio.run(parse())
    assert [b["Name"] for b in parsed["Buckets"]][-1] == "bucket-099"
    assert "_parse_checked" in threads, threads


def test_a_client_with_its_keys_is_built_off_the_loop(monkeypatch):
    """botocore's client building (endpoint rules, config, signer) took 10-20 ms of the loop's CPU at the
    first request after a start or a change of settings."""
    from odh_tec.storage.s3 import session as s3_session

    built: list[str] = []
    to_thread = asyncio.to_thread

    async def spy(fn, *args, **kwargs):
        built.append(fn.__name__)
        return await to_thread(fn, *args, **kwargs)

    monkeypatch.setattr(s3_session.asyncio, "to_thread", spy)

    async def open_one(**keys) -> str:
        session = await new_session()
        async with s3_session.s3_client(
            session, endpoint_url="http://127.0.0.1:9", region_name="us-east-1", **keys
        ) as c:
            return c.meta.region_name

    assert asyncio.run(open_one(aws_access_key_id="a", aws_secret_access_key="b")) == "us-east-1"
    assert built == ["_session", "_built_without_waiting"]
    # Without keys the environment's providers are asked; built either way.
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert asyncio.run(open_one()) == "us-east-1"
