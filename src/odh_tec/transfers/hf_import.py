"""Hugging Face import jobs: pin the revision, list and filter the files, then stream each one
Hub → storage through the same bounded writer as every upload, verified on the way.

Each object gets metadata (`hf-repo`, `hf-repo-type`, `hf-revision`, `hf-commit`, and `hf-sha256` for
LFS files or `hf-oid` — the git blob sha1 — for the others). A re-run skips a file whose object has
the same size and checksum metadata.
"""

from __future__ import annotations

import asyncio
import mimetypes
from contextlib import aclosing
from dataclasses import dataclass
from urllib.parse import quote

from odh_tec.errors import NotFound
from odh_tec.hf.client import HubClient
from odh_tec.hf.download import DownloadPolicy, RemoteFile, file_chunks
from odh_tec.hf.models import HubFile, RepoRef, Snapshot
from odh_tec.hf.transport import HubTransport
from odh_tec.hf.verify import Checksum, verified
from odh_tec.services import Services
from odh_tec.storage.base import ObjectInfo, Storage
from odh_tec.transfers.keys import hf_base
from odh_tec.transfers.model import FileState, Job, TransferFile
from odh_tec.transfers.ratelimit import throttled
from odh_tec.transfers.runner import Progress, Runner
from odh_tec.transfers.specs import HFImportSpec

STAT_CONCURRENCY = 16


@dataclass
class HubOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # a body silent this long is stalled: resume it
    metadata_attempts: int = 4
    base_delay: float = 0.5


def open_hub(services: Services, spec: HFImportSpec, options: HubOptions) -> tuple[HubTransport, HubClient]:
    """A Hub client for one import, with the settings of this moment (endpoint, token, proxy)."""
    hf = services.settings.huggingface
    token = spec.token if spec.token else (hf.token or None)
    transport = HubTransport(
        services.settings,
        hf.endpoint,
        token,
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
    )
    client = HubClient(transport, attempts=options.metadata_attempts, base_delay=options.base_delay)
    return transport, client


def _ascii(value: str) -> str:
    """S3 metadata travels in HTTP headers: keep it ASCII."""
    return value if value.isascii() else quote(value, safe="")


def object_metadata(snapshot: Snapshot, hub_file: HubFile) -> dict[str, str]:
    ref = snapshot.ref
    meta = {
        "hf-repo": ref.repo_id,
        "hf-repo-type": ref.repo_type,
        "hf-revision": _ascii(ref.revision),
        "hf-commit": snapshot.sha,
    }
    if hub_file.lfs_sha256:
        meta["hf-sha256"] = hub_file.lfs_sha256
    else:
        meta["hf-oid"] = hub_file.oid
    return meta


async def _local_checksum(storage: Storage, info: ObjectInfo, hub_file: HubFile) -> bool:
    """Without stored metadata (a filesystem without xattrs), hash the local file once."""
    checksum = Checksum.for_file(hub_file)
    async with aclosing(storage.read(info.key)) as chunks:
        async for chunk in chunks:
            checksum.update(chunk)
    return checksum.matches()


async def is_same(storage: Storage, info: ObjectInfo, hub_file: HubFile) -> bool:
    """Already imported: same size, and the checksum recorded on the object matches the Hub's."""
    if info.size != hub_file.size:
        return False
    try:
        full = await storage.stat(info.key)
    except NotFound:
        return False
    meta = {k.lower(): v for k, v in full.metadata.items()}
    if hub_file.lfs_sha256 and meta.get("hf-sha256"):
        return meta["hf-sha256"].lower() == hub_file.lfs_sha256.lower()
    if not hub_file.lfs_sha256 and meta.get("hf-oid"):
        return meta["hf-oid"].lower() == hub_file.oid.lower()
    if storage.kind == "local":
        return await _local_checksum(storage, info, hub_file)
    return False


async def existing_state(storage: Storage, base: str, files: list[TransferFile]) -> None:
    """Mark each file `existed` (and `skipped` when identical), with one listing plus a HEAD per
    same-size candidate."""
    wanted = {f.key: f for f in files}
    present: dict[str, ObjectInfo] = {}
    async for info in storage.walk(base):
        if info.key in wanted:
            present[info.key] = info
    gate = asyncio.Semaphore(STAT_CONCURRENCY)

    async def check(file: TransferFile, info: ObjectInfo) -> None:
        file.existed = True
        async with gate:
            if await is_same(storage, info, file.source):
                file.state = FileState.SKIPPED

    await asyncio.gather(*(check(wanted[k], info) for k, info in present.items()))


async def destination_ready(storage: Storage) -> None:
    """Fail early (NoSuchBucket, NoSuchLocation, AccessDenied) instead of once per file."""
    await storage.list("", page_size=1)


def transfer_files(snapshot: Snapshot, base: str) -> list[TransferFile]:
    return [TransferFile(path=f.path, key=base + f.path, size=f.size, source=f) for f in snapshot.files]


async def preview(services: Services, spec: HFImportSpec, options: HubOptions) -> dict:
    """The dry run: what an import would fetch, and what is already at the destination."""
    ref = RepoRef(spec.repo_id, spec.repo_type, spec.revision)
    transport, client = open_hub(services, spec, options)
    try:
        snapshot = await client.snapshot(ref, spec.include, spec.exclude)
    finally:
        await transport.aclose()
    files = transfer_files(snapshot, hf_base(spec.prefix, spec.repo_id, spec.repo_folder))
    if spec.location_id:
        storage = services.locations.get(spec.location_id)
        await existing_state(storage, hf_base(spec.prefix, spec.repo_id, spec.repo_folder), files)
    return {
        "repo_id": ref.repo_id,
        "repo_type": ref.repo_type,
        "revision": ref.revision,
        "sha": snapshot.sha,
        "gated": snapshot.gated,
        "private": snapshot.private,
        "files": [
            {**f.source.to_json(), "destination_key": f.key, "exists": f.existed, "skip": f.state == FileState.SKIPPED}
            for f in files
        ],
        "total_size": snapshot.total_size,
        "file_count": len(files),
        "repo_file_count": snapshot.all_files,
    }


class HFImportRunner(Runner):
    def __init__(
        self, storage: Storage, transport: HubTransport, snapshot: Snapshot, base: str, policy: DownloadPolicy
    ):
        self.destination = storage
        self.transport = transport
        self.snapshot = snapshot
        self.base = base
        self.policy = policy

    async def prepare(self, job: Job) -> None:
        await existing_state(self.destination, self.base, job.files)

    async def transfer(self, job: Job, file: TransferFile, progress: Progress) -> None:
        hub_file: HubFile = file.source
        remote = RemoteFile(self.transport, self.snapshot.ref, self.snapshot.sha, hub_file, self.policy)
        self.note_created(job, file)
        chunks = verified(
            throttled(file_chunks(remote), self.throttle),
            Checksum.for_file(hub_file),
            hub_file.size,
            name=hub_file.path,
            on_bytes=progress,
        )
        async with aclosing(chunks):
            await self.destination.write(
                file.key,
                chunks,
                size=hub_file.size,
                content_type=mimetypes.guess_type(hub_file.path)[0] or "application/octet-stream",
                metadata=object_metadata(self.snapshot, hub_file),
            )

    async def close(self) -> None:
        await self.transport.aclose()


async def restore(
    services: Services, job: Job, spec: dict, options: HubOptions, policy: DownloadPolicy
) -> HFImportRunner:
    """The runner of an import saved before a restart, at the commit it was pinned to: the file list and
    hashes are the saved ones, so nothing is listed again and a file already verified is not fetched."""
    hf_spec = HFImportSpec(**spec)
    if not job.resolved_revision:
        raise NotFound("The import was saved before its revision was resolved")
    storage = services.locations.get(hf_spec.location_id)
    ref = RepoRef(hf_spec.repo_id, hf_spec.repo_type, hf_spec.revision)
    hub_files = []
    for file in job.files:
        if not isinstance(file.source, HubFile):
            file.source = HubFile(**file.source)
        hub_files.append(file.source)
    snapshot = Snapshot(ref=ref, sha=job.resolved_revision, files=hub_files)
    transport, _ = open_hub(services, hf_spec, options)
    base = job.extra.get("destination_base") or hf_base(hf_spec.prefix, hf_spec.repo_id, hf_spec.repo_folder)
    return HFImportRunner(storage, transport, snapshot, base, policy)


async def plan(
    services: Services, spec: HFImportSpec, options: HubOptions, policy: DownloadPolicy
) -> tuple[Job, HFImportRunner]:
    """Resolve and list now (so the caller gets Hub errors as HTTP errors); transfer later."""
    ref = RepoRef(spec.repo_id, spec.repo_type, spec.revision)
    storage = services.locations.get(spec.location_id)
    await destination_ready(storage)
    transport, client = open_hub(services, spec, options)
    try:
        snapshot = await client.snapshot(ref, spec.include, spec.exclude)
    except BaseException:
        await transport.aclose()
        raise
    base = hf_base(spec.prefix, spec.repo_id, spec.repo_folder)
    job = Job(
        kind="huggingface",
        title=f"{ref.repo_id}@{ref.revision}",
        source=spec.public_source(),
        destination=spec.public_destination(),
        files=transfer_files(snapshot, base),
    )
    job.resolved_revision = snapshot.sha
    job.extra["destination_base"] = base
    return job, HFImportRunner(storage, transport, snapshot, base, policy)
