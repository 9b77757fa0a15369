"""The lean ListObjectsV2 parse makes of each body exactly what botocore's parser makes of it, in the
styles different S3 servers write (namespaced or not, a prefix, indentation, URL-encoded keys), and
leaves to botocore the bodies it does not read the same way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import botocore.session
import pytest
from botocore.handlers import decode_list_object_v2
from botocore.parsers import RestXMLParser

from odh_tec.storage.s3 import session
from odh_tec.storage.s3.listing_xml import NotLean, parse_list_objects_v2
from odh_tec.storage.s3.session import new_session, s3_timestamp

_SHAPE = botocore.session.get_session().get_service_model("s3").operation_model("ListObjectsV2").output_shape

# SeaweedFS 4.x, as recorded (`EncodingType=url` asked for by botocore; its keys encoded, `&#34;`).
SEAWEEDFS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bench</Name>'
    b"<Prefix>five%2F</Prefix><MaxKeys>2</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated>"
    b"<Contents><Key>five%2Fa+b%2Bc%25d%C3%A9.txt</Key><ETag>&#34;d41d8cd98f00b204e9800998ecf8427e&#34;</ETag>"
    b"<Size>0</Size><StorageClass>STANDARD</StorageClass><LastModified>2026-12-07T15:25:07Z</LastModified>"
    b"</Contents><Contents><Key>five%2F%3C%26%3E%0A</Key><ETag>&#34;9dd4e461268c8034f5c8564e155c67a6&#34;</ETag>"
    b"<Size>1</Size><StorageClass>STANDARD</StorageClass><LastModified>2026-12-07T15:25:08Z</LastModified>"
    b"</Contents><CommonPrefixes><Prefix>five%2Fsub+dir%2F</Prefix></CommonPrefixes>"
    b"<NextContinuationToken>five/file-000001.txt</NextContinuationToken><EncodingType>url</EncodingType>"
    b"<KeyCount>3</KeyCount></ListBucketResult>"
)

# AWS, from its documentation: milliseconds in the dates, `&quot;`, a ContinuationToken asked for.
AWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Name>bucket</Name>
    <Prefix/>
    <ContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</ContinuationToken>
    <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwN=</NextContinuationToken>
    <KeyCount>2</KeyCount>
    <MaxKeys>1000</MaxKeys>
    <StartAfter>ExampleGuide.pdf</StartAfter>
    <IsTruncated>true</IsTruncated>
    <Contents>
        <Key>ExampleObject.txt</Key>
        <LastModified>2013-09-17T18:07:53.000Z</LastModified>
        <ETag>&quot;599bab3ed2c697f1d26842727561fd94&quot;</ETag>
        <Size>857</Size>
        <StorageClass>REDUCED_REDUNDANCY</StorageClass>
    </Contents>
    <Contents>
        <Key>photos/2006/February/sample.jpg</Key>
        <LastModified>2011-02-26T01:56:20.000Z</LastModified>
        <ETag>&quot;bf1d737a4d46a19f3bced6905cc8b902-2&quot;</ETag>
        <Size>142863</Size>
        <StorageClass>STANDARD</StorageClass>
        <ChecksumType>COMPOSITE</ChecksumType>
    </Contents>
</ListBucketResult>"""

# AWS today: every new object has a checksum, named in its entry; owners when asked for (FetchOwner).
AWS_CHECKSUMS = AWS.replace(
    b"<Size>857</Size>",
    b"<Size>857</Size><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType>"
    b"<Owner><DisplayName>someone</DisplayName><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078e</ID></Owner>",
).replace(
    b"<Size>142863</Size>",
    b"<Size>142863</Size><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>"
    b"<ChecksumAlgorithm>SHA256</ChecksumAlgorithm><Owner><ID>x</ID></Owner>",
)

# No namespace at all, indented, with an element no S3 model knows (Ceph RGW adds `<Type>`), an
# empty folder prefix and CDATA.
NO_NAMESPACE = b"""<ListBucketResult>
  <Name>b</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>
  <IsTruncated>false</IsTruncated><Marker>ignored</Marker>
  <Contents>
    <Key><![CDATA[odd & <key>]]></Key>
    <LastModified>2024-05-09T15:29:29.553Z</LastModified>
    <ETag>"0f343b0931126a20f133d67c2b018a3b"</ETag>
    <Size>1024</Size>
    <StorageClass>STANDARD</StorageClass>
    <Type>Normal</Type>
  </Contents>
  <CommonPrefixes><Prefix>models/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>data/</Prefix></CommonPrefixes>
</ListBucketResult>"""

# A server that names the namespace with a prefix.
PREFIXED = (
    b'<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Name>b</s3:Name>'
    b"<s3:IsTruncated>false</s3:IsTruncated><s3:Contents><s3:Key>k</s3:Key>"
    b"<s3:LastModified>2026-01-02T03:04:05.123+02:00</s3:LastModified><s3:ETag>e</s3:ETag><s3:Size>5</s3:Size>"
    b"</s3:Contents></s3:ListBucketResult>"
)

# A declaration that does not match the bytes: botocore reads every answer as UTF-8 regardless.
MISDECLARED = (
    b'<?xml version="1.0" encoding="ISO-8859-1"?><ListBucketResult><Name>b</Name>'
    b"<Contents><Key>\xc3\xa9t\xc3\xa9</Key><Size>1</Size></Contents></ListBucketResult>"
)

EMPTY_LISTING = (
    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>none/</Prefix>'
    b"<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>"
)


def botocore_parse(body: bytes) -> dict:
    """What plain botocore (its own parser and timestamp reader) makes of a 200 answer's body."""
    parsed = RestXMLParser().parse({"status_code": 200, "headers": {}, "body": body, "context": {}}, _SHAPE)
    parsed.pop("ResponseMetadata")
    return parsed


@pytest.mark.parametrize("body", [SEAWEEDFS, AWS, AWS_CHECKSUMS, NO_NAMESPACE, PREFIXED, MISDECLARED, EMPTY_LISTING])
def test_each_style_is_read_as_botocore_reads_it(body):
    expected = botocore_parse(body)
    assert expected  # the sample is a listing botocore understands
    assert parse_list_objects_v2(body, s3_timestamp) == expected


def test_fields_and_types():
    parsed = parse_list_objects_v2(AWS, s3_timestamp)
    assert parsed["IsTruncated"] is True and parsed["KeyCount"] == 2 and parsed["Prefix"] == ""
    first = parsed["Contents"][0]
    assert first == {
        "Key": "ExampleObject.txt",
        "LastModified": datetime(2013, 9, 17, 18, 7, 53, tzinfo=UTC),
        "ETag": '"599bab3ed2c697f1d26842727561fd94"',
        "Size": 857,
        "StorageClass": "REDUCED_REDUNDANCY",
    }
    modern = parse_list_objects_v2(AWS_CHECKSUMS, s3_timestamp)["Contents"]
    assert modern[0]["ChecksumAlgorithm"] == ["CRC64NVME"] and modern[0]["ChecksumType"] == "FULL_OBJECT"
    assert modern[1]["ChecksumAlgorithm"] == ["CRC32", "SHA256"] and modern[1]["Owner"] == {"ID": "x"}
    assert parse_list_objects_v2(MISDECLARED, s3_timestamp)["Contents"][0]["Key"] == "été"
    no_ns = parse_list_objects_v2(NO_NAMESPACE, s3_timestamp)
    assert no_ns["Contents"][0]["Key"] == "odd & <key>"
    assert no_ns["CommonPrefixes"] == [{"Prefix": "models/"}, {"Prefix": "data/"}]
    assert "Marker" not in no_ns  # not a member of ListObjectsV2's answer


def test_url_encoded_keys_are_decoded_by_botocores_handler_as_before():
    """botocore asks for `EncodingType=url` itself and decodes after the parse: the lean parse leaves
    keys encoded, so that handler decodes them once, as it always did."""
    parsed = parse_list_objects_v2(SEAWEEDFS, s3_timestamp)
    assert parsed["Contents"][0]["Key"] == "five%2Fa+b%2Bc%25d%C3%A9.txt"
    decode_list_object_v2(parsed, {"encoding_type_auto_set": True})
    assert [o["Key"] for o in parsed["Contents"]] == ["five/a b+c%dé.txt", "five/<&>\n"]
    assert parsed["CommonPrefixes"] == [{"Prefix": "five/sub dir/"}]
    assert parsed["Prefix"] == "five/" and parsed["Delimiter"] == "/"
    assert parsed["NextContinuationToken"] == "five/file-000001.txt"  # tokens are not decoded


def test_a_body_fed_in_small_pieces_reads_the_same():
    pieces = [SEAWEEDFS[i : i + 7] for i in range(0, len(SEAWEEDFS), 7)]  # splits entities and UTF-8
    assert parse_list_objects_v2(iter(pieces), s3_timestamp) == parse_list_objects_v2(SEAWEEDFS, s3_timestamp)


OWNER_TWICE = AWS.replace(b"<Size>857</Size>", b"<Size>857</Size><Owner><ID>a</ID><ID>b</ID></Owner>")
RESTORE = AWS.replace(
    b"<Size>857</Size>",
    b"<Size>857</Size><RestoreStatus><IsRestoreInProgress>true</IsRestoreInProgress></RestoreStatus>",
)
TWICE = AWS.replace(b"<Size>857</Size>", b"<Size>857</Size><Size>858</Size>")
ERROR = b"<Error><Code>InternalError</Code><Message>try again</Message></Error>"
CUT = SEAWEEDFS[: len(SEAWEEDFS) // 2]
BAD_NUMBER = AWS.replace(b"<Size>857</Size>", b"<Size>lots</Size>")


@pytest.mark.parametrize("body", [RESTORE, OWNER_TWICE, TWICE, ERROR, CUT, b"", BAD_NUMBER])
def test_what_botocore_must_read_itself(body):
    with pytest.raises(NotLean):
        parse_list_objects_v2(body, s3_timestamp)


def _client_parse(body: bytes, status: int = 200) -> dict:
    """The app's parser, as its S3 client uses it for a ListObjectsV2 answer."""

    async def parse() -> dict:
        session = await new_session()
        parser = session.get_component("response_parser_factory").create_parser("rest-xml")
        response = {"status_code": status, "headers": {"x-amz-request-charged": "requester"}, "body": body}
        return await parser.parse({**response, "context": {}}, _SHAPE)

    return asyncio.run(parse())


@pytest.mark.parametrize("body", [SEAWEEDFS, AWS, AWS_CHECKSUMS, NO_NAMESPACE, RESTORE])
def test_the_clients_parser_answers_what_botocore_answers(body):
    """Lean or not, the client's parser gives botocore's dict: headers and metadata included."""
    ours = _client_parse(body)
    theirs = RestXMLParser().parse(
        {"status_code": 200, "headers": {"x-amz-request-charged": "requester"}, "body": body, "context": {}}, _SHAPE
    )
    assert ours == theirs
    assert ours["RequestCharged"] == "requester"


def test_an_error_inside_a_200_listing_is_still_a_500():
    """botocore's 200-error check (a retried 500) holds for listings, small ones included."""
    parsed = _client_parse(ERROR)
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert parsed["Error"]["Code"] == "InternalError"
    assert _client_parse(CUT)["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_a_large_page_is_read_the_same_in_a_worker_thread():
    entries = "".join(
        f"<Contents><Key>k/{i:05d}</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
        f"<ETag>&quot;e{i}&quot;</ETag><Size>{i}</Size><StorageClass>STANDARD</StorageClass></Contents>"
        for i in range(1000)
    )
    body = f"<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>{entries}</ListBucketResult>".encode()
    assert len(body) > 128 * 1024  # LISTING_THREAD_PARSE_BYTES: parsed off the loop
    parsed = _client_parse(body)
    expected = RestXMLParser().parse(
        {"status_code": 200, "headers": {"x-amz-request-charged": "requester"}, "body": body, "context": {}}, _SHAPE
    )
    assert parsed == expected
    assert len(parsed["Contents"]) == 1000


def test_a_mid_sized_page_botocore_must_read_is_still_read_off_the_loop(monkeypatch):
    """A 60 KiB page of archived objects (`RestoreStatus`) is not lean: botocore's walk over it takes
    tens of milliseconds, so it goes to a worker thread as before, not onto the loop where small lean
    pages are read."""
    entries = "".join(
        f"<Contents><Key>k/{i:05d}</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
        f"<ETag>&quot;e{i}&quot;</ETag><Size>{i}</Size>"
        f"<RestoreStatus><IsRestoreInProgress>true</IsRestoreInProgress></RestoreStatus></Contents>"
        for i in range(400)
    )
    body = f"<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>{entries}</ListBucketResult>".encode()
    assert 32 * 1024 < len(body) < 128 * 1024
    threaded = []
    real_to_thread = asyncio.to_thread

    async def to_thread(fn, *args):
        if fn.__name__.startswith("_parse"):  # not the session, built in a thread too
            threaded.append(fn.__name__)
        return await real_to_thread(fn, *args)

    monkeypatch.setattr(session.asyncio, "to_thread", to_thread)
    parsed = _client_parse(body)
    assert threaded == ["_parse_checked"]
    expected = RestXMLParser().parse(
        {"status_code": 200, "headers": {"x-amz-request-charged": "requester"}, "body": body, "context": {}}, _SHAPE
    )
    assert parsed == expected
    assert parsed["Contents"][3]["RestoreStatus"] == {"IsRestoreInProgress": True}
    threaded.clear()
    _client_parse(SEAWEEDFS)  # small and lean: on the loop
    assert threaded == []
