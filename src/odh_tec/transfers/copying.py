"""Copy and move between locations: S3→S3 server-side, everything else streamed through the app.

A source key lands at `<destination prefix>/<its name>`; a source folder `a/b/` lands at
`<destination prefix>/b/…`. Conflicts follow the caller's policy: skip, overwrite, or rename to
`name (1).ext`. A move copies, checks the copy's size, then deletes the source, file by file.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator
from contextlib import aclosing

from odh_tec.errors import ApiError, BadRequest
from odh_tec.hf.verify import ChecksumMismatch
from odh_tec.services import Services
from odh_tec.storage.base import Storage
from odh_tec.transfers.keys import basename, folder, renamed
from odh_tec.transfers.model import FileState, Job, TransferFile
from odh_tec.transfers.ratelimit import Throttle, throttled
from odh_tec.transfers.runner import Progress, Runner
from odh_tec.transfers.specs import CONFLICT_POLICIES, CopySpec
from odh_tec.transfers.sync_rules import stored_sha256

STAT_CONCURRENCY = 16
MAX_RENAMES = 1000


class MoveVerifyFailed(ApiError):
    status, code = 502, "MoveVerifyFailed"


async def _counted(chunks: AsyncGenerator[bytes, None], progress: Progress) -> AsyncGenerator[bytes, None]:
    async with aclosing(chunks):
        async for chunk in chunks:
            progress(len(chunk))
            yield chunk


class Sha256Recorder:
    """The sha256 of the bytes that stream past, as `sha256` metadata for the destination; checked
    against the source's stored sha256 when it has one (a mismatch raises inside the stream, so the
    write aborts and leaves nothing)."""

    def __init__(self, name: str, expected: str | None):
        self.name, self.expected = name, expected
        self._hash = hashlib.sha256()

    async def hashed(self, chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
        async with aclosing(chunks):
            async for chunk in chunks:
                self._hash.update(chunk)
                yield chunk
        if self.expected and self._hash.hexdigest() != self.expected:
            raise ChecksumMismatch(
                f"'{self.name}': its sha256 is {self._hash.hexdigest()}, not the {self.expected} stored "
                "with it; the copy was aborted"
            )

    def metadata(self) -> dict[str, str]:
        return {"sha256": self._hash.hexdigest()}


async def copy_object(
    source: Storage,
    destination: Storage,
    src_key: str,
    dst_key: str,
    size: int,
    progress: Progress,
    throttle: Throttle | None,
    *,
    record_sha256: bool = False,
) -> None:
    """One object, server-side when the backends can (its metadata and ETag come along), else streamed
    through the app at the throttle's pace, with the source's content type and metadata. With
    `record_sha256` a streamed copy also stores the sha256 of its bytes, computed as they pass (a sync's
    next run then compares checksums)."""
    copied = await destination.copy_from(source, src_key, dst_key, size)
    if copied is not None:
        # Server-side: no byte passed through us (so no bandwidth limit paced it); report it at the end.
        progress(size)
        return
    info = await source.stat(src_key)
    paced = throttled(source.read(src_key), throttle)
    recorder = Sha256Recorder(src_key, stored_sha256(info.metadata)) if record_sha256 else None
    if recorder is not None:
        paced = recorder.hashed(paced)
    async with aclosing(_counted(paced, progress)) as chunks:
        await destination.write(
            dst_key,
            chunks,
            size=info.size,
            content_type=info.content_type,
            metadata=info.metadata or None,
            late_metadata=recorder.metadata if recorder is not None else None,
        )


async def plan_files(services: Services, spec: CopySpec) -> tuple[Storage, Storage, list[TransferFile]]:
    if spec.kind not in ("copy", "move"):
        raise BadRequest("kind must be 'copy' or 'move'")
    if spec.conflict not in CONFLICT_POLICIES:
        raise BadRequest(f"conflict must be one of {', '.join(CONFLICT_POLICIES)}")
    if not spec.keys and not spec.prefixes:
        raise BadRequest("Nothing to copy: give source keys or prefixes", code="NothingToCopy")
    source = services.locations.get(spec.source_location)
    destination = services.locations.get(spec.destination_location)
    same_place = spec.source_location == spec.destination_location
    target = folder(spec.prefix)
    if spec.key and (len(spec.keys) != 1 or spec.prefixes):
        raise BadRequest("An exact destination key needs exactly one source key", code="InvalidKey")
    files: list[TransferFile] = []
    for key in spec.keys:
        info = await source.stat(key)
        dest = spec.key.lstrip("/") if spec.key else target + basename(key)
        files.append(TransferFile(path=key, key=dest, size=info.size, source=key))
    for raw in spec.prefixes:
        prefix = folder(raw)
        if same_place and target.startswith(prefix):
            raise BadRequest(f"Cannot {spec.kind} the folder '{prefix}' into itself", code="InvalidDestination")
        into = target + (basename(prefix) + "/" if prefix else "")
        async for info in source.walk(prefix):
            files.append(
                TransferFile(path=info.key, key=into + info.key[len(prefix) :], size=info.size, source=info.key)
            )
    return source, destination, files


async def existing_keys(storage: Storage, keys: list[str]) -> set[str]:
    gate = asyncio.Semaphore(STAT_CONCURRENCY)

    async def exists(key: str) -> str | None:
        async with gate:
            return key if await storage.exists(key) else None

    found = await asyncio.gather(*(exists(k) for k in set(keys)))
    return {k for k in found if k}


async def precheck(services: Services, spec: CopySpec) -> dict:
    _, destination, files = await plan_files(services, spec)
    taken = await existing_keys(destination, [f.key for f in files])
    seen: set[str] = set()
    conflicts = []
    for f in files:
        if f.key in taken or f.key in seen:
            conflicts.append({"source_key": f.path, "destination_key": f.key})
        seen.add(f.key)
    return {"files": len(files), "total_size": sum(f.size for f in files), "conflicts": conflicts}


class CopyRunner(Runner):
    def __init__(self, spec: CopySpec, source: Storage, destination: Storage):
        self.spec = spec
        self.source = source
        self.destination = destination
        self.same_place = spec.source_location == spec.destination_location

    async def prepare(self, job: Job) -> None:
        taken = await existing_keys(self.destination, [f.key for f in job.files])
        planned: set[str] = set()
        for f in job.files:
            onto_itself = self.same_place and f.key == f.source
            clash = f.key in taken or f.key in planned
            if clash and self.spec.conflict == "rename" and not (onto_itself and self.spec.kind == "move"):
                f.key = await self._free_name(f.key, taken | planned)
            elif onto_itself or (clash and self.spec.conflict == "skip"):
                f.state = FileState.SKIPPED
            elif clash:
                f.existed = f.key in taken
            planned.add(f.key)

    async def _free_name(self, key: str, taken: set[str]) -> str:
        for n in range(1, MAX_RENAMES + 1):
            candidate = renamed(key, n)
            if candidate not in taken and not await self.destination.exists(candidate):
                return candidate
        raise ApiError(f"No free name for '{key}' after {MAX_RENAMES} tries", code="Conflict", status=409)

    async def transfer(self, job: Job, file: TransferFile, progress: Progress) -> None:
        self.note_created(job, file)
        await copy_object(self.source, self.destination, file.source, file.key, file.size, progress, self.throttle)
        if self.spec.kind == "move":
            result = await self.destination.stat(file.key)
            if result.size != file.size:
                raise MoveVerifyFailed(
                    f"The copy of '{file.source}' has {result.size} bytes, not {file.size}: the source was kept"
                )
            await self.source.delete(file.source)
            job.created_keys.discard(file.key)  # now the only copy: a cancel must keep it

    async def finish(self, job: Job) -> None:
        if self.spec.kind != "move" or any(f.state != FileState.DONE for f in job.files):
            return
        for raw in self.spec.prefixes:
            prefix = folder(raw)
            if not prefix:
                continue
            async for _ in self.source.walk(prefix):
                break  # something new appeared there: leave the folder alone
            else:
                try:
                    await self.source.delete_prefix(prefix)  # folder markers / empty directories
                except ApiError:
                    pass


async def plan(services: Services, spec: CopySpec) -> tuple[Job, CopyRunner]:
    source, destination, files = await plan_files(services, spec)
    return copy_job(spec, files), CopyRunner(spec, source, destination)


def copy_job(spec: CopySpec, files: list[TransferFile]) -> Job:
    """The job of a copy or move of the planned `files`, before it runs."""
    # Named as people see locations (`models/…`, `pvc/…`), never by id (`s3:models`, `local:pvc`).
    where = f"{location_name(spec.destination_location).rstrip('/')}/{folder(spec.prefix)}"
    count = len(spec.keys) + len(spec.prefixes)
    return Job(
        kind=spec.kind,
        title=f"{spec.kind.capitalize()} {count} item{'s' if count != 1 else ''} to {where}",
        source=spec.public_source(),
        destination=spec.public_destination(),
        files=files,
        extra={"conflict": spec.conflict},
    )


async def restore(services: Services, job: Job, spec: dict) -> CopyRunner:
    """The runner of a copy or move saved before a restart: its file list and conflict decisions are
    the saved ones (the source is not listed again); a source file gone since fails alone, by name."""
    copy_spec = CopySpec(**spec)
    source = services.locations.get(copy_spec.source_location)
    destination = services.locations.get(copy_spec.destination_location)
    return CopyRunner(copy_spec, source, destination)


def location_name(location_id: str) -> str:
    """The name a location is shown by: the bucket (`NAME@BUCKET` for a named connection's, as the
    CLI writes it), or the local location's name (for a plain path given to the CLI, the folder's path)."""
    return location_id.partition(":")[2] or location_id
