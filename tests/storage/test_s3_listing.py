"""Listings on the fast path are botocore's, key for key, on a real SeaweedFS: odd keys (unicode,
spaces, `%`, `+`, `<`, `&`, newlines, 1,024-byte keys), folders, sizes, ETags, dates, continuation
across small pages and the search prefix.

The reference is plain boto3 (botocore's own parser and its `EncodingType=url` decoding); the subject
is the app's client (`S3Connection`, whose session reads listings with `listing_xml`), and above it
`S3Storage.list` and `walk`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from botocore.exceptions import ClientError

from odh_tec.config import HFSettings, ProxySettings, RuntimeSettings, S3Settings, TransferSettings
from odh_tec.storage.base import Listing, ObjectInfo
from odh_tec.storage.s3 import session
from odh_tec.storage.s3.connection import S3Connection
from odh_tec.storage.s3.listing_xml import NotLean, parse_list_objects_v2
from odh_tec.storage.s3.storage import S3Storage

ODD_NAMES = [
    "plain.txt",
    "with space.txt",
    "two  spaces .txt",
    "plus+sign+.txt",
    "a+b c.txt",
    "percent%20literal%.txt",
    "100%.txt",
    "ünïcödé 日本語.txt",
    "emoji 😀.bin",
    "<angle>&amp;.txt",
    "quotes\"'.txt",
    "new\nline.txt",
    "tab\tkey.txt",
    "carriage\rreturn.txt",
    "~!@#$^*()=[]{};:,?.txt",
    "trailing dot.",
    "sub dir/inner.txt",
    "sub+dir/inner.txt",
    "ü/inner.txt",
    "deep/er/inner.txt",
    "marker-only/",  # a folder marker: an empty object whose key ends with '/'
]
PREFIX = "odd/"


def long_keys() -> list[str]:
    ascii_key = PREFIX + "l" * (1024 - len(PREFIX))
    unicode_key = PREFIX + "é" * ((1024 - len(PREFIX)) // 2)  # 2 bytes each
    assert len(ascii_key.encode()) == 1024 and len(unicode_key.encode()) <= 1024
    return [ascii_key, unicode_key]


@pytest.fixture
def odd_keys(s3, bucket) -> list[str]:
    """Every odd key SeaweedFS accepts, put into `bucket` (the folder's own marker included)."""
    stored = []
    for key in [PREFIX, *(PREFIX + name for name in ODD_NAMES), *long_keys(), "outside.txt"]:
        body = b"" if key.endswith("/") else f"body of {key!r}".encode()
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
        except ClientError:
            continue  # a key this server refuses: nothing to compare
        stored.append(key)
    # Newlines and the rest must really be in: the comparison means little without them.
    assert {PREFIX + "new\nline.txt", PREFIX + "<angle>&amp;.txt", PREFIX + "plus+sign+.txt"} <= set(stored)
    assert len(stored) >= len(ODD_NAMES)
    return stored


@pytest.fixture
def lean_parses(monkeypatch) -> list[str]:
    """How each listing answer was read: "lean" (the fast path) or "botocore" (its fallback). The
    comparisons below are only worth something if the fast path is what answered."""
    outcomes: list[str] = []

    def spy(body, timestamp):
        try:
            parsed = parse_list_objects_v2(body, timestamp)
        except NotLean:
            outcomes.append("botocore")
            raise
        outcomes.append("lean")
        return parsed

    monkeypatch.setattr(session, "parse_list_objects_v2", spy)
    return outcomes


@pytest.fixture
async def connection(s3_server, lean_parses) -> AsyncIterator[S3Connection]:
    settings = RuntimeSettings(
        s3=S3Settings(
            endpoint=s3_server.endpoint,
            access_key_id=s3_server.credentials.access_key_id,
            secret_access_key=s3_server.credentials.secret_access_key,
        ),
        huggingface=HFSettings(),
        proxy=ProxySettings(),
        transfers=TransferSettings(4, 100),
    )
    connection = S3Connection(settings)
    yield connection
    await connection.close()
    assert lean_parses and set(lean_parses) == {"lean"}, lean_parses


def _comparable(answer: dict) -> dict:
    answer = dict(answer)
    answer.pop("ResponseMetadata", None)
    return answer


async def _both_pages(s3, connection: S3Connection, **params) -> list[tuple[dict, dict]]:
    """Every page of one listing, from boto3 and from the app's client, each following its own token."""
    client = await connection.client()
    pages = []
    ours_token = theirs_token = None
    while True:
        extra_ours = {"ContinuationToken": ours_token} if ours_token else {}
        extra_theirs = {"ContinuationToken": theirs_token} if theirs_token else {}
        theirs = _comparable(s3.list_objects_v2(**params, **extra_theirs))
        ours = _comparable(await client.list_objects_v2(**params, **extra_ours))
        pages.append((ours, theirs))
        if not theirs.get("IsTruncated") or not ours.get("IsTruncated"):
            return pages
        ours_token, theirs_token = ours["NextContinuationToken"], theirs["NextContinuationToken"]


@pytest.mark.parametrize("delimiter", ["/", None])
@pytest.mark.parametrize("max_keys", [1000, 3])
async def test_the_clients_listings_are_botocores(s3, bucket, odd_keys, connection, delimiter, max_keys):
    params = {"Bucket": bucket, "Prefix": PREFIX, "MaxKeys": max_keys}
    if delimiter:
        params["Delimiter"] = delimiter
    pages = await _both_pages(s3, connection, **params)
    for ours, theirs in pages:
        assert ours == theirs  # keys, sizes, ETags, dates, storage classes, prefixes, tokens
    listed = [o["Key"] for ours, _ in pages for o in ours.get("Contents", [])]
    prefixes = [p["Prefix"] for ours, _ in pages for p in ours.get("CommonPrefixes", [])]
    if max_keys == 3:
        assert len(pages) > 3  # continuation was exercised
    if delimiter is None:
        # Every stored key comes back exactly as it was put (botocore's decoding included).
        assert sorted(listed) == sorted(k for k in odd_keys if k.startswith(PREFIX))
    else:
        assert set(prefixes) == {PREFIX + d for d in ("sub dir/", "sub+dir/", "ü/", "deep/", "marker-only/")}


async def test_a_search_prefix_and_start_after_are_botocores(s3, bucket, odd_keys, connection):
    for params in (
        {"Prefix": PREFIX + "p", "Delimiter": "/"},
        {"Prefix": PREFIX + "sub", "Delimiter": "/"},
        {"Prefix": PREFIX + "ü", "Delimiter": "/"},
        {"Prefix": PREFIX + "a+b", "Delimiter": "/"},
        {"Prefix": PREFIX, "StartAfter": PREFIX + "plus+sign+.txt"},
        {"Prefix": "nothing-here/"},
    ):
        for ours, theirs in await _both_pages(s3, connection, Bucket=bucket, MaxKeys=2, **params):
            assert ours == theirs, params


def _expected_listing(
    s3, bucket: str, prefix: str, page_size: int, search: str = ""
) -> tuple[list[str], list[ObjectInfo]]:
    """One folder level from boto3's pages of the same size, shaped as `S3Storage.list` shapes it.

    The same page size, because the server's answers depend on it: SeaweedFS ends a listing whose
    one-key page holds only the folder's own marker (`IsTruncated` false), for botocore as for us."""
    folders, files = [], []
    params = {"Bucket": bucket, "Prefix": prefix + search, "Delimiter": "/", "MaxKeys": page_size}
    pages = s3.get_paginator("list_objects_v2").paginate(**params)
    for page in pages:
        folders += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        files += [
            ObjectInfo(o["Key"], o["Size"], o["LastModified"], o["ETag"].strip('"'))
            for o in page.get("Contents", [])
            if o["Key"] != prefix
        ]
    return folders, files


async def _all_pages(storage: S3Storage, prefix: str, page_size: int, search: str = "") -> list[Listing]:
    pages = [await storage.list(prefix, page_size=page_size, search=search)]
    while pages[-1].next_page_token:
        pages.append(
            await storage.list(prefix, page_size=page_size, page_token=pages[-1].next_page_token, search=search)
        )
    return pages


@pytest.mark.parametrize("page_size", [1000, 4, 1])
async def test_storage_listings_are_botocores(s3, bucket, odd_keys, connection, page_size):
    storage = S3Storage(connection, bucket)
    for prefix, search in ((PREFIX, ""), (PREFIX, "sub"), (PREFIX, "p"), ("", ""), (PREFIX + "ü/", "")):
        pages = await _all_pages(storage, prefix, page_size, search)
        folders = [f for page in pages for f in page.folders]
        files = [f for page in pages for f in page.files]
        assert (folders, files) == _expected_listing(s3, bucket, prefix, page_size, search), (prefix, search)
        if page_size == 1000:
            assert len(pages) == 1
    # The JSON the route sends is built from these same objects.
    whole = (await _all_pages(storage, PREFIX, 1000))[0].to_json()
    assert {f["name"] for f in whole["folders"]} == {"sub dir", "sub+dir", "ü", "deep", "marker-only"}
    assert PREFIX + "new\nline.txt" in {f["key"] for f in whole["files"]}


async def test_walk_is_botocores(s3, bucket, odd_keys, connection):
    storage = S3Storage(connection, bucket)
    walked = [info async for info in storage.walk(PREFIX)]
    expected = [
        ObjectInfo(o["Key"], o["Size"], o["LastModified"], o["ETag"].strip('"'))
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
        for o in page.get("Contents", [])
        if not (o["Key"].endswith("/") and o["Size"] == 0)
    ]
    assert walked == expected
    assert len(walked) == len([k for k in odd_keys if k.startswith(PREFIX) and not k.endswith("/")])


def test_the_routes_json_is_botocores_listing(s3, bucket, odd_keys, api):
    """What the browser gets: the JSON of `GET …/objects`, page by page, against boto3's listing."""
    folders, files = _expected_listing(s3, bucket, PREFIX, 4)
    got_folders, got_files, token = [], [], None
    while True:
        params = {"prefix": PREFIX, "page_size": 4, **({"page_token": token} if token else {})}
        answer = api.get(f"/api/locations/s3:{bucket}/objects", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        got_folders += [f["prefix"] for f in body["folders"]]
        got_files += [(f["key"], f["size"], f["etag"], f["last_modified"]) for f in body["files"]]
        token = body["next_page_token"]
        if not token:
            break
    assert got_folders == folders
    assert got_files == [(f.key, f.size, f.etag, f.last_modified.isoformat()) for f in files]
