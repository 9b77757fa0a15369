"""The sync's decision rules (transfers/sync_rules.py): a pure function of what both sides know."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from odh_tec.storage.base import ObjectInfo
from odh_tec.transfers.sync_rules import (
    Fingerprint,
    decide,
    fingerprint,
    needs_metadata,
    single_part_md5,
    stored_sha256,
)

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
MD5_A, MD5_B = "a" * 32, "b" * 32
SHA_A, SHA_B = "1" * 64, "2" * 64


def fp(size=10, modified=T0, md5=None, sha256=None) -> Fingerprint:
    return Fingerprint(size=size, modified=modified, md5=md5, sha256=sha256)


@pytest.mark.parametrize(
    ("source", "destination", "copy", "rule"),
    [
        (fp(), None, True, "new"),
        (fp(size=10), fp(size=11), True, "size"),
        # A size difference wins even over equal checksums (a stale stored sha256 is not trusted).
        (fp(size=10, sha256=SHA_A), fp(size=11, sha256=SHA_A), True, "size"),
        (fp(md5=MD5_A), fp(md5=MD5_A), False, "etag"),
        (fp(md5=MD5_A), fp(md5=MD5_B, modified=T0 + timedelta(days=1)), True, "etag"),
        (fp(sha256=SHA_A), fp(sha256=SHA_A, modified=T0 - timedelta(days=1)), False, "sha256"),
        # Same size, newer destination, but another checksum: copied (size-mtime would have skipped it).
        (fp(sha256=SHA_A), fp(sha256=SHA_B, modified=T0 + timedelta(days=1)), True, "sha256"),
        # ETags decide before stored checksums: the server computed them.
        (fp(md5=MD5_A, sha256=SHA_A), fp(md5=MD5_B, sha256=SHA_A), True, "etag"),
        # A checksum on one side only decides nothing.
        (fp(sha256=SHA_A), fp(md5=MD5_A, modified=T0), False, "size-mtime"),
        (fp(), fp(modified=T0 + timedelta(seconds=5)), False, "size-mtime"),
        (fp(), fp(modified=T0), False, "size-mtime"),
        (fp(), fp(modified=T0 - timedelta(seconds=5)), True, "size-mtime"),
        # To the second: S3 keeps whole seconds, a local file nanoseconds.
        (fp(modified=T0 + timedelta(milliseconds=700)), fp(modified=T0), False, "size-mtime"),
        (fp(modified=None), fp(), True, "size-mtime"),
    ],
)
def test_decide(source, destination, copy, rule):
    decision = decide(source, destination)
    assert (decision.copy, decision.rule) == (copy, rule)


def test_fingerprint_reads_checksums_by_kind():
    s3_single = ObjectInfo("k", 3, T0, etag='"' + MD5_A.upper() + '"', metadata={"sha256": SHA_A.upper()})
    assert fingerprint(s3_single, "s3") == Fingerprint(3, T0, MD5_A, SHA_A)
    s3_multi = ObjectInfo("k", 3, T0, etag=MD5_A + "-4", metadata={"hf-sha256": SHA_B})
    assert fingerprint(s3_multi, "s3") == Fingerprint(3, T0, None, SHA_B)
    # A local file's etag is made from its inode and mtime, not its content: never an MD5.
    local = ObjectInfo("k", 3, T0, etag=MD5_A)
    assert fingerprint(local, "local") == Fingerprint(3, T0, None, None)


def test_checksum_parsing():
    assert single_part_md5(None) is None
    assert single_part_md5(MD5_A + "-2") is None
    assert single_part_md5("xyz") is None
    assert stored_sha256({"sha256": "not-a-hash", "hf-sha256": SHA_B}) == SHA_B
    assert stored_sha256({"sha256": SHA_A, "hf-sha256": SHA_B}) == SHA_A
    assert stored_sha256(None) is None


def test_metadata_is_read_only_when_it_can_decide():
    assert not needs_metadata(fp(), None)
    assert not needs_metadata(fp(size=1), fp(size=2))
    assert not needs_metadata(fp(md5=MD5_A), fp(md5=MD5_B))
    assert needs_metadata(fp(md5=MD5_A), fp())
    assert needs_metadata(fp(), fp())
