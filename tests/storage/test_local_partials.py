"""A local write's hidden temporary is removed after a crash, and only then: the journal of partials
(`storage/partials.py`) gives the sweep the temporaries of writes that died, never one a live write
(here or in another process) is filling."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

from odh_tec.storage.local import TEMP_MARK, LocalStorage
from odh_tec.storage.partials import PartialsJournal


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name)


def _killed_writer(root: Path, journal: Path, key: str) -> None:
    """A process that starts writing `key` and is SIGKILLed in the middle, as after an OOM kill."""
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from pathlib import Path
        from odh_tec.storage.local import LocalStorage
        from odh_tec.storage.partials import PartialsJournal

        async def chunks():
            yield b"x" * 1000
            os.kill(os.getpid(), signal.SIGKILL)
            yield b"never"

        storage = LocalStorage({str(root)!r}, PartialsJournal(Path({str(journal)!r})))
        asyncio.run(storage.write({key!r}, chunks()))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert result.returncode == -9


def test_a_killed_write_leaves_a_temporary_that_the_sweep_removes(tmp_path):
    root, journal = tmp_path / "pvc", tmp_path / "data" / "partials"
    (root / "models").mkdir(parents=True)
    (root / "models" / "keep.bin").write_bytes(b"keep")
    (root / "models" / ".hidden-of-the-user").write_bytes(b"mine")
    _killed_writer(root, journal, "models/big.bin")
    assert len(_temporaries(root / "models")) == 1
    assert not (root / "models" / "big.bin").exists()

    assert PartialsJournal(journal).sweep() == 1

    assert _temporaries(root / "models") == []
    assert sorted(p.name for p in (root / "models").iterdir()) == [".hidden-of-the-user", "keep.bin"]
    assert list(journal.iterdir()) == []  # the records go with their temporaries
    assert PartialsJournal(journal).sweep() == 0


def test_the_sweep_keeps_a_write_in_progress(tmp_path):
    root, journal = tmp_path / "pvc", tmp_path / "partials"
    root.mkdir()
    storage = LocalStorage(root, PartialsJournal(journal))
    _killed_writer(root, journal, "other.bin")  # abandoned: swept

    async def scenario() -> tuple[int, list[str]]:
        release = asyncio.Event()

        async def chunks() -> AsyncIterator[bytes]:
            yield b"a" * 1000
            await release.wait()
            yield b"b" * 1000

        writing = asyncio.create_task(storage.write("big.bin", chunks()))
        while not any(name.startswith(".big.bin") for name in _temporaries(root)):
            await asyncio.sleep(0.01)
        removed = PartialsJournal(journal).sweep()
        left = _temporaries(root)
        release.set()
        await writing
        return removed, left

    removed, left_during = asyncio.run(scenario())
    assert removed == 1
    assert [name for name in left_during if name.startswith(".big.bin")]  # the live one was kept
    assert not [name for name in left_during if name.startswith(".other.bin")]
    assert (root / "big.bin").read_bytes() == b"a" * 1000 + b"b" * 1000
    assert _temporaries(root) == [] and list(journal.iterdir()) == []


def test_a_failed_or_finished_write_and_a_local_copy_leave_no_record(tmp_path):
    root, journal = tmp_path / "pvc", tmp_path / "partials"
    root.mkdir()
    storage = LocalStorage(root, PartialsJournal(journal))
    (root / "src.bin").write_bytes(b"z" * 4096)

    async def failing() -> AsyncIterator[bytes]:
        yield b"half"
        raise OSError("the source went away")

    async def scenario() -> None:
        await storage.copy_from(storage, "src.bin", "dst.bin")
        try:
            await storage.write("broken.bin", failing())
        except OSError:
            pass

    asyncio.run(scenario())
    assert (root / "dst.bin").read_bytes() == b"z" * 4096
    assert not (root / "broken.bin").exists()
    assert _temporaries(root) == [] and list(journal.iterdir()) == []


def test_a_record_never_removes_anything_but_a_temporary_of_ours(tmp_path):
    """A record is a path in a file: one naming a user's file (a bug, or a hand-made record) is dropped,
    the file kept."""
    journal = tmp_path / "partials"
    journal.mkdir()
    precious = tmp_path / "model.safetensors"
    precious.write_bytes(b"weights")
    (journal / "1-ab.partial").write_bytes(str(precious).encode())
    assert PartialsJournal(journal).sweep() == 0
    assert precious.read_bytes() == b"weights"
    assert list(journal.iterdir()) == []
