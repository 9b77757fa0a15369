"""The journal of local temporaries: where a write that may be killed left its half-written file.

A local write goes to a hidden temporary beside its target and is renamed into place at the end
(storage/local.py). A process killed in the middle (SIGKILL, an OOM kill, a pod evicted) leaves the
temporary behind, in a folder nobody will look at again. So before the temporary is created, the write
records its path in a small file of its own in `<data dir>/partials/`, holds an advisory lock (flock) on
that record while it writes, and removes the record once the temporary is renamed or deleted.

The kernel drops the lock when the process dies, however it dies. At start the app (`sweep`) removes
each temporary whose record nobody holds, and the record: an interrupted job's, a browser upload's or an
`odh-tec cp`'s alike. A write still going on, in this process or another, holds its lock and is never
touched. No folder is scanned: the sweep costs one small file per write that was cut short.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

RECORD_SUFFIX = ".partial"
TEMP_MARK = ".odh-tec-partial-"  # in the name of every temporary a local write makes


class PartialRecord:
    """A write's record, locked until `close` (after the rename or the removal of its temporary)."""

    def __init__(self, path: Path, handle: BinaryIO):
        self.path = path
        self._handle = handle

    def close(self) -> None:
        # Removed before it is unlocked: a sweep never finds it unlocked while it still names a live file.
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._handle.close()


class PartialsJournal:
    """`<data dir>/partials/`: one locked record per local write in progress."""

    def __init__(self, directory: Path):
        self.directory = directory

    def record(self, temp: Path) -> PartialRecord:
        """Before `temp` is created: a record naming it, locked by this write."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / f"{os.getpid()}-{os.urandom(8).hex()}{RECORD_SUFFIX}"
        handle = open(path, "xb")  # noqa: SIM115 - closed by PartialRecord.close
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
            handle.write(os.fsencode(temp))
            handle.flush()
        except BaseException:
            handle.close()
            path.unlink()
            raise
        return PartialRecord(path, handle)

    def sweep(self) -> int:
        """Remove the temporaries of writes that died (their record is unlocked); returns how many."""
        try:
            entries = [e for e in os.scandir(self.directory) if e.name.endswith(RECORD_SUFFIX)]
        except FileNotFoundError:
            return 0
        removed = 0
        for entry in entries:
            try:
                handle = open(entry.path, "rb")  # noqa: SIM115 - closed below
            except OSError:
                continue  # removed meanwhile: its write ended
            with handle:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a write in progress, in this process or another
                temp = Path(os.fsdecode(handle.read()))
                if temp.name and _is_ours(temp):
                    try:
                        temp.unlink()
                        removed += 1
                        log.info("removed %s, left by a write that was cut short", temp)
                    except FileNotFoundError:
                        pass  # renamed into place before the writer died, or never created
                    except OSError as exc:
                        log.warning("could not remove %s: %s", temp, exc)
                        continue  # keep the record: the next start tries again
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
        return removed


def _is_ours(temp: Path) -> bool:
    """Only a hidden temporary of ours is ever removed, whatever a record says."""
    return temp.name.startswith(".") and TEMP_MARK in temp.name and temp.is_absolute()
