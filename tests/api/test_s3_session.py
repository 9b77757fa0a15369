"""The botocore session S3 clients are made from: its timestamp parser and its shared model loader."""

from __future__ import annotations

import asyncio

from botocore.utils import parse_timestamp

from odh_tec.storage.s3.session import new_session, s3_timestamp


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
