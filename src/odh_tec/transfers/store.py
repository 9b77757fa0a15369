"""Durable transfer jobs: every job, its files and the multipart uploads the app opened, in SQLite.

Why SQLite (stdlib `sqlite3`, WAL mode) rather than a JSON file per job: a progress update touches a
few rows of one job's files, not the whole record, so a 10,000-file import costs the same per flush as
a 1-file copy; a crash mid-write leaves the last committed state, never half a file; and history is a
query (newest 500, or 30 days) instead of a directory scan.

Writes are batched. The engine marks a job dirty on every change; `flush()` runs at most once a second
(sooner after a state change) in a worker thread, and writes only the job rows and file rows that
changed since the last flush. A crash loses at most that second of byte counts: a resumed file starts
again from its first byte, which is what a multipart upload would need anyway.

The uploads table is the journal of multipart UploadIds: a row is written before the first part is
sent and removed once the upload is completed or aborted. At start, every row left is an upload this
app opened and never finished: exactly those are aborted (`sweep`), never one another client opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from odh_tec.transfers.model import FileState, Job, JobState, TransferFile

log = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    path TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    bytes_done INTEGER NOT NULL,
    error TEXT,
    existed INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (job_id, idx)
);
CREATE TABLE IF NOT EXISTS uploads (
    endpoint TEXT NOT NULL,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    upload_id TEXT NOT NULL,
    opened_at REAL NOT NULL,
    PRIMARY KEY (endpoint, bucket, upload_id)
);
"""


@dataclass
class StoredJob:
    """A job read back from the store, with what its kind needs to run it again."""

    job: Job
    spec: dict  # the request, without any token
    prepared: bool  # the conflict and skip decisions were made (and are in the file states)


@dataclass(frozen=True)
class OpenUpload:
    endpoint: str
    bucket: str
    key: str
    upload_id: str


def _source_json(source: object) -> str:
    """What the runner fetches a file from, as JSON: a source key, or a Hub file's path, size and hashes."""
    if dataclasses.is_dataclass(source) and not isinstance(source, type):
        return json.dumps(dataclasses.asdict(source))
    return json.dumps(source)


def _file_row(job_id: str, idx: int, f: TransferFile) -> tuple:
    return (
        job_id,
        idx,
        f.path,
        f.key,
        f.size,
        f.state.value,
        f.bytes_done,
        f.error,
        int(f.existed),
        _source_json(f.source),
    )


@dataclass
class _Batch:
    """One flush: the jobs it snapshotted, and their rows to write."""

    dirty: dict[str, Job]
    jobs: list[tuple]
    files: list[tuple]
    deleted: set[str]

    @property
    def empty(self) -> bool:
        return not (self.jobs or self.files or self.deleted)


class JobStore:
    """The SQLite file `<data dir>/transfers.sqlite3`, used from one event loop plus its worker thread."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db_lock = threading.Lock()  # one writer at a time: the loop's journal calls and flushes
        with self._db_lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        path.chmod(0o600)  # specs name buckets and keys; no token is ever written here
        self._dirty: dict[str, Job] = {}
        self._gone: set[str] = set()
        self._written: dict[str, dict[int, tuple]] = {}  # per job: the file rows as last written
        self.specs: dict[str, dict] = {}  # per job id: the spec to store with it
        self.prepared: set[str] = set()
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task | None = None
        self._stopping = False

    # Jobs ----------------------------------------------------------------------------------------

    def add(self, job: Job, spec: dict, *, prepared: bool = False) -> None:
        self.specs[job.id] = spec
        if prepared:
            self.prepared.add(job.id)
        self.changed(job, urgent=True)

    def mark_prepared(self, job: Job) -> None:
        self.prepared.add(job.id)
        self.changed(job, urgent=True)

    def changed(self, job: Job, *, urgent: bool = False) -> None:
        if job.id not in self.specs:
            return  # not a stored job (a test's or the CLI's)
        self._dirty[job.id] = job
        if urgent:
            self._wake.set()

    def remove(self, job_ids: Iterable[str]) -> None:
        for job_id in job_ids:
            self._dirty.pop(job_id, None)
            self.specs.pop(job_id, None)
            self.prepared.discard(job_id)
            self._written.pop(job_id, None)
            self._gone.add(job_id)
        self._wake.set()

    def _record(self, job: Job) -> str:
        return json.dumps(
            {
                "kind": job.kind,
                "title": job.title,
                "source": job.source,
                "destination": job.destination,
                "error": job.error,
                "resolved_revision": job.resolved_revision,
                "started_at": job.started_at,
                "resumed_at": job.resumed_at,
                "extra": job.extra,
                "created_keys": sorted(job.created_keys),
                "created_dirs": sorted(job.created_dirs),
                "spec": self.specs.get(job.id, {}),
                "prepared": job.id in self.prepared,
            }
        )

    def _snapshot(self) -> _Batch:
        """On the loop: what changed since the last write, as rows, so the worker thread never reads a
        live job. The rows count as written only once the write committed (`_settle`)."""
        batch = _Batch(self._dirty, [], [], set(self._gone))
        self._dirty, self._gone = {}, set()
        for job in batch.dirty.values():
            batch.jobs.append((job.id, job.state.value, job.created_at, job.finished_at, self._record(job)))
            written = self._written.get(job.id, {})
            for idx, f in enumerate(job.files):
                row = _file_row(job.id, idx, f)
                if written.get(idx) != row:
                    batch.files.append(row)
        return batch

    def _settle(self, batch: _Batch, committed: bool) -> None:
        """After a write: remember its rows, or, when it failed or never ran (a cancel while it waited
        for a worker thread), hand its changes to the next flush, unless a newer change supersedes them."""
        if committed:
            for row in batch.files:
                if row[0] in self.specs:
                    self._written.setdefault(row[0], {})[row[1]] = row
            return
        for job_id, job in batch.dirty.items():
            if job_id in self.specs:
                self._dirty.setdefault(job_id, job)
        self._gone |= batch.deleted

    def _write(self, batch: _Batch) -> None:
        with self._db_lock, self._db:
            self._db.execute("BEGIN")
            if batch.deleted:
                self._db.executemany("DELETE FROM jobs WHERE id = ?", [(j,) for j in batch.deleted])
            self._db.executemany(
                "INSERT INTO jobs (id, state, created_at, finished_at, record) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, "
                "record = excluded.record",
                batch.jobs,
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO files (job_id, idx, path, key, size, state, bytes_done, error, existed, "
                "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                batch.files,
            )

    async def flush(self) -> None:
        batch = self._snapshot()
        if batch.empty:
            return
        committed = False
        try:
            await asyncio.to_thread(self._write, batch)
            committed = True
        finally:
            self._settle(batch, committed)

    def flush_now(self) -> None:
        """At shutdown, after the loop's last changes: written from the calling thread."""
        batch = self._snapshot()
        if batch.empty:
            return
        committed = False
        try:
            self._write(batch)
            committed = True
        finally:
            self._settle(batch, committed)

    async def _flush_forever(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_INTERVAL)
            self._wake.clear()
            try:
                await self.flush()
            except sqlite3.Error as exc:  # a full disk: keep running, try again next time
                log.warning("could not save transfer jobs: %s", exc)
            await asyncio.sleep(0.05)  # a burst of urgent changes becomes one write

    def start(self) -> None:
        if self._flusher is None:
            self._stopping = False
            self._flusher = asyncio.create_task(self._flush_forever(), name="transfer-store")

    async def stop(self) -> None:
        """Let the flusher finish the write it has started (never cancel it: a write cancelled while it
        waits for a worker thread never runs), then write what is left."""
        if self._flusher is not None:
            self._stopping = True
            self._wake.set()
            await self._flusher
            self._flusher = None
        await self.flush()

    def close(self) -> None:
        with self._db_lock:
            self._db.close()

    def load(self, *, max_finished: int, max_age_seconds: float, now: float | None = None) -> list[StoredJob]:
        """Every unfinished job, and the newest finished ones within the history limits (older ones are
        deleted). Called once at start, before anything else uses the store."""
        now = time.time() if now is None else now
        finished = [s.value for s in JobState if s.finished]
        marks = ",".join("?" * len(finished))
        with self._db_lock:
            keep = self._db.execute(
                f"SELECT id FROM jobs WHERE state IN ({marks}) AND finished_at >= ? "  # noqa: S608 - marks only
                "ORDER BY finished_at DESC LIMIT ?",
                (*finished, now - max_age_seconds, max_finished),
            ).fetchall()
            kept = {row[0] for row in keep}
            stale = [
                (row[0],)
                for row in self._db.execute(
                    f"SELECT id FROM jobs WHERE state IN ({marks})",  # noqa: S608 - marks only
                    finished,
                )
                if row[0] not in kept
            ]
            with self._db:
                self._db.executemany("DELETE FROM jobs WHERE id = ?", stale)
            rows = self._db.execute("SELECT id, state, created_at, finished_at, record FROM jobs").fetchall()
            out = []
            for job_id, state, created_at, finished_at, record in rows:
                files = self._db.execute(
                    "SELECT idx, path, key, size, state, bytes_done, error, existed, source FROM files "
                    "WHERE job_id = ? ORDER BY idx",
                    (job_id,),
                ).fetchall()
                out.append(self._restore(job_id, state, created_at, finished_at, json.loads(record), files))
        for stored in out:
            self.specs[stored.job.id] = stored.spec
            if stored.prepared:
                self.prepared.add(stored.job.id)
        return sorted(out, key=lambda s: s.job.created_at)

    def _restore(
        self, job_id: str, state: str, created_at: float, finished_at: float | None, record: dict, rows: list
    ) -> StoredJob:
        files = []
        written: dict[int, tuple] = {}
        for idx, path, key, size, file_state, bytes_done, error, existed, source in rows:
            f = TransferFile(
                path=path, key=key, size=size, bytes_done=bytes_done, state=FileState(file_state), error=error
            )
            f.existed = bool(existed)
            f.source = json.loads(source)  # plain JSON: the job's kind turns it back into what it fetches
            files.append(f)
            written[idx] = _file_row(job_id, idx, f)
        job = Job(
            kind=record["kind"],
            title=record["title"],
            source=record["source"],
            destination=record["destination"],
            files=files,
            id=job_id,
            state=JobState(state),
            error=record.get("error"),
            resolved_revision=record.get("resolved_revision"),
            created_at=created_at,
            started_at=record.get("started_at"),
            finished_at=finished_at,
            extra=record.get("extra") or {},
        )
        job.resumed_at = record.get("resumed_at")
        job.created_keys = set(record.get("created_keys") or ())
        job.created_dirs = set(record.get("created_dirs") or ())
        self._written[job_id] = written
        return StoredJob(job=job, spec=record.get("spec") or {}, prepared=bool(record.get("prepared")))

    # The multipart journal ---------------------------------------------------------------------

    async def upload_opened(self, endpoint: str, bucket: str, key: str, upload_id: str) -> None:
        """Written at once (one small commit): the upload must be known before its first part is sent."""
        await asyncio.to_thread(self._upload_opened, endpoint, bucket, key, upload_id)

    async def upload_closed(self, endpoint: str, bucket: str, upload_id: str) -> None:
        await asyncio.to_thread(self._upload_closed, endpoint, bucket, upload_id)

    def _upload_opened(self, endpoint: str, bucket: str, key: str, upload_id: str) -> None:
        with self._db_lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO uploads (endpoint, bucket, key, upload_id, opened_at) VALUES (?, ?, ?, ?, ?)",
                (endpoint, bucket, key, upload_id, time.time()),
            )

    def _upload_closed(self, endpoint: str, bucket: str, upload_id: str) -> None:
        with self._db_lock, self._db:
            self._db.execute(
                "DELETE FROM uploads WHERE endpoint = ? AND bucket = ? AND upload_id = ?",
                (endpoint, bucket, upload_id),
            )

    def open_uploads(self, endpoint: str) -> list[OpenUpload]:
        with self._db_lock:
            rows = self._db.execute(
                "SELECT endpoint, bucket, key, upload_id FROM uploads WHERE endpoint = ? ORDER BY opened_at",
                (endpoint,),
            ).fetchall()
        return [OpenUpload(*row) for row in rows]
