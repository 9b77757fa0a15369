"""Jobs and their files: state, progress and the JSON the API and the SSE stream send."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from odh_tec.transfers.rate import RateMeter


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


class FileState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


@dataclass
class TransferFile:
    path: str  # what the user recognises: the path in the repo, or the source key
    key: str  # the destination key
    size: int
    source: Any = None  # what the runner needs to fetch it (a HubFile, a source key…); never serialised
    bytes_done: int = 0
    state: FileState = FileState.QUEUED
    error: str | None = None
    attempts: int = 0
    existed: bool = False  # something was at `key` before the job started: never delete it
    action: str | None = None  # a sync's "copy" or "delete" (other kinds only copy: None)

    def to_json(self) -> dict:
        out = {
            "path": self.path,
            "destination_key": self.key,
            "size": self.size,
            "bytes_done": self.bytes_done,
            "state": self.state.value,
            "error": self.error,
        }
        if self.action is not None:
            out["action"] = self.action
        return out


@dataclass
class Job:
    kind: str  # "huggingface", "copy", "move" or "sync"
    title: str
    source: dict  # public description (never a token)
    destination: dict
    files: list[TransferFile] = field(default_factory=list)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    state: JobState = JobState.QUEUED
    error: str | None = None
    resolved_revision: str | None = None
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    resumed_at: float | None = None  # when a restart of the app picked the job up again
    extra: dict = field(default_factory=dict)  # kind-specific public fields (conflict policy…)
    rate: RateMeter = field(default_factory=RateMeter)
    # Keys this job wrote that did not exist before it: what a cancel deletes.
    created_keys: set[str] = field(default_factory=set)
    created_dirs: set[str] = field(default_factory=set)  # local folders this job made
    cancel_requested: bool = False
    # What `version` last saw (see there); never serialised.
    _version: int = field(default=0, repr=False, compare=False)
    _seen: tuple | None = field(default=None, repr=False, compare=False)

    def _marks(self) -> tuple:
        """Everything a client shows, except the time-derived rate and ETA."""
        return (
            self.state,
            self.error,
            self.resolved_revision,
            self.started_at,
            self.finished_at,
            self.resumed_at,
            self.title,
            repr(sorted(self.extra.items())),
            tuple((f.state, f.bytes_done, f.error, f.key, f.size) for f in self.files),
        )

    @property
    def version(self) -> int:
        """Per job, monotonically increasing: one more each time the job is read after its state, a file's
        progress or anything else a client shows changed. Every payload (`to_json`, SSE snapshot, full and
        delta events) carries it, so a client keeps the newest of two answers that arrive out of order
        (the answer to POST /api/transfers after the stream's `completed`, a snapshot racing deltas)."""
        marks = self._marks()
        if marks != self._seen:
            self._seen = marks
            self._version += 1
        return self._version

    @property
    def bytes_done(self) -> int:
        return sum(f.bytes_done for f in self.files)

    def counts(self) -> dict[FileState, int]:
        out = dict.fromkeys(FileState, 0)
        for f in self.files:
            out[f.state] += 1
        return out

    def totals(self) -> dict:
        counts = self.counts()
        total = sum(f.size for f in self.files)
        done = self.bytes_done
        if self.state.finished:
            elapsed = (self.finished_at or time.time()) - (self.started_at or self.created_at)
            moved = sum(f.bytes_done for f in self.files if f.state == FileState.DONE)
            rate = moved / elapsed if elapsed > 0 else 0.0
            eta = None
        else:
            rate = self.rate.rate(done)
            remaining = sum(
                f.size - f.bytes_done for f in self.files if f.state in (FileState.QUEUED, FileState.RUNNING)
            )
            eta = round(remaining / rate, 1) if rate > 0 else None
        return {
            "files": len(self.files),
            "files_done": counts[FileState.DONE],
            "files_failed": counts[FileState.FAILED],
            "files_skipped": counts[FileState.SKIPPED],
            "files_cancelled": counts[FileState.CANCELLED],
            "bytes": total,
            "bytes_done": done,
            "rate_bps": round(rate, 1),
            "eta_seconds": eta,
        }

    def to_json(self, files: bool = True) -> dict:
        """The job as the API sends it; `files=False` leaves out the file list (the SSE stream's updates)."""
        out = {
            "id": self.id,
            "version": self.version,
            "kind": self.kind,
            "state": self.state.value,
            "title": self.title,
            "source": self.source,
            "destination": self.destination,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "resumed_at": _iso(self.resumed_at),
            "resolved_revision": self.resolved_revision,
            "error": self.error,
            **self.extra,
            "totals": self.totals(),
        }
        if files:
            out["files"] = [f.to_json() for f in self.files]
        return out
