"""The part of a job that knows its kind; the engine does queuing, retries, progress and cancel."""

from __future__ import annotations

import abc
import contextlib
import os
from collections.abc import Callable

from odh_tec.storage.base import Storage
from odh_tec.transfers.model import Job, TransferFile
from odh_tec.transfers.ratelimit import Throttle

Progress = Callable[[int], None]


class SkipFile(Exception):
    """Raised by `Runner.transfer` to leave a file alone (state `skipped`, the message as its note)
    instead of failing it: a planned deletion whose file changed since the plan."""


class Runner(abc.ABC):
    destination: Storage
    throttle: Throttle | None = None  # the bandwidth limits the bytes of this job pass (set by the engine)

    def note_created(self, job: Job, file: TransferFile) -> None:
        """Before writing `file`: remember what a cancel must remove (the key, and for a local folder
        the directories that do not exist yet). Nothing that existed before is ever noted."""
        if file.existed:
            return
        job.created_keys.add(file.key)
        resolve = getattr(self.destination, "resolve", None)  # local folders only
        if resolve is None:
            return
        parent = os.path.dirname(file.key.rstrip("/"))
        while parent:
            with contextlib.suppress(Exception):
                if not resolve(parent).exists():
                    job.created_dirs.add(parent)
            parent = os.path.dirname(parent)

    async def prepare(self, job: Job) -> None:  # noqa: B027 - an optional hook: doing nothing is the default
        """Metadata work before any byte moves (what exists already, what to skip). No slot held."""

    def phases(self, job: Job) -> list[list[TransferFile]]:
        """The job's files in the order they must run: each group starts once the one before it ended,
        and only if no file of the job failed (a sync deletes only after every copy succeeded)."""
        return [job.files]

    @abc.abstractmethod
    async def transfer(self, job: Job, file: TransferFile, progress: Progress) -> None:
        """Move one file; raise to fail it (the engine decides about retries)."""

    async def cleanup(self, job: Job) -> None:
        """After a cancel: delete what this job created, and only that."""
        keys = sorted(job.created_keys)
        if keys:
            # One DeleteObjects call on S3 (missing keys are fine); per key locally, errors ignored.
            with contextlib.suppress(Exception):
                await self.destination.delete_many(keys)
        resolve = getattr(self.destination, "resolve", None)
        for directory in sorted(job.created_dirs, key=lambda d: d.count("/"), reverse=True):
            with contextlib.suppress(Exception):
                if resolve is not None:  # created_dirs is only filled for local folders, which have it
                    os.rmdir(resolve(directory))  # only if empty: someone may have written there since
        job.created_keys.clear()
        job.created_dirs.clear()

    async def finish(self, job: Job) -> None:  # noqa: B027 - an optional hook: doing nothing is the default
        """After every file succeeded (a move tidies the emptied source folders)."""

    async def close(self) -> None:  # noqa: B027 - an optional hook: doing nothing is the default
        """Release connections."""
