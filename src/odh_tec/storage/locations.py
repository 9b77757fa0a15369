"""Every storage location the app can reach: the buckets of each S3 connection and configured local folders.

Location ids: `s3:BUCKET` (the default connection), `s3:NAME@BUCKET` (a named connection),
`local:NAME` (a folder of LOCAL_STORAGE_PATHS)."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass

from odh_tec.errors import ApiError, NotFound
from odh_tec.storage.base import Storage
from odh_tec.storage.local import LocalStorage
from odh_tec.storage.metered import MeteredStorage
from odh_tec.storage.partials import PartialsJournal
from odh_tec.storage.s3 import S3Connection, S3Storage
from odh_tec.storage.s3.connection import DEFAULT_CONNECTION
from odh_tec.storage.s3.connections import NoSuchConnection, S3Connections


@dataclass
class LocalLocation:
    name: str
    path: str

    @property
    def id(self) -> str:
        return f"local:{self.name}"

    @property
    def available(self) -> bool:
        return os.path.isdir(self.path) and os.access(self.path, os.R_OK)


def local_locations(paths: list[str]) -> list[LocalLocation]:
    """One location per configured folder, named after its base name (made unique)."""
    out: list[LocalLocation] = []
    seen: set[str] = set()
    for index, path in enumerate(paths):
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.basename(os.path.normpath(path))).strip("-")
        name = base or f"local-{index}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name}-{n}", n + 1
        seen.add(candidate)
        out.append(LocalLocation(candidate, path))
    return out


def split_s3_name(name: str) -> tuple[str, str]:
    """`NAME@BUCKET` -> (NAME, BUCKET); a plain `BUCKET` is the default connection's. Neither connection
    names nor bucket names may hold '@': the split is unambiguous."""
    connection, at, bucket = name.partition("@")
    return (connection, bucket) if at else (DEFAULT_CONNECTION, name)


def s3_location_id(connection: str, bucket: str) -> str:
    """The default connection's buckets keep the ids they always had (`s3:BUCKET`)."""
    return f"s3:{bucket}" if connection == DEFAULT_CONNECTION else f"s3:{connection}@{bucket}"


def bucket_of(location_id: str) -> str:
    """The name a location is shown by inside its connection: the bucket, or the local name."""
    kind, _, name = location_id.partition(":")
    return split_s3_name(name)[1] if kind == "s3" else name


class Locations:
    def __init__(self, connections: S3Connections, local: list[LocalLocation], partials: PartialsJournal | None = None):
        """`partials`: the journal local writes record their temporaries in (swept at start)."""
        self.connections = connections
        self.local = local
        self.partials = partials

    @property
    def s3(self) -> S3Connection:
        """The default connection."""
        return self.connections.default

    def s3_bucket(self, location_id: str) -> tuple[S3Connection, str]:
        """The connection and bucket of an S3 location id; 404 NoSuchConnection for an unknown name
        (`default@` included: the default connection's buckets are written without a name)."""
        kind, _, name = location_id.partition(":")
        connection, bucket = split_s3_name(name)
        if kind != "s3" or not bucket:
            raise NotFound(f"Unknown storage location '{location_id}'", code="NoSuchLocation")
        if "@" in name and connection == DEFAULT_CONNECTION:
            raise NoSuchConnection(f"Write the default connection's buckets without a name: 's3:{bucket}'")
        return self.connections.get(connection), bucket

    def get(self, location_id: str) -> Storage:
        """The storage behind `location_id`, counting the bytes it moves (`/metrics`)."""
        kind, _, name = location_id.partition(":")
        if kind == "s3" and name:
            connection, bucket = self.s3_bucket(location_id)
            return MeteredStorage(S3Storage(connection, bucket), "s3")  # type: ignore[return-value]
        if kind == "local":
            for loc in self.local:
                if loc.name == name:
                    if not loc.available:
                        raise NotFound(f"Local folder '{loc.path}' is not available", code="NoSuchLocation")
                    return MeteredStorage(LocalStorage(loc.path, self.partials), "local")  # type: ignore[return-value]
        raise NotFound(f"Unknown storage location '{location_id}'", code="NoSuchLocation")

    async def list_buckets(self, connection_name: str = DEFAULT_CONNECTION) -> dict:
        """Buckets, with the default bucket kept visible when ListBuckets is denied."""
        connection = self.connections.get(connection_name)
        default = connection.s3.default_bucket or None
        try:
            buckets = await connection.list_buckets()
            denied, error = False, None
        except ApiError as exc:
            if exc.status != 403:
                raise
            buckets, denied, error = [], True, exc.message
        if default and not any(b["name"] == default for b in buckets):
            buckets.insert(0, {"name": default, "created": None})
        return {
            "connection": connection.name,
            "buckets": buckets,
            "default_bucket": default,
            "list_denied": denied,
            "message": error,
        }

    async def _s3_locations(self, connection: S3Connection) -> list[dict]:
        listing = await self.list_buckets(connection.name)
        return [
            {
                "id": s3_location_id(connection.name, bucket["name"]),
                "kind": "s3",
                "name": bucket["name"],
                "connection": connection.name,
                "available": True,
                "default": bucket["name"] == listing["default_bucket"],
            }
            for bucket in listing["buckets"]
        ]

    async def list_all(self) -> tuple[list[dict], list[dict]]:
        """Every location, and the connections whose buckets could not be listed (with why). The
        connections are asked at once: one slow or unreachable S3 delays the answer by its own
        timeout, not the sum of them, and hides none of the others."""
        connections = self.connections.all()
        found = await asyncio.gather(*(self._s3_locations(c) for c in connections), return_exceptions=True)
        out: list[dict] = []
        errors: list[dict] = []
        for connection, result in zip(connections, found, strict=True):
            if isinstance(result, ApiError):
                # The UI shows the default connection's error from /buckets; the others' from here.
                errors.append({"connection": connection.name, "error": result.code, "message": result.message})
            elif isinstance(result, Exception):
                errors.append({"connection": connection.name, "error": "S3Error", "message": str(result)})
            elif isinstance(result, BaseException):
                raise result
            else:
                out += result
        for loc in self.local:
            out.append(
                {
                    "id": loc.id,
                    "kind": "local",
                    "name": loc.name,
                    "path": loc.path,
                    "available": loc.available,
                    "default": False,
                }
            )
        return out, errors

    async def list(self) -> list[dict]:
        return (await self.list_all())[0]
