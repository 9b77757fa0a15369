"""The part of a job that knows its kind; the engine does queuing, retries, progress and cancel."""

from __future__ import annotations

import abc
from collections.abc import Callable

from odh_tec.storage.base import Storage
from odh_tec.transfers.model import Job, TransferFile

Progress = Callable[[int], None]


class Runner(abc.ABC):
    destination: Storage

    async def prepare(self, job: Job) -> None:
        """Metadata work before any byte moves (what exists already, what to skip). No slot held."""

    @abc.abstractmethod
    async def transfer(self, job: Job, file: TransferFile, progress: Progress) -> None:
        """Move one file; raise to fail it (the engine decides about retries)."""

    async def cleanup(self, job: Job) -> None:
        """After a cancel: delete what this job created, and only that."""
        for key in sorted(job.created_keys):
            try:
                if await self.destination.exists(key):
                    await self.destination.delete(key)
            except Exception:  # noqa: BLE001 - best effort; the others still go
                continue
        job.created_keys.clear()

    async def finish(self, job: Job) -> None:
        """After every file succeeded (a move tidies the emptied source folders)."""

    async def close(self) -> None:
        """Release connections."""
