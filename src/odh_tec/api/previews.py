"""Preview and zip routes: `/locations/{id}/preview`, `/preview/raw` and `/zip`.

Responses that carry stored bytes are sandboxed (`Content-Security-Policy: sandbox`, `nosniff`), and
`/preview/raw` only ever answers with an allow-listed image content type, so nothing a user stored can
run script from our origin.
"""

from __future__ import annotations

import posixpath
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from odh_tec.api.objects import (
    binary_answer,
    content_disposition,
    folder_prefix,
    get_storage,
    prefetched,
    require_key,
)
from odh_tec.errors import ApiError, BadRequest
from odh_tec.previews import IMAGE_TYPES, ZipEntry, build_preview, image_type, zip_stream
from odh_tec.previews.schemas import Preview
from odh_tec.storage.base import ObjectInfo, Storage
from odh_tec.storage.locations import bucket_of

router = APIRouter(tags=["previews"])

SANDBOX_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MAX_ZIP_ITEMS = 10_000


class UnsupportedMediaType(ApiError):
    status, code = 415, "UnsupportedMediaType"


@router.get("/locations/{location_id}/preview", response_model=Preview)
async def preview(response: Response, key: str, storage: Storage = Depends(get_storage)) -> dict:
    """What the preview modal shows: `kind` is text, image, table, parquet, json or binary."""
    result = await build_preview(storage, require_key(key))
    response.headers.update(SANDBOX_HEADERS)
    return result


@router.get(
    "/locations/{location_id}/preview/raw",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The image's bytes",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in sorted(set(IMAGE_TYPES.values()))
            },
        }
    },
)
async def preview_raw(key: str, storage: Storage = Depends(get_storage)) -> StreamingResponse:
    """The bytes of an image, only with an allow-listed image type (never HTML, SVG or script)."""
    info = await storage.stat(require_key(key))
    media_type = image_type(info.name)
    if media_type is None:
        raise UnsupportedMediaType(f"'{info.name}' is not a previewable image (png, jpeg, gif, webp, bmp)")
    headers = {
        **SANDBOX_HEADERS,
        "Content-Disposition": content_disposition(info.name, "inline"),
        "Content-Length": str(info.size),
    }
    body = await prefetched(storage.read(info.key))
    return StreamingResponse(body, media_type=media_type, headers=headers)


def _archive_name(storage_name: str, prefixes: list[str], keys: list[str]) -> str:
    if len(prefixes) == 1 and not keys and prefixes[0]:
        return prefixes[0].rstrip("/").rsplit("/", 1)[-1] + ".zip"
    if len(keys) == 1 and not prefixes:
        return keys[0].rsplit("/", 1)[-1] + ".zip"
    return f"{storage_name or 'download'}.zip"


def _parent(path: str) -> str:
    """The folder that holds a key or a folder prefix ('' at the root), ending with '/'."""
    parent = posixpath.dirname(path.rstrip("/"))
    return parent + "/" if parent else ""


@router.get(
    "/locations/{location_id}/zip",
    response_class=StreamingResponse,
    responses={200: binary_answer("application/zip", "The files as one zip archive, streamed as it is written")},
)
async def download_zip(
    location_id: str,
    prefix: list[str] = Query(default_factory=list),
    key: list[str] = Query(default_factory=list),
    storage: Storage = Depends(get_storage),
) -> StreamingResponse:
    """A folder (`prefix`), a selection (`key`, `prefix` repeated) or a whole location (`prefix=`) as one
    zip, streamed as it is read. Entries are named relative to the folder that holds each item."""
    keys = [require_key(k) for k in key]
    prefixes = [folder_prefix(p) for p in prefix]
    if not keys and not prefixes:
        raise BadRequest("Name at least one 'prefix' or 'key' to download")
    if len(keys) + len(prefixes) > MAX_ZIP_ITEMS:
        raise BadRequest(f"At most {MAX_ZIP_ITEMS} items can be zipped at once")
    infos = [await storage.stat(k) for k in keys]  # a missing key is a clean 404 before streaming

    async def entries() -> AsyncIterator[ZipEntry]:
        # zip_stream makes each name a safe relative path ('..', '/x', 'a\\b' and drive letters are
        # stored keys, not paths to follow) and unique, so names here are just relative to the parent.
        def entry(info: ObjectInfo, name: str) -> ZipEntry:
            return ZipEntry(name, info.size, info.last_modified, lambda: storage.read(info.key))

        for info in infos:
            yield entry(info, info.key[len(_parent(info.key)) :])
        for folder in prefixes:
            base = _parent(folder) if folder else ""
            async for info in storage.walk(folder):
                if info.key.endswith("/"):
                    continue
                yield entry(info, info.key[len(base) :])

    location_name = bucket_of(location_id)  # `scratch@models` is named `models…zip`
    headers = {
        "Content-Disposition": content_disposition(_archive_name(location_name, prefixes, keys)),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    body = await prefetched(zip_stream(entries()))
    return StreamingResponse(body, media_type="application/zip", headers=headers)
