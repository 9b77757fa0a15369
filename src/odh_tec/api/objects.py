"""Object routes, the same for S3 buckets and local folders. Keys travel as query parameters."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect
from typing_extensions import TypedDict

from odh_tec.errors import BadRequest, RangeNotSatisfiable
from odh_tec.security.audit import audit_details
from odh_tec.services import Services, get_services
from odh_tec.storage.base import ByteRange, Storage
from odh_tec.storage.s3.presign import DEFAULT_EXPIRES, Presigned, check_expiry, presign_download
from odh_tec.storage.schemas import ObjectListing, ObjectStat

log = logging.getLogger(__name__)
ENCODE_ON_LOOP_ENTRIES = 600  # ~2 ms of encoding at most on the loop
router = APIRouter(prefix="/locations/{location_id}", tags=["objects"])


class Uploaded(TypedDict):
    key: str
    size: int
    etag: str | None


class FolderCreated(TypedDict):
    prefix: str


class Deleted(TypedDict):
    deleted: int


class DeleteFailure(TypedDict):
    """A key the S3 server refused to delete, with its own error code."""

    key: str | None
    error: str | None
    message: str | None


class SelectionDeleted(TypedDict):
    deleted: int
    errors: list[DeleteFailure]


def binary_answer(media_type: str, description: str) -> dict[str, Any]:
    """An answer of raw bytes in the OpenAPI document: a StreamingResponse has no schema of its own."""
    return {"description": description, "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}


def get_storage(location_id: str, services: Services = Depends(get_services)) -> Storage:
    return services.locations.get(location_id)


def folder_prefix(prefix: str) -> str:
    """'' for the root, otherwise a prefix that ends with exactly one '/'."""
    if not prefix:
        return ""
    return prefix if prefix.endswith("/") else prefix + "/"


def require_key(key: str) -> str:
    if not key:
        raise BadRequest("The 'key' query parameter is required", code="InvalidKey")
    if len(key.encode()) > 1024:
        raise BadRequest("Object keys are limited to 1024 bytes", code="InvalidKey")
    return key


async def prefetched(chunks: AsyncGenerator[bytes, None]) -> AsyncIterator[bytes]:
    """Start the stream before answering, so a missing object is a clean 404, not a cut response."""
    try:
        first = await chunks.__anext__()
    except StopAsyncIteration:
        first = b""

    async def stream() -> AsyncIterator[bytes]:
        try:
            if first:
                yield first
            async for chunk in chunks:
                yield chunk
        finally:
            await chunks.aclose()

    return stream()


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One byte range from a Range header; None for no/ignored range; 416 when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None  # multiple or malformed ranges: RFC 9110 lets us send the whole body
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(f"Range {header} is not satisfiable for {size} bytes")
        return ByteRange(max(0, size - length), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable(f"Range {header} is not satisfiable for {size} bytes")
    return ByteRange(start, min(end, size - 1))


def content_disposition(filename: str, kind: str = "attachment") -> str:
    """RFC 6266/5987: an ASCII fallback plus the exact UTF-8 name."""
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename) or "download"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/objects", response_model=ObjectListing)
async def list_objects(
    prefix: str = "",
    page_size: int | None = Query(None, ge=1, le=1000),
    page_token: str | None = None,
    search: str = "",
    storage: Storage = Depends(get_storage),
    services: Services = Depends(get_services),
) -> Response:
    if "/" in search:
        raise BadRequest("Search matches names inside the current folder; it cannot contain '/'")
    size = page_size or services.settings.transfers.max_files_per_page
    listing = await storage.list(folder_prefix(prefix), page_size=size, page_token=page_token, search=search)
    # The body is an ObjectListing, as documented, encoded without FastAPI's validation of each entry.
    # Encoding costs about 3 µs per entry: a page of a few hundred is encoded here at once; a larger
    # one in a worker thread, so that other requests do not wait behind it on the event loop (below
    # that size the hop to the thread and back costs more time than it saves).
    if len(listing.files) + len(listing.folders) <= ENCODE_ON_LOOP_ENTRIES:
        return JSONResponse(listing.to_json())
    return await asyncio.to_thread(lambda: JSONResponse(listing.to_json()))


@router.get("/object", response_model=ObjectStat)
async def stat_object(key: str, storage: Storage = Depends(get_storage)) -> dict:
    info = await storage.stat(require_key(key))
    return info.to_stat_json()


@router.get(
    "/download",
    response_class=StreamingResponse,
    responses={
        200: binary_answer("application/octet-stream", "The object's bytes (its stored Content-Type)"),
        206: binary_answer("application/octet-stream", "The byte range asked for with `Range`"),
    },
)
async def download(request: Request, key: str, storage: Storage = Depends(get_storage)) -> Response:
    info = await storage.stat(require_key(key))
    try:
        byte_range = parse_range(request.headers.get("range"), info.size)
    except RangeNotSatisfiable as exc:
        return Response(
            content=f'{{"error": "InvalidRange", "message": "{exc.message}"}}',
            status_code=416,
            media_type="application/json",
            headers={"Content-Range": f"bytes */{info.size}"},
        )
    headers = {
        "Content-Disposition": content_disposition(info.name),
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    if info.etag:
        headers["ETag"] = f'"{info.etag}"'
    if info.last_modified:
        headers["Last-Modified"] = info.last_modified.strftime("%a, %d %b %Y %H:%M:%S GMT")
    status = 200
    length = info.size
    if byte_range is not None:
        status = 206
        length = byte_range.length
        headers["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{info.size}"
    headers["Content-Length"] = str(length)
    body = await prefetched(storage.read(info.key, byte_range))
    return StreamingResponse(
        body, status_code=status, headers=headers, media_type=info.content_type or "application/octet-stream"
    )


@router.put("/object", status_code=201, response_model=Uploaded)
async def upload(request: Request, key: str, storage: Storage = Depends(get_storage)) -> dict | Response:
    require_key(key)
    if key.endswith("/"):
        raise BadRequest("An object key cannot end with '/'; create a folder instead", code="InvalidKey")
    length = request.headers.get("content-length")
    size = int(length) if length and length.isdigit() else None
    if_none_match = request.headers.get("if-none-match", "").strip() == "*"
    content_type = request.headers.get("content-type") or None
    try:
        info = await storage.write(
            key, request.stream(), size=size, content_type=content_type, if_none_match=if_none_match
        )
    except ClientDisconnect:
        # The browser went away (cancel, closed tab); the partial upload is already discarded.
        log.info("upload of '%s' cancelled: the client disconnected", key)
        return Response(status_code=499)
    return {"key": info.key, "size": info.size, "etag": info.etag}


class FolderCreate(BaseModel):
    prefix: str = Field(min_length=1, max_length=1024)


@router.post("/folders", status_code=201, response_model=FolderCreated)
async def create_folder(body: FolderCreate, storage: Storage = Depends(get_storage)) -> dict:
    prefix = folder_prefix(body.prefix.lstrip("/"))
    if not prefix.strip("/"):
        raise BadRequest("A folder name is required", code="InvalidKey")
    await storage.create_folder(prefix)
    return {"prefix": prefix}


@router.delete("/object", response_model=Deleted)
async def delete_object(key: str, storage: Storage = Depends(get_storage)) -> dict:
    await storage.delete(require_key(key))
    return {"deleted": 1}


@router.delete("/folder", response_model=Deleted)
async def delete_folder(request: Request, prefix: str, storage: Storage = Depends(get_storage)) -> dict:
    prefix = folder_prefix(prefix)
    if not prefix.strip("/"):
        raise BadRequest("Refusing to delete the whole location; name a folder", code="InvalidKey")
    deleted = await storage.delete_prefix(prefix)
    audit_details(request, deleted=deleted)
    return {"deleted": deleted}


class DeleteSelection(BaseModel):
    keys: list[str] = Field(default_factory=list, max_length=100_000)
    prefixes: list[str] = Field(default_factory=list, max_length=10_000)


@router.post("/delete", response_model=SelectionDeleted)
async def delete_selection(request: Request, body: DeleteSelection, storage: Storage = Depends(get_storage)) -> dict:
    for key in body.keys:
        require_key(key)
    prefixes = [folder_prefix(p) for p in body.prefixes]
    if any(not p.strip("/") for p in prefixes):
        raise BadRequest("Refusing to delete the whole location; name a folder", code="InvalidKey")
    deleted, errors = await storage.delete_many(body.keys) if body.keys else (0, [])
    for prefix in prefixes:
        deleted += await storage.delete_prefix(prefix)
    # The audit line names how much went, and the first few of what was asked for.
    audit_details(
        request, deleted=deleted, keys=body.keys[:20], prefixes=prefixes[:20], requested=len(body.keys) + len(prefixes)
    )
    return {"deleted": deleted, "errors": errors}


class PresignRequest(BaseModel):
    key: str = Field(min_length=1, max_length=1024)
    # Bounds are checked in the route: out of range is a 400 InvalidExpiry, not a 422.
    expires_seconds: int = DEFAULT_EXPIRES


@router.post("/presign", response_model=Presigned)
async def presign(
    request: Request, location_id: str, body: PresignRequest, services: Services = Depends(get_services)
) -> dict:
    """A time-limited download URL for one S3 object. A POST: the answer carries a signature made with the
    configured keys, so a cross-site page must not be able to ask for one."""
    kind = location_id.partition(":")[0]
    # The key goes into the audit line; the URL never does (it opens the object until it expires).
    audit_details(request, key=body.key, expires_seconds=body.expires_seconds)
    if kind == "local":
        raise BadRequest("Local folders have no share links: only S3 objects can be presigned", code="NotS3")
    check_expiry(body.expires_seconds)
    storage = services.locations.get(location_id)
    await storage.stat(require_key(body.key))  # a missing object is a 404 now, not a dead link later
    # Signed with the keys of the location's own connection, for its own endpoint.
    connection, bucket = services.locations.s3_bucket(location_id)
    return dict(await presign_download(connection, bucket, body.key, body.expires_seconds))
