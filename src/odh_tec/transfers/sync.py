"""Sync: make a destination folder look like a source folder, as one job of the transfer engine.

Planning lists both folders (before the job is accepted; no slot held), pairs their files by the path
relative to each folder, and lets `sync_rules.decide` say which to copy. With `delete`, destination
files the source lacks are deleted too. Include/exclude globs (the Hub import's) select the relative
paths on both sides: an excluded destination file is neither compared nor deleted.

The job's files are the copies, then the deletions, run as two phases: a deletion starts only once
every copy succeeded (rsync's --delete-after), and deletes only the file the plan saw (same size and
ETag, re-read just before). Unchanged files are counted, not listed in the job: a sync of a million
unchanged files must not hold a million entries. A streamed copy stores the sha256 of its bytes, so
the next run can compare checksums; a server-side copy keeps the source's metadata and ETag.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass, field

from odh_tec.errors import ApiError, BadRequest, NotFound
from odh_tec.hf.patterns import selected
from odh_tec.services import Services
from odh_tec.storage.base import ObjectInfo, Storage
from odh_tec.transfers.copying import copy_object, location_name
from odh_tec.transfers.keys import folder
from odh_tec.transfers.model import Job, TransferFile
from odh_tec.transfers.runner import Progress, Runner, SkipFile
from odh_tec.transfers.specs import SyncSpec
from odh_tec.transfers.sync_rules import Fingerprint, Rule, decide, fingerprint, needs_metadata

PLAN_ENTRY_LIMIT = 1000  # entries of each action in a plan's answer; the totals count them all
STAT_CONCURRENCY = 16
YIELD_EVERY = 1000  # listed files between two chances for the event loop to serve others


class OverlappingFolders(BadRequest):
    code = "OverlappingFolders"


class EmptySource(BadRequest):
    """A sync with delete from a folder that holds nothing: most likely a mistyped source (S3 cannot tell
    an empty folder from a missing one), which would empty the destination."""

    code = "EmptySource"


@dataclass
class PlanEntry:
    path: str  # relative to both folders
    action: str  # "copy", "skip" or "delete"
    rule: Rule
    size: int
    etag: str | None = None  # deletions: the destination's, checked again before deleting

    def to_json(self) -> dict:
        return {"path": self.path, "action": self.action, "rule": self.rule, "size": self.size}


@dataclass
class SyncPlan:
    spec: SyncSpec
    source: Storage
    destination: Storage
    source_prefix: str
    destination_prefix: str
    copies: list[PlanEntry] = field(default_factory=list)
    deletions: list[PlanEntry] = field(default_factory=list)
    skipped: list[PlanEntry] = field(default_factory=list)  # the first PLAN_ENTRY_LIMIT only
    skipped_files: int = 0
    skipped_bytes: int = 0

    def skip(self, entry: PlanEntry) -> None:
        self.skipped_files += 1
        self.skipped_bytes += entry.size
        if len(self.skipped) < PLAN_ENTRY_LIMIT:
            self.skipped.append(entry)

    def totals(self) -> dict:
        return {
            "copy": {"files": len(self.copies), "bytes": sum(e.size for e in self.copies)},
            "skip": {"files": self.skipped_files, "bytes": self.skipped_bytes},
            "delete": {"files": len(self.deletions), "bytes": sum(e.size for e in self.deletions)},
        }

    def to_json(self, limit: int = PLAN_ENTRY_LIMIT) -> dict:
        """At most `limit` entries of each action (copies, then deletions, then skips); `truncated` says
        whether any was left out."""
        counts = (len(self.copies), len(self.deletions), self.skipped_files)
        entries = (self.copies, self.deletions, self.skipped)
        return {
            "source": {**self.spec.public_source(), "prefix": self.source_prefix},
            "destination": {**self.spec.public_destination(), "prefix": self.destination_prefix},
            "delete": self.spec.delete,
            "totals": self.totals(),
            "files": [e.to_json() for group in entries for e in group[:limit]],
            "limit": limit,
            "truncated": any(count > limit for count in counts),
        }


def _local_path(storage: Storage, prefix: str) -> str | None:
    resolve = getattr(storage, "resolve", None)  # local folders only
    if resolve is None:
        return None
    with contextlib.suppress(Exception):
        return os.path.realpath(resolve(prefix)).rstrip(os.sep) + os.sep
    return None


def check_overlap(spec: SyncSpec, source: Storage, destination: Storage, src: str, dst: str) -> None:
    """Refuse two folders of which one holds the other: the sync would copy into what it reads, and a
    delete would remove the source. Local folders are compared by their real paths, so two locations
    (or two CLI paths) over the same disk are caught too."""
    pair: tuple[str | None, str | None] = (src, dst)
    if spec.source_location != spec.destination_location:
        pair = (_local_path(source, src), _local_path(destination, dst))
    a, b = pair
    if a is not None and b is not None and (a.startswith(b) or b.startswith(a)):
        raise OverlappingFolders(
            f"Cannot sync '{a or '/'}' to '{b or '/'}': one folder contains the other; pick two separate folders"
        )


async def _relative(storage: Storage, prefix: str, spec: SyncSpec, found: list[int] | None = None):
    """The files under `prefix` that the globs select, by their relative path; `found` counts every file."""
    seen = 0
    async for info in storage.walk(prefix):
        seen += 1
        if seen % YIELD_EVERY == 0:
            # A local folder's walk yields from a list without ever suspending: let other requests in.
            await asyncio.sleep(0)
        rel = info.key[len(prefix) :]
        if not rel or rel.endswith("/"):
            continue
        if found is not None:
            found[0] += 1
        if selected(rel, spec.include, spec.exclude):
            yield rel, info


def _fingerprint(info: ObjectInfo | None, kind: str) -> Fingerprint | None:
    return None if info is None else fingerprint(info, kind)


async def _with_metadata(storage: Storage, info: ObjectInfo | None) -> ObjectInfo | None:
    if info is None:
        return None
    try:
        return await storage.stat(info.key)
    except NotFound:
        return None  # gone since the listing


async def build_plan(services: Services, spec: SyncSpec) -> SyncPlan:
    source = services.locations.get(spec.source_location)
    destination = services.locations.get(spec.destination_location)
    src, dst = folder(spec.source_prefix), folder(spec.destination_prefix)
    check_overlap(spec, source, destination, src, dst)
    plan = SyncPlan(spec, source, destination, src, dst)
    theirs = {rel: info async for rel, info in _relative(destination, dst, spec)}
    pairs: list[tuple[str, ObjectInfo, ObjectInfo | None]] = []
    found = [0]
    async for rel, info in _relative(source, src, spec, found):
        pairs.append((rel, info, theirs.pop(rel, None)))
    if spec.delete and not found[0] and theirs:
        raise EmptySource(
            f"There is no file under '{src or '/'}' in {spec.source_location}: a sync with delete would delete "
            f"every file of '{dst or '/'}'. Check the source folder; to empty the destination, delete it instead"
        )
    gate = asyncio.Semaphore(STAT_CONCURRENCY)

    async def classify(rel: str, mine: ObjectInfo, other: ObjectInfo | None) -> None:
        ours, theirs_now = fingerprint(mine, source.kind), _fingerprint(other, destination.kind)
        if needs_metadata(ours, theirs_now):
            async with gate:  # the stored sha256s: a HEAD of each S3 object, an xattr read of each file
                fresh, other = await asyncio.gather(_with_metadata(source, mine), _with_metadata(destination, other))
            if fresh is None:
                return  # gone from the source since the listing: nothing to sync
            mine = fresh
            ours, theirs_now = fingerprint(mine, source.kind), _fingerprint(other, destination.kind)
        verdict = decide(ours, theirs_now)
        entry = PlanEntry(rel, "copy" if verdict.copy else "skip", verdict.rule, mine.size)
        if verdict.copy:
            plan.copies.append(entry)
        else:
            plan.skip(entry)

    for start in range(0, len(pairs), 1000):  # bounded: never a million pending tasks at once
        await asyncio.gather(*(classify(*pair) for pair in pairs[start : start + 1000]))
    plan.copies.sort(key=lambda e: e.path)
    plan.skipped.sort(key=lambda e: e.path)
    if spec.delete:
        plan.deletions = [
            PlanEntry(rel, "delete", "not-in-source", info.size, info.etag) for rel, info in sorted(theirs.items())
        ]
    return plan


def sync_job(plan: SyncPlan) -> Job:
    src, dst = plan.source_prefix, plan.destination_prefix
    files = [
        TransferFile(
            path=src + e.path,
            key=dst + e.path,
            size=e.size,
            source={"action": "copy", "key": src + e.path},
            existed=e.rule != "new",  # an overwritten file is never deleted by a cancel
            action="copy",
        )
        for e in plan.copies
    ]
    # A deletion moves no byte: size 0, so the job's bytes and rate count copies only.
    files += [
        TransferFile(
            path=dst + e.path,
            key=dst + e.path,
            size=0,
            source={"action": "delete", "size": e.size, "etag": e.etag},
            existed=True,
            action="delete",
        )
        for e in plan.deletions
    ]
    spec = plan.spec
    where_from = f"{location_name(spec.source_location).rstrip('/')}/{src}"
    where_to = f"{location_name(spec.destination_location).rstrip('/')}/{dst}"
    return Job(
        kind="sync",
        title=f"Sync {where_from} to {where_to}",
        source={**spec.public_source(), "prefix": src},
        destination={**spec.public_destination(), "prefix": dst},
        files=files,
        extra={"sync": {"delete": spec.delete, "totals": plan.totals()}},
    )


class SyncRunner(Runner):
    def __init__(self, source: Storage, destination: Storage, destination_prefix: str):
        self.source, self.destination, self.prefix = source, destination, destination_prefix

    def phases(self, job: Job) -> list[list[TransferFile]]:
        copies = [f for f in job.files if f.action != "delete"]
        return [copies, [f for f in job.files if f.action == "delete"]]

    async def transfer(self, job: Job, file: TransferFile, progress: Progress) -> None:
        if file.action == "delete":
            await self._delete(file)
            return
        self.note_created(job, file)
        await copy_object(
            self.source,
            self.destination,
            file.source["key"],
            file.key,
            file.size,
            progress,
            self.throttle,
            record_sha256=True,
        )

    async def _delete(self, file: TransferFile) -> None:
        if not file.key.startswith(self.prefix) or file.key == self.prefix or ".." in file.key.split("/"):
            raise ApiError(f"'{file.key}' is outside the synced folder '{self.prefix}'", code="InvalidKey")
        planned = file.source
        try:
            now = await self.destination.stat(file.key)
        except NotFound:
            return  # already gone: what the plan wanted
        if now.size != planned["size"] or (planned.get("etag") and now.etag != planned["etag"]):
            raise SkipFile("Not deleted: it changed at the destination after the plan")
        await self.destination.delete(file.key)

    async def finish(self, job: Job) -> None:
        """Local folders the deletions emptied go too (S3 has no folders to leave behind)."""
        resolve = getattr(self.destination, "resolve", None)
        if resolve is None:
            return
        emptied: set[str] = set()
        for f in job.files:
            parent = os.path.dirname(f.key) if f.action == "delete" else ""
            while parent and (parent + "/").startswith(self.prefix) and parent + "/" != self.prefix:
                emptied.add(parent)
                parent = os.path.dirname(parent)
        for directory in sorted(emptied, key=lambda d: d.count("/"), reverse=True):
            with contextlib.suppress(OSError, ApiError):
                os.rmdir(resolve(directory))  # only if empty


async def plan(services: Services, spec: SyncSpec, planned: SyncPlan | None = None) -> tuple[Job, SyncRunner]:
    planned = planned or await build_plan(services, spec)
    return sync_job(planned), SyncRunner(planned.source, planned.destination, planned.destination_prefix)


async def restore(services: Services, job: Job, spec: dict) -> SyncRunner:
    """A sync saved before a restart: its saved file list (copies and deletions) runs on; nothing is
    planned again."""
    sync_spec = SyncSpec(**spec)
    for f in job.files:
        f.action = (f.source or {}).get("action", "copy")
    return SyncRunner(
        services.locations.get(sync_spec.source_location),
        services.locations.get(sync_spec.destination_location),
        folder(sync_spec.destination_prefix),
    )
