"""A lean parse of a ListObjectsV2 answer body into exactly the dict botocore's parser makes of it.

botocore reads an XML answer in two steps: expat builds a tree, then a generic walk over the output
shape converts each element (a dozen Python calls per element, and dateutil for each timestamp). For a
listing page nearly all of that walk is spent on `Contents` entries whose fields we know. This module
reads the body with the same expat (fed in pieces), then converts the fields of a listing straight to
what botocore would have made of them:

* `Contents` entries: `Key`, `ETag`, `StorageClass`, `ChecksumType` as text, `Size` as int,
  `LastModified` through the caller's timestamp parser (botocore's), `ChecksumAlgorithm` as a list
  (AWS gives every new object one), `Owner` as `{"ID", "DisplayName"}`;
* `CommonPrefixes` as `[{"Prefix": ...}]`;
* the scalars of the result (`Name`, `Prefix`, `Delimiter`, `MaxKeys`, `IsTruncated`, `KeyCount`,
  `EncodingType`, `ContinuationToken`, `NextContinuationToken`, `StartAfter`).

Tags are matched on their local name, as botocore does: AWS sends `xmlns="http://s3.amazonaws.com/
doc/2006-03-01/"`, SeaweedFS does too, other servers send none or use a prefix. Keys stay as the server
sent them: with `EncodingType=url` they are decoded afterwards by botocore's own `after-call` handler,
exactly as for botocore's parse.

Anything this parse does not handle the way botocore would raises `NotLean`, and the caller hands the
body to botocore's parser instead: an entry with a `RestoreStatus` (archived objects), an element
that appears twice where botocore expects one, an empty body, a body that is not XML or was cut
short, and an `<Error>` root (botocore's check for an error inside a 200 answer then decides, as
before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from xml.etree.ElementTree import ParseError, TreeBuilder, XMLParser

# How botocore converts each element of a `Contents` entry.
_TEXT, _INT, _TIME, _LIST, _OWNER, _NOT_LEAN, _BOOL = range(7)
_ENTRY = {
    "Key": _TEXT,
    "ETag": _TEXT,
    "StorageClass": _TEXT,
    "ChecksumType": _TEXT,
    "Size": _INT,
    "LastModified": _TIME,
    # A flattened list: AWS names each object's checksum algorithm (every new object has one).
    "ChecksumAlgorithm": _LIST,
    # A structure of two strings, sent when the listing asks for owners (some servers always do).
    "Owner": _OWNER,
    # Rare (archived objects) and typed: botocore's parser reads it.
    "RestoreStatus": _NOT_LEAN,
}
_OWNER_FIELDS = frozenset({"ID", "DisplayName"})
# And each scalar of ListBucketResult.
_RESULT = {
    "Name": _TEXT,
    "Prefix": _TEXT,
    "Delimiter": _TEXT,
    "EncodingType": _TEXT,
    "ContinuationToken": _TEXT,
    "NextContinuationToken": _TEXT,
    "StartAfter": _TEXT,
    "MaxKeys": _INT,
    "KeyCount": _INT,
    "IsTruncated": _BOOL,
}

FEED_BYTES = 64 * 1024  # one feed holds the GIL: small enough to let other threads (and the loop) in


class NotLean(Exception):
    """This body needs botocore's parser (see the module's docstring for when)."""


class _LocalNames(dict[str, str]):
    """`{namespace}Key` or `Key` → `Key`, worked out once per tag (a page repeats a handful of tags)."""

    def __missing__(self, tag: str) -> str:
        name = self[tag] = tag.rpartition("}")[2]
        return name


def parse_list_objects_v2(body: bytes | Iterable[bytes], timestamp: Callable[[str], Any]) -> dict[str, Any]:
    """The members botocore would parse from a ListObjectsV2 body (not its headers, not ResponseMetadata).

    `body`: the whole answer, or its pieces in order (fed to expat as they come).
    `timestamp`: how `LastModified` text becomes a value (the parser's `timestamp_parser`).

    expat builds the tree (C, fed in pieces), then one pass in Python reads it: measured on a 500-key
    page, ElementTree's pull parser costs more (a Python step for each of the ~3,500 elements' events)
    than this walk over the 500 entries and their fields."""
    try:
        root = _tree(body)
        if root.tag == "Error":  # botocore's own test (`_looks_like_special_case_error`)
            raise NotLean("an error inside a 200 answer")
        return _result(root, _LocalNames(), timestamp)
    except ParseError as exc:
        raise NotLean(f"not XML: {exc}") from exc
    except ValueError as exc:  # a number or a date botocore would fail on in its own way
        raise NotLean(f"a value botocore would refuse: {exc}") from exc


def _tree(body: bytes | Iterable[bytes]) -> Any:
    if isinstance(body, bytes):
        if not body:
            raise NotLean("empty body")  # botocore makes {} of it
        pieces: Iterable[bytes] = (body[i : i + FEED_BYTES] for i in range(0, len(body), FEED_BYTES))
    else:
        pieces = body
    # The parser botocore itself reads these answers with (expat, which refuses entity expansion
    # attacks), on answers of the S3 server this connection was configured for; UTF-8 whatever the
    # body declares, as botocore reads them.
    parser = XMLParser(target=TreeBuilder(), encoding="utf-8")  # noqa: S314
    for piece in pieces:
        parser.feed(piece)
    return parser.close()


def _result(root: Any, names: _LocalNames, timestamp: Callable[[str], Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    contents: list[dict[str, Any]] = []
    prefixes: list[dict[str, str]] = []
    for child in root:
        name = names[child.tag]
        if name == "Contents":
            contents.append(_entry(child, names, timestamp))
        elif name == "CommonPrefixes":
            prefixes.append(_common_prefix(child, names))
        elif name in _RESULT:
            if name in parsed:
                raise NotLean(f"{name} twice")  # botocore makes a list of it
            kind = _RESULT[name]
            text = child.text or ""  # an empty element is "", as botocore reads it
            parsed[name] = text if kind == _TEXT else int(text) if kind == _INT else text == "true"
        # anything else is not a member of the output shape: botocore ignores it too
    if contents:
        parsed["Contents"] = contents
    if prefixes:
        parsed["CommonPrefixes"] = prefixes
    return parsed


def _entry(element: Any, names: _LocalNames, timestamp: Callable[[str], Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for child in element:
        name = names[child.tag]
        kind = _ENTRY.get(name)
        if kind is None:
            continue  # not a member of the entry's shape: botocore ignores it too
        if kind == _LIST:
            entry.setdefault(name, []).append(child.text or "")
            continue
        if kind == _NOT_LEAN or name in entry:
            raise NotLean(f"an entry with {name}" + (" twice" if name in entry else ""))
        if kind == _OWNER:
            entry[name] = _owner(child, names)
            continue
        text = child.text or ""
        entry[name] = text if kind == _TEXT else int(text) if kind == _INT else timestamp(text)
    return entry


def _owner(element: Any, names: _LocalNames) -> dict[str, str]:
    owner: dict[str, str] = {}
    for child in element:
        name = names[child.tag]
        if name in _OWNER_FIELDS:
            if name in owner:
                raise NotLean(f"an owner with {name} twice")
            owner[name] = child.text or ""
    return owner


def _common_prefix(element: Any, names: _LocalNames) -> dict[str, str]:
    found: dict[str, str] = {}
    for child in element:
        if names[child.tag] == "Prefix":
            if found:
                raise NotLean("a common prefix with two Prefix elements")
            found["Prefix"] = child.text or ""
    return found
