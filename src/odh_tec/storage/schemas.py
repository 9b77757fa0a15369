"""The JSON shapes of listings, object stats, buckets and locations, as the API sends them.

TypedDicts rather than models: the producers (`ObjectInfo.to_json`, `Listing.to_json`,
`Locations.list`) build plain dicts, FastAPI checks them against these, and a key marked
`NotRequired` is left out of an answer rather than sent as null.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from typing_extensions import TypedDict


class FolderEntry(TypedDict):
    prefix: str  # the full prefix, ending with '/'
    name: str


class FileEntry(TypedDict):
    key: str
    name: str
    size: int
    last_modified: str | None  # ISO 8601
    etag: str | None


class ObjectListing(TypedDict):
    """One level of a location under `prefix`: sub-folders, then files."""

    prefix: str
    folders: list[FolderEntry]
    files: list[FileEntry]
    next_page_token: str | None


class ObjectStat(FileEntry):
    content_type: str | None
    metadata: dict[str, str]


class Bucket(TypedDict):
    name: str
    created: str | None  # ISO 8601; unknown for a default bucket the keys cannot list


class BucketList(TypedDict):
    connection: str  # `default`, or a named connection's name
    buckets: list[Bucket]
    default_bucket: str | None
    list_denied: bool  # ListBuckets was refused: only the default bucket is listed
    message: str | None  # why the list is short


class Location(TypedDict):
    id: str  # `s3:<bucket>`, `s3:<connection>@<bucket>` or `local:<name>`
    kind: Literal["s3", "local"]
    name: str  # the bucket (S3) or the folder's name
    connection: NotRequired[str]  # S3 only: `default`, or a named connection's name
    path: NotRequired[str]  # local folders only
    available: bool
    default: bool


class ConnectionProblem(TypedDict):
    """An S3 connection whose buckets could not be listed: the others are listed all the same."""

    connection: str
    error: str  # a code of docs/api.md
    message: str
