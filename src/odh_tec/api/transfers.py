"""Transfers API: start, list, cancel, preview/precheck/sync plan, and the one SSE stream per browser tab.

A ModelCar (`kind: "modelcar"`) is a transfer too: a folder or a Hub repo pushed as an OCI image."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, BaseModel, Field

from odh_tec.errors import BadRequest
from odh_tec.services import Services, get_services
from odh_tec.transfers.engine import TooManyRequests, TransferEngine
from odh_tec.transfers.schemas import ClearedJobs, CopyPrecheck, HfPreview, Job, JobList, SyncPlan
from odh_tec.transfers.specs import CopySpec, HFImportSpec, ModelCarSpec, SyncSpec

router = APIRouter()

KEY_BYTES = 1024  # the S3 limit on a key, which local folders follow too
LOCATION_ID_CHARS = 256  # "s3:" + a bucket name (≤ 63), or "local:" + a folder's name
PATTERN_CHARS = 1024
PATTERNS = 200

# Bytes/s for this job alone (its bytes also pass the global MAX_TRANSFER_RATE); none or 0: no own limit.
LimitRate = Annotated[int | None, Field(ge=0)]


def _within_key_bytes(value: str) -> str:
    # Characters are not bytes: 600 'é' pass a 1024-character limit but make a 1200-byte key.
    if len(value.encode()) > KEY_BYTES:
        raise ValueError(f"at most {KEY_BYTES} bytes (UTF-8)")
    return value


Key = Annotated[str, Field(max_length=KEY_BYTES), AfterValidator(_within_key_bytes)]
LocationId = Annotated[str, Field(min_length=1, max_length=LOCATION_ID_CHARS)]
Pattern = Annotated[str, Field(max_length=PATTERN_CHARS)]


class HFSource(BaseModel):
    repo_id: str = Field(min_length=1, max_length=200)
    repo_type: Literal["model", "dataset"] = "model"
    revision: str = Field("main", min_length=1, max_length=256)
    include: list[Pattern] = Field(default_factory=list, max_length=PATTERNS)
    exclude: list[Pattern] = Field(default_factory=list, max_length=PATTERNS)
    token: str | None = Field(None, max_length=512)


class Destination(BaseModel):
    location_id: LocationId
    prefix: Key = ""
    # Hub imports only: files land under <prefix>/<repo id>/ (false: directly under <prefix>/).
    repo_folder: bool = True
    # Copies of one file only: the exact destination key (else <prefix>/<file name>).
    key: Key | None = None


class HFTransferRequest(BaseModel):
    kind: Literal["huggingface"]
    source: HFSource
    destination: Destination
    limit_rate: LimitRate = None


class CopySource(BaseModel):
    location_id: LocationId
    # How many: `max_copy_keys`, a setting, checked by `copy_spec` (429).
    keys: list[Key] = Field(default_factory=list)
    prefixes: list[Key] = Field(default_factory=list)


class CopyTransferRequest(BaseModel):
    kind: Literal["copy", "move"]
    source: CopySource
    destination: Destination
    conflict: Literal["skip", "overwrite", "rename"] = "skip"
    limit_rate: LimitRate = None


class SyncFolder(BaseModel):
    location_id: LocationId
    prefix: Key = ""  # the folder ('' = the whole bucket or location)


class SyncTransferRequest(BaseModel):
    """Make `destination` look like `source` (docs/transfers.md, Sync)."""

    kind: Literal["sync"]
    source: SyncFolder
    destination: SyncFolder
    delete: bool = False  # also delete destination files the source does not have
    include: list[Pattern] = Field(default_factory=list, max_length=PATTERNS)
    exclude: list[Pattern] = Field(default_factory=list, max_length=PATTERNS)
    limit_rate: LimitRate = None


IMAGE_CHARS = 512  # oci/reference.py checks the grammar
MODELS_DIR_CHARS = 256


class ModelCarHubSource(BaseModel):
    repo_id: str = Field(min_length=1, max_length=200)
    repo_type: Literal["model", "dataset"] = "model"
    revision: str = Field("main", min_length=1, max_length=256)
    token: str | None = Field(None, max_length=512)


class ModelCarSource(BaseModel):
    """A folder of a location, or a Hub repo (`hf`): exactly one of the two."""

    location_id: LocationId | None = None
    prefix: Key = ""
    hf: ModelCarHubSource | None = None
    include: list[Pattern] = Field(default_factory=list, max_length=PATTERNS)
    exclude: list[Pattern] = Field(default_factory=list, max_length=PATTERNS)


class ModelCarTransferRequest(BaseModel):
    """Package the source as a KServe ModelCar and push it to `image` (docs/modelcar.md)."""

    kind: Literal["modelcar"]
    source: ModelCarSource
    image: str = Field(min_length=1, max_length=IMAGE_CHARS)  # registry/repository:tag
    base: str = Field("", max_length=IMAGE_CHARS)  # "": MODELCAR_BASE_IMAGE; "scratch": none
    models_dir: str = Field("/models", min_length=1, max_length=MODELS_DIR_CHARS)
    limit_rate: LimitRate = None


TransferRequest = Annotated[
    HFTransferRequest | CopyTransferRequest | SyncTransferRequest | ModelCarTransferRequest,
    Field(discriminator="kind"),
]


class PreviewRequest(BaseModel):
    source: HFSource
    destination: Destination | None = None


def engine_of(services: Services = Depends(get_services)) -> TransferEngine:
    return services.transfers


def hf_spec(source: HFSource, destination: Destination | None) -> HFImportSpec:
    return HFImportSpec(
        repo_id=source.repo_id.strip(),
        repo_type=source.repo_type,
        revision=source.revision.strip(),
        include=source.include,
        exclude=source.exclude,
        token=source.token or None,
        location_id=destination.location_id if destination else "",
        prefix=destination.prefix if destination else "",
        repo_folder=destination.repo_folder if destination else True,
    )


def copy_spec(body: CopyTransferRequest, services: Services) -> CopySpec:
    """The engine's spec, refused (429) when it names more than `max_copy_keys` keys and folders:
    planning stats every key, so one request must not hold the server for a million of them."""
    count = len(body.source.keys) + len(body.source.prefixes)
    limit = services.config.max_copy_keys
    if count > limit:
        raise TooManyRequests(
            f"A copy or move may name at most {limit} files and folders; this one names "
            f"{count}. Select their parent folder instead, or copy in smaller parts"
        )
    return CopySpec(
        kind=body.kind,
        source_location=body.source.location_id,
        keys=body.source.keys,
        prefixes=body.source.prefixes,
        destination_location=body.destination.location_id,
        prefix=body.destination.prefix,
        key=body.destination.key,
        conflict=body.conflict,
        limit_rate=body.limit_rate or None,
    )


def sync_spec(body: SyncTransferRequest) -> SyncSpec:
    return SyncSpec(
        source_location=body.source.location_id,
        source_prefix=body.source.prefix,
        destination_location=body.destination.location_id,
        destination_prefix=body.destination.prefix,
        delete=body.delete,
        include=body.include,
        exclude=body.exclude,
        limit_rate=body.limit_rate or None,
    )


def modelcar_spec(body: ModelCarTransferRequest) -> ModelCarSpec:
    source = body.source
    if (source.hf is None) == (source.location_id is None):
        raise BadRequest("A ModelCar's source is either a folder (location_id, prefix) or a Hub repo (hf)")
    spec = ModelCarSpec(
        image=body.image,
        source_location=source.location_id or "",
        source_prefix=source.prefix,
        include=source.include,
        exclude=source.exclude,
        base=body.base.strip(),
        models_dir=body.models_dir,
        limit_rate=body.limit_rate or None,
    )
    if source.hf is not None:
        spec.repo_id, spec.repo_type = source.hf.repo_id.strip(), source.hf.repo_type
        spec.revision, spec.token = source.hf.revision.strip(), source.hf.token or None
    return spec


@router.post("", status_code=201, response_model=Job)
async def start(body: TransferRequest, engine: TransferEngine = Depends(engine_of)) -> dict:
    if isinstance(body, HFTransferRequest):
        spec = hf_spec(body.source, body.destination)
        spec.limit_rate = body.limit_rate or None
        job = await engine.submit(spec)
    elif isinstance(body, SyncTransferRequest):
        job = await engine.submit(sync_spec(body))
    elif isinstance(body, ModelCarTransferRequest):
        job = await engine.submit(modelcar_spec(body))
    else:
        job = await engine.submit(copy_spec(body, engine.services))
    return job.to_json()


@router.post("/huggingface/preview", response_model=HfPreview)
async def preview(body: PreviewRequest, engine: TransferEngine = Depends(engine_of)) -> dict:
    return await engine.preview_hf(hf_spec(body.source, body.destination))


@router.post("/copy/precheck", response_model=CopyPrecheck)
async def precheck(body: CopyTransferRequest, engine: TransferEngine = Depends(engine_of)) -> dict:
    return await engine.precheck_copy(copy_spec(body, engine.services))


@router.post("/sync/plan", response_model=SyncPlan)
async def sync_plan(body: SyncTransferRequest, engine: TransferEngine = Depends(engine_of)) -> dict:
    """A dry run: what the sync would copy, skip and delete, and by which rule. Totals count every file;
    `files` lists at most `limit` of each action."""
    return (await engine.plan_sync(sync_spec(body))).to_json()


@router.get("", response_model=JobList)
async def list_jobs(engine: TransferEngine = Depends(engine_of)) -> dict:
    return {"jobs": [job.to_json() for job in engine.list()]}


@router.delete("", response_model=ClearedJobs)
async def clear_finished(engine: TransferEngine = Depends(engine_of)) -> dict:
    """Forget every finished job, in this run and in the saved history; running ones are untouched."""
    return {"cleared": engine.clear_finished()}


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `snapshot`, `job` and `removed` (docs/api.md, Events)",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def events(request: Request, engine: TransferEngine = Depends(engine_of)) -> StreamingResponse:
    """`snapshot` on connect, then `job` / `removed` events; comment lines keep proxies from timing out.
    Past `max_sse_subscribers` open streams, a new one is refused with 429."""
    subscription = engine.subscribe()  # before the snapshot, so no update falls in between
    keepalive = engine.options.keepalive_seconds

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n\n"
            yield f"event: snapshot\ndata: {engine.events.snapshot(engine.list())}\n\n"
            while True:
                batch = await subscription.next_batch(keepalive)
                if batch is None:
                    return
                if not batch:
                    yield ": keep-alive\n\n"
                    continue
                yield "".join(f"event: {event}\ndata: {data}\n\n" for event, data in batch)
        finally:
            engine.unsubscribe(subscription)

    body = stream()
    # A client that leaves before the body starts never runs the generator's `finally`: release the
    # subscription when the generator is dropped, or such leaks would use up the cap for good.
    weakref.finalize(body, engine.unsubscribe, subscription)
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.get("/{job_id}", response_model=Job)
async def get_job(job_id: str, engine: TransferEngine = Depends(engine_of)) -> dict:
    return engine.get(job_id).to_json()


@router.post("/{job_id}/cancel", response_model=Job)
async def cancel(job_id: str, engine: TransferEngine = Depends(engine_of)) -> dict:
    return (await engine.cancel(job_id)).to_json()


@router.delete("/{job_id}", response_model=Job)
async def delete(job_id: str, engine: TransferEngine = Depends(engine_of)) -> dict:
    """Cancel a running job; forget a finished one (it leaves the list, `removed` on the stream)."""
    job = engine.get(job_id)
    if job.state.finished:
        return engine.forget(job_id).to_json()
    return (await engine.cancel(job_id)).to_json()
