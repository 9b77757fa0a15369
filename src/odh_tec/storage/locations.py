"""Every storage location the app can reach: S3 buckets and configured local folders."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from odh_tec.errors import ApiError, NotFound
from odh_tec.storage.base import Storage
from odh_tec.storage.local import LocalStorage
from odh_tec.storage.metered import MeteredStorage
from odh_tec.storage.s3 import S3Connection, S3Storage


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


class Locations:
    def __init__(self, s3: S3Connection, local: list[LocalLocation]):
        self.s3 = s3
        self.local = local

    def get(self, location_id: str) -> Storage:
        """The storage behind `location_id`, counting the bytes it moves (`/metrics`)."""
        kind, _, name = location_id.partition(":")
        if kind == "s3" and name:
            return MeteredStorage(S3Storage(self.s3, name), "s3")  # type: ignore[return-value]
        if kind == "local":
            for loc in self.local:
                if loc.name == name:
                    if not loc.available:
                        raise NotFound(f"Local folder '{loc.path}' is not available", code="NoSuchLocation")
                    return MeteredStorage(LocalStorage(loc.path), "local")  # type: ignore[return-value]
        raise NotFound(f"Unknown storage location '{location_id}'", code="NoSuchLocation")

    async def list_buckets(self) -> dict:
        """Buckets, with the default bucket kept visible when ListBuckets is denied."""
        default = self.s3.settings.s3.default_bucket or None
        try:
            buckets = await self.s3.list_buckets()
            denied, error = False, None
        except ApiError as exc:
            if exc.status != 403:
                raise
            buckets, denied, error = [], True, exc.message
        if default and not any(b["name"] == default for b in buckets):
            buckets.insert(0, {"name": default, "created": None})
        return {"buckets": buckets, "default_bucket": default, "list_denied": denied, "message": error}

    async def list(self) -> list[dict]:
        out = []
        try:
            listing = await self.list_buckets()
            default = listing["default_bucket"]
            for bucket in listing["buckets"]:
                out.append(
                    {
                        "id": f"s3:{bucket['name']}",
                        "kind": "s3",
                        "name": bucket["name"],
                        "available": True,
                        "default": bucket["name"] == default,
                    }
                )
        except ApiError:
            # S3 unreachable: local folders still work; the UI shows the S3 error from /buckets.
            pass
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
        return out
