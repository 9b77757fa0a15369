"""Bucket list, create and delete."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from odh_tec.errors import BadRequest
from odh_tec.services import Services, get_services
from odh_tec.storage.s3.connection import DEFAULT_CONNECTION
from odh_tec.storage.schemas import BucketList

router = APIRouter(prefix="/buckets", tags=["buckets"])

_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def bucket_name_problem(name: str) -> str | None:
    """Why `name` breaks the S3 bucket naming rules, or None. Dotted names are allowed."""
    if not 3 <= len(name) <= 63:
        return "Bucket names must be 3 to 63 characters long"
    if not _BUCKET_CHARS.match(name):
        return (
            "Bucket names may contain only lowercase letters, digits, dots and hyphens, "
            "and must begin and end with a letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        return "Bucket names cannot contain two adjacent dots or a dot next to a hyphen"
    try:
        ipaddress.IPv4Address(name)
        return "Bucket names cannot look like an IP address"
    except ValueError:
        pass
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return "Bucket names cannot use the reserved prefixes xn--/sthree- or suffixes -s3alias/--ol-s3"
    return None


class BucketCreate(BaseModel):
    name: str  # bucket_name_problem bounds it (an InvalidBucketName, as every other bad name)
    connection: str = Field(DEFAULT_CONNECTION, max_length=32)  # a named S3 connection, or the default


class BucketCreated(TypedDict):
    name: str


class BucketDeleted(TypedDict):
    deleted_objects: int  # emptied first, with `empty=true`


# The S3 connection whose buckets a route lists, makes or deletes (its name; the default when absent).
ConnectionName = Annotated[str, Query(max_length=32)]


@router.get("", response_model=BucketList)
async def list_buckets(
    services: Services = Depends(get_services), connection: ConnectionName = DEFAULT_CONNECTION
) -> dict:
    return await services.locations.list_buckets(connection)


@router.post("", status_code=201, response_model=BucketCreated)
async def create_bucket(body: BucketCreate, services: Services = Depends(get_services)) -> dict:
    problem = bucket_name_problem(body.name)
    if problem:
        raise BadRequest(problem, code="InvalidBucketName")
    await services.connections.get(body.connection).create_bucket(body.name)
    return {"name": body.name}


@router.delete("/{name}", response_model=BucketDeleted)
async def delete_bucket(
    name: str,
    empty: bool = False,
    services: Services = Depends(get_services),
    connection: ConnectionName = DEFAULT_CONNECTION,
) -> dict:
    if bucket_name_problem(name):
        raise BadRequest(f"'{name}' is not a valid bucket name", code="InvalidBucketName")
    deleted = await services.connections.get(connection).delete_bucket(name, empty_first=empty)
    return {"deleted_objects": deleted}
