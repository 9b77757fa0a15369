"""The job store keeps every change it was told of, even when a write is cancelled or fails."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

from odh_tec.transfers.model import FileState, Job, TransferFile
from odh_tec.transfers.store import JobStore


def a_job() -> Job:
    files = [TransferFile(path=name, key=name, size=10, source={"key": name}) for name in ("a", "b")]
    return Job(kind="copy", title="copy", source={}, destination={}, files=files)


def stored_states(store_path, job_id: str) -> dict[str, str]:
    reopened = JobStore(store_path)
    try:
        (stored,) = [s for s in reopened.load(max_finished=10, max_age_seconds=3600) if s.job.id == job_id]
        return {f.path: f.state.value for f in stored.job.files}
    finally:
        reopened.close()


def test_a_stop_keeps_the_change_whose_write_was_still_queued(tmp_path):
    """A graceful stop while the flusher's write waits for a worker thread (a busy machine): the change
    reaches the file. Before, the stop cancelled the queued write, which never ran, and the final flush
    thought the rows written: a resumed job pushed a finished file again."""
    path = tmp_path / "transfers.sqlite3"

    async def scenario() -> str:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
        busy = threading.Event()
        blocker = loop.run_in_executor(None, busy.wait)  # the only worker thread is taken
        store = JobStore(path)
        job = a_job()
        store.add(job, {"kind": "copy"})
        store.start()
        job.files[0].state, job.files[0].bytes_done = FileState.DONE, 10
        store.changed(job, urgent=True)
        await asyncio.sleep(0.2)  # the flusher has taken its snapshot; its write is queued
        stopping = asyncio.create_task(store.stop())
        await asyncio.sleep(0.2)
        busy.set()
        await blocker
        await stopping
        store.close()
        return job.id

    job_id = asyncio.run(scenario())
    assert stored_states(path, job_id)["a"] == "done"


def test_a_failed_write_is_tried_again(tmp_path):
    """A write that fails (a full disk) leaves its rows to the next flush instead of forgetting them."""
    path = tmp_path / "transfers.sqlite3"

    async def scenario() -> str:
        store = JobStore(path)
        job = a_job()
        store.add(job, {"kind": "copy"})
        real_write, calls = store._write, []

        def failing_once(*args):
            calls.append(1)
            if len(calls) == 1:
                raise sqlite3.OperationalError("database or disk is full")
            real_write(*args)

        store._write = failing_once  # type: ignore[method-assign]
        job.files[1].state = FileState.DONE
        store.changed(job)
        try:
            await store.flush()
        except sqlite3.OperationalError:
            pass
        await store.flush()
        store.close()
        assert len(calls) == 2
        return job.id

    job_id = asyncio.run(scenario())
    assert stored_states(path, job_id) == {"a": "queued", "b": "done"}
