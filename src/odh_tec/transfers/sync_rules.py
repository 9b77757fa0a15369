"""Whether a sync copies a file: the one rule that decides, as a pure function of what both sides know.

The rules, first applicable wins:

* `new`: nothing at the destination.
* `size`: the sizes differ.
* `etag`: both sides are S3 objects uploaded in one part, whose ETag is the MD5 of the content. Tried
  before sha256 because it comes with the listing (no request per file) and the server computed it
  (metadata is whatever a writer put there).
* `sha256`: both sides carry a stored sha256 (metadata `sha256`, or `hf-sha256` from a Hub import;
  xattrs on local files). Reading it takes a HEAD per S3 object, so it is only looked up for files of
  the same size that the ETag could not decide (`needs_metadata`).
* `size-mtime`: no checksum on both sides: the destination is up to date when it is not older than
  the source, to the second (a copy is always newer than its source, so the next run skips it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from odh_tec.storage.base import ObjectInfo

Rule = Literal["new", "size", "etag", "sha256", "size-mtime", "not-in-source"]
RULES: tuple[Rule, ...] = ("new", "size", "etag", "sha256", "size-mtime", "not-in-source")

_MD5 = re.compile(r"^[0-9a-f]{32}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SHA256_KEYS = ("sha256", "hf-sha256")  # metadata keys a checksum is read from, in this order


@dataclass(frozen=True)
class Fingerprint:
    """What one side knows about a file, enough to compare it with the other side's."""

    size: int
    modified: datetime | None = None
    md5: str | None = None  # a single-part S3 ETag
    sha256: str | None = None


@dataclass(frozen=True)
class Decision:
    copy: bool
    rule: Rule


def single_part_md5(etag: str | None) -> str | None:
    """The content MD5 an S3 ETag is when the object went up in one part (no `-N` suffix)."""
    value = (etag or "").strip('"').lower()
    return value if _MD5.match(value) else None


def stored_sha256(metadata: dict[str, str] | None) -> str | None:
    for key in SHA256_KEYS:
        value = ((metadata or {}).get(key) or "").strip().lower()
        if _SHA256.match(value):
            return value
    return None


def fingerprint(info: ObjectInfo, kind: str) -> Fingerprint:
    """A local file's `etag` is made up from its inode and mtime, not its content: never an MD5."""
    return Fingerprint(
        size=info.size,
        modified=info.last_modified,
        md5=single_part_md5(info.etag) if kind == "s3" else None,
        sha256=stored_sha256(info.metadata),
    )


def needs_metadata(source: Fingerprint, destination: Fingerprint | None) -> bool:
    """Whether the stored sha256s (a stat of each side) could decide what the listing cannot."""
    return destination is not None and source.size == destination.size and not (source.md5 and destination.md5)


def decide(source: Fingerprint, destination: Fingerprint | None) -> Decision:
    if destination is None:
        return Decision(True, "new")
    if source.size != destination.size:
        return Decision(True, "size")
    if source.md5 and destination.md5:
        return Decision(source.md5 != destination.md5, "etag")
    if source.sha256 and destination.sha256:
        return Decision(source.sha256 != destination.sha256, "sha256")
    if source.modified is None or destination.modified is None:
        return Decision(True, "size-mtime")  # cannot tell: copying is the safe side
    # To the second: S3 keeps whole seconds, so a copy made in the second its local source was written
    # would otherwise look older than it and be copied again on every run.
    older = int(destination.modified.timestamp()) < int(source.modified.timestamp())
    return Decision(older, "size-mtime")
