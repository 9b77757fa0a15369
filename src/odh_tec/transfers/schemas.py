"""The JSON of jobs, Hub previews, copy prechecks and sync plans, as the transfers API sends them.

`Job.to_json` and the planners build plain dicts; the API checks them against these TypedDicts.
Keys a kind of job does not have are `NotRequired`: left out of the answer, never sent as null. The
SSE stream sends the same job JSON (docs/api.md, Events); it is not part of the OpenAPI document.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from typing_extensions import TypedDict

from odh_tec.transfers.model import FileState, JobState

ConflictPolicy = Literal["skip", "overwrite", "rename"]
# Which rule decided a sync's action for a file (docs/transfers.md, Sync): `new`, `size`, `etag`,
# `sha256` and `size-mtime` for the source's files, `not-in-source` for a deletion.
SyncRule = Literal["new", "size", "etag", "sha256", "size-mtime", "not-in-source"]


class JobFile(TypedDict):
    path: str  # the path in the repo, or the source key
    destination_key: str
    size: int
    bytes_done: int
    state: FileState
    error: str | None  # "Code: message"
    action: NotRequired[Literal["copy", "delete"]]  # syncs: a deletion has size 0 (it moves no byte)


class JobTotals(TypedDict):
    files: int
    files_done: int
    files_failed: int
    files_skipped: int
    files_cancelled: int
    bytes: int
    bytes_done: int
    rate_bps: float
    eta_seconds: float | None


class HfJobSource(TypedDict):
    repo_id: str
    repo_type: str
    revision: str
    include: list[str]
    exclude: list[str]
    token_provided: bool  # the token itself is never sent back


class CopyJobSource(TypedDict):
    location_id: str
    keys: list[str]
    prefixes: list[str]


class SyncJobSource(TypedDict):
    location_id: str
    prefix: str  # the folder, '' or ending with '/'
    include: list[str]
    exclude: list[str]


class SyncCount(TypedDict):
    files: int
    bytes: int


class SyncTotals(TypedDict):
    copy: SyncCount  # new or changed files
    skip: SyncCount  # unchanged
    delete: SyncCount  # at the destination only (with `delete`)


class SyncJobInfo(TypedDict):
    delete: bool
    totals: SyncTotals  # the plan the job runs


class ModelCarJobSource(TypedDict):
    include: list[str]
    exclude: list[str]
    location_id: NotRequired[str]  # a folder source
    prefix: NotRequired[str]
    repo_id: NotRequired[str]  # a Hub source
    repo_type: NotRequired[str]
    revision: NotRequired[str]
    token_provided: NotRequired[bool]


class ModelCarInfo(TypedDict):
    image: str  # the image pushed, normalised (registry/repository:tag)
    base: str  # the base image resolved ("scratch" for none)
    base_digest: str | None  # the base's manifest for the platform: a resumed job uses the same
    reference: str | None  # once pushed: registry/repository@sha256:…
    digest: str | None  # the manifest's digest
    media_type: str | None  # OCI, or Docker v2 schema 2 where the registry refused OCI
    storage_uri: str | None  # oci://registry/repository@sha256:…, for an InferenceService
    inference_service: str | None  # a ready InferenceService (YAML) with that storageUri
    layers: int | None  # the model's layers (one per file)
    layers_sent: int | None  # of which this job sent (the others were in the registry already)


class JobDestination(TypedDict):
    location_id: str
    prefix: str
    repo_folder: NotRequired[bool]  # Hub imports
    key: NotRequired[str]  # a copy or move of one file to this exact key
    # ModelCars (location_id and prefix are ''): the image as asked, the base ('' = the configured
    # MODELCAR_BASE_IMAGE) and where the files go in the image.
    image: NotRequired[str]
    base: NotRequired[str]
    models_dir: NotRequired[str]


class Job(TypedDict):
    id: str
    version: int  # grows with every change a client shows: of two copies, the higher is the newer
    kind: Literal["huggingface", "copy", "move", "sync", "modelcar"]
    state: JobState
    title: str
    source: HfJobSource | CopyJobSource | SyncJobSource | ModelCarJobSource
    destination: JobDestination
    created_at: str  # ISO 8601, UTC
    started_at: str | None
    finished_at: str | None
    resumed_at: str | None  # when a restart of the app picked the job up again
    resolved_revision: str | None  # Hub imports: the commit sha
    error: str | None
    destination_base: NotRequired[str]  # Hub imports: the folder the repo's files land in
    conflict: NotRequired[ConflictPolicy]  # copies and moves
    limit_rate: NotRequired[int]  # the job's own bandwidth limit (bytes/s), when it was given one
    sync: NotRequired[SyncJobInfo]  # syncs
    modelcar: NotRequired[ModelCarInfo]  # ModelCars: the pushed image, once pushed
    totals: JobTotals
    files: list[JobFile]


class JobList(TypedDict):
    jobs: list[Job]  # newest first


class ClearedJobs(TypedDict):
    cleared: list[str]  # the ids of the finished jobs forgotten


class HfPreviewFile(TypedDict):
    path: str
    size: int
    sha256: str | None  # LFS files only
    lfs: bool
    destination_key: str
    exists: bool  # an object is already at the destination key
    skip: bool  # it has the same size and checksum: an import leaves it alone


class HfPreview(TypedDict):
    repo_id: str
    repo_type: str
    revision: str
    sha: str  # the commit the revision resolved to
    gated: bool | str  # false, or the Hub's gating mode ("auto", "manual")
    private: bool
    files: list[HfPreviewFile]
    total_size: int
    file_count: int
    repo_file_count: int  # every file of the repo, before include/exclude


class CopyConflict(TypedDict):
    source_key: str
    destination_key: str


class CopyPrecheck(TypedDict):
    files: int
    total_size: int
    conflicts: list[CopyConflict]


class SyncPlanFile(TypedDict):
    path: str  # relative to both folders
    action: Literal["copy", "skip", "delete"]
    rule: SyncRule
    size: int


class SyncPlan(TypedDict):
    source: SyncJobSource
    destination: JobDestination
    delete: bool
    totals: SyncTotals  # every file
    files: list[SyncPlanFile]  # copies, then deletions, then skips: at most `limit` of each
    limit: int
    truncated: bool  # some action had more than `limit` files
