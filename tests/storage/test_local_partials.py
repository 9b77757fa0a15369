"""A local write's hidden temporary is removed after a crash, and only then: `sweep_partials` takes
the temporaries nobody holds the lock of, never one a live write (here or in another process) is
filling."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

from odh_tec.storage.local import TEMP_MARK, LocalStorage


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TEMP_MARK in p.name)


def _killed_writer(root: Path, key: str) -> None:
    """A process that starts writing `key` and is SIGKILLed in the middle, as after an OOM kill."""
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal
        from odh_tec.storage.local import LocalStorage

        async def chunks():
            yield b"x" * 1000
            os.kill(os.getpid(), signal.SIGKILL)
            yield b"never"

        asyncio.run(LocalStorage({str(root)!r}).write({key!r}, chunks()))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert result.returncode == -9


def test_a_killed_write_leaves_a_temporary_that_the_sweep_removes(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "keep.bin").write_bytes(b"keep")
    _killed_writer(tmp_path, "models/big.bin")
    assert len(_temporaries(tmp_path / "models")) == 1
    assert not (tmp_path / "models" / "big.bin").exists()

    removed = asyncio.run(LocalStorage(tmp_path).sweep_partials(["models/big.bin", "models/other.bin"]))

    assert removed == 1
    assert _temporaries(tmp_path / "models") == []
    assert (tmp_path / "models" / "keep.bin").read_bytes() == b"keep"


def test_the_sweep_keeps_a_write_in_progress_and_of_other_files(tmp_path):
    storage = LocalStorage(tmp_path)
    _killed_writer(tmp_path, "other.bin")  # abandoned, but not a file the sweep was asked about

    async def scenario() -> tuple[int, list[str]]:
        release = asyncio.Event()

        async def chunks() -> AsyncIterator[bytes]:
            yield b"a" * 1000
            await release.wait()
            yield b"b" * 1000

        writing = asyncio.create_task(storage.write("big.bin", chunks()))
        while not any(name.startswith(".big.bin") for name in _temporaries(tmp_path)):
            await asyncio.sleep(0.01)
        removed = await storage.sweep_partials(["big.bin"])
        left = _temporaries(tmp_path)
        release.set()
        await writing
        return removed, left

    removed, left_during = asyncio.run(scenario())
    assert removed == 0
    assert any(name.startswith(".big.bin") for name in left_during)
    assert (tmp_path / "big.bin").read_bytes() == b"a" * 1000 + b"b" * 1000
    assert [name for name in _temporaries(tmp_path) if name.startswith(".other.bin")]  # not asked: kept


def test_a_local_copy_holds_its_temporary_too(tmp_path):
    (tmp_path / "src.bin").write_bytes(b"z" * 4096)
    storage = LocalStorage(tmp_path)
    asyncio.run(storage.copy_from(storage, "src.bin", "dst.bin"))
    assert (tmp_path / "dst.bin").read_bytes() == b"z" * 4096
    assert _temporaries(tmp_path) == []
