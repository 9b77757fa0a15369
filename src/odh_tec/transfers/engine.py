"""The transfer engine: every server-side transfer (Hub imports, copies, moves, syncs, ModelCars) runs here.

* Planning (resolve, list, stat) happens before a job is accepted and never takes a slot, so
  metadata calls never wait behind data transfers.
* One global `SlotLimiter` bounds the files in flight across all jobs (MAX_CONCURRENT_TRANSFERS,
  resizable at runtime).
* A failed file is retried with backoff when the failure can pass (network, 5xx, 429, checksum);
  the other files go on. A job with any failed file ends `failed`.
* Cancel cancels the job's tasks (the storage writers abort their multipart uploads), then deletes
  the keys this job created — never one that existed before.
* Finished jobs stay listed for `retention_seconds`, then are forgotten (an SSE `removed` event).
* With a `JobStore` (the server has one, the CLI none) every job is saved as it changes. Stopping the
  app interrupts running jobs instead of cancelling them: their finished files stay, their unfinished
  uploads are aborted, and the next start resumes them (`recover`), as it does after a crash.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field

import httpx

from odh_tec.errors import ApiError, NotFound, from_os_error
from odh_tec.hf.download import DownloadPolicy
from odh_tec.hf.errors import HubRateLimited, HubServerError, HubUnreachable
from odh_tec.hf.verify import ChecksumMismatch, SizeMismatch
from odh_tec.services import Services
from odh_tec.transfers import copying, hf_import, modelcar, sync
from odh_tec.transfers.events import EventHub, Subscription
from odh_tec.transfers.hf_import import HubOptions
from odh_tec.transfers.limiter import SlotLimiter
from odh_tec.transfers.model import FileState, Job, JobState, TransferFile
from odh_tec.transfers.ratelimit import Throttle, TokenBucket
from odh_tec.transfers.runner import Runner, SkipFile
from odh_tec.transfers.specs import CopySpec, HFImportSpec, ModelCarSpec, SyncSpec
from odh_tec.transfers.store import JobStore, StoredJob

log = logging.getLogger(__name__)


class NoSuchTransfer(NotFound):
    code = "NoSuchTransfer"


class TooManyRequests(ApiError):
    """A cap on what one server holds for its clients (streams, jobs, keys): try again later."""

    status, code = 429, "TooManyRequests"


@dataclass
class EngineOptions:
    file_attempts: int = 3  # tries per file before it is marked failed
    retry_base_delay: float = 1.0  # backoff between tries: 1 s, 2 s, 4 s… (±25 %)
    retry_max_delay: float = 30.0
    hub: HubOptions = field(default_factory=HubOptions)
    download: DownloadPolicy = field(default_factory=DownloadPolicy)
    event_interval: float = 0.5  # at most 2 progress events per second per job
    keepalive_seconds: float = 10.0  # SSE comment lines, below proxies' idle timeouts
    retention_seconds: float = 3600.0  # finished jobs stay listed this long
    max_finished_jobs: int = 200
    cancel_wait: float = 5.0  # how long a cancel request waits for the job to wind down


def retryable(exc: BaseException) -> bool:
    """Failures that may pass: network trouble, 5xx, 429, a corrupted or short body."""
    if isinstance(exc, (HubUnreachable, HubServerError, HubRateLimited, ChecksumMismatch, SizeMismatch)):
        return True
    if isinstance(exc, ApiError):
        return exc.status >= 500 or exc.status in (408, 429)
    if isinstance(exc, OSError) and from_os_error(exc) is not None:
        # A local folder refused (full, read-only, no permission): a retry would fetch the file again
        # only to meet the same refusal, filling the disk once more under the jobs still writing there.
        return False
    return isinstance(exc, (httpx.TransportError, OSError, asyncio.TimeoutError))


def describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and (known := from_os_error(exc)) is not None:
        exc = known  # "InsufficientStorage: No space left on device", not "OSError: [Errno 28] …"
    if isinstance(exc, ApiError):
        return f"{exc.code}: {exc.message}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class TransferEngine:
    def __init__(self, services: Services, options: EngineOptions | None = None, store: JobStore | None = None):
        self.services = services
        self.options = options or EngineOptions()
        self.store = store
        self._stopping = False  # interrupting jobs for a restart, not cancelling them
        self._pending: list[StoredJob] = []  # loaded at start, run once `recover` has swept
        self.limiter = SlotLimiter(services.settings.transfers.max_concurrent_transfers)
        self.bandwidth = TokenBucket(services.settings.transfers.max_transfer_rate)  # every job's bytes
        self.events = EventHub(self.options.event_interval)
        self.jobs: dict[str, Job] = {}
        self._runners: dict[str, Runner] = {}
        self._tasks: dict[str, asyncio.Task] = {}
        self._done: dict[str, asyncio.Event] = {}
        self._janitor: asyncio.Task | None = None
        self._planning = 0  # submits between the cap check and the job's registration

    # Life cycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        self.events.interval = self.options.event_interval
        self.events.start()
        if self.store is not None:
            await self._load()
            self.store.start()
        if self._janitor is None:
            self._janitor = asyncio.create_task(self._forget_old(), name="transfer-janitor")

    async def stop(self) -> None:
        if self.store is None:
            for job_id in list(self._tasks):
                await self.cancel(job_id, wait=self.options.cancel_wait)
        else:
            await self._interrupt_all()
        if self._janitor is not None:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor
            self._janitor = None
        await self.events.stop()
        if self.store is not None:
            await self.store.stop()

    async def _interrupt_all(self) -> None:
        """Stop every running job so that the next start resumes it: unfinished files are aborted (no
        partial object, no open upload), finished ones stay, and the job stays unfinished in the store."""
        self._stopping = True
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self.options.cancel_wait)

    # Durability --------------------------------------------------------------------------------

    def _mark(self, job: Job) -> None:
        self.events.mark(job)
        if self.store is not None:
            self.store.changed(job)

    def _now(self, job: Job) -> None:
        self.events.now(job)
        if self.store is not None:
            self.store.changed(job, urgent=True)

    async def _load(self) -> None:
        """History and unfinished jobs from the store. The unfinished ones are listed at once, as queued,
        and run once `recover` has aborted the uploads a crash left open."""
        assert self.store is not None
        stored = await asyncio.to_thread(
            self.store.load,
            max_finished=self.options.max_finished_jobs,
            max_age_seconds=self.options.retention_seconds,
        )
        for entry in stored:
            job = entry.job
            self.jobs[job.id] = job
            if job.state.finished:
                continue
            for file in job.files:
                if file.state == FileState.RUNNING:  # its upload was aborted or never completed
                    file.state, file.bytes_done = FileState.QUEUED, 0
            job.state = JobState.QUEUED
            job.resumed_at = time.time()
            self._done[job.id] = asyncio.Event()
            self._pending.append(entry)

    async def recover(self) -> None:
        """After a restart: abort the multipart uploads the app left open, then resume the unfinished
        jobs. A job that cannot be resumed (its location or source is gone) fails with the reason."""
        try:
            swept = await self.services.connections.sweep_uploads()
            if swept:
                log.info("aborted %d multipart uploads left open by an earlier run", swept)
        except Exception as exc:
            log.warning("could not sweep open multipart uploads: %s", describe(exc))
        await self._sweep_partials()
        pending, self._pending = self._pending, []
        for entry in pending:
            job = entry.job
            try:
                runner = await self._restore(entry)
            except Exception as exc:
                job.state = JobState.FAILED
                job.error = f"Could not resume after a restart: {describe(exc)}"
                job.finished_at = time.time()
                for file in job.files:
                    if file.state == FileState.QUEUED:
                        file.state, file.error = FileState.FAILED, "Not started: the job could not resume"
                self._now(job)
                done = self._done.pop(job.id, None)
                if done is not None:
                    done.set()
                continue
            log.info("resuming transfer %s (%s)", job.id, job.title)
            self._runners[job.id] = runner
            self._tasks[job.id] = asyncio.create_task(
                self._run(job, runner, prepared=entry.prepared), name=f"transfer-{job.id}"
            )
            self._now(job)

    async def _sweep_partials(self) -> None:
        """The temporaries that writes into local folders left when the app (or a CLI run) was killed:
        interrupted jobs', uploads' and copies' alike (S3 uploads are swept above, by their journal)."""
        partials = self.services.locations.partials
        if partials is None:
            return
        try:
            removed = await asyncio.to_thread(partials.sweep)
        except OSError as exc:
            log.warning("could not sweep the partial files of interrupted writes: %s", exc)
            return
        if removed:
            log.info("removed %d partial files left by interrupted writes", removed)

    async def _restore(self, entry: StoredJob) -> Runner:
        if entry.job.kind == "huggingface":
            return await hf_import.restore(
                self.services, entry.job, entry.spec, self.options.hub, self.options.download
            )
        if entry.job.kind == "sync":
            return await sync.restore(self.services, entry.job, entry.spec)
        if entry.job.kind == "modelcar":
            return await modelcar.restore(self.services, entry.job, entry.spec, self.options.hub, self.options.download)
        return await copying.restore(self.services, entry.job, entry.spec)

    def clear_finished(self) -> list[str]:
        """Forget every finished job (the Transfers page's "Clear finished")."""
        ids = [job.id for job in self.jobs.values() if job.state.finished]
        for job_id in ids:
            self._drop(job_id)
        return ids

    @property
    def busy(self) -> bool:
        return any(not job.state.finished for job in self.jobs.values())

    def set_concurrency(self, limit: int) -> None:
        self.limiter.resize(limit)

    def set_rate(self, rate: int) -> None:
        """The global bandwidth limit (bytes/s, 0 = none), applied to running jobs at once."""
        self.bandwidth.set_rate(rate)

    # Queries -------------------------------------------------------------------------------------

    def list(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: j.created_at, reverse=True)

    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise NoSuchTransfer(f"No transfer '{job_id}' (finished transfers are forgotten after a while)")
        return job

    def subscribe(self) -> Subscription:
        """A new event stream, refused (429) past `max_sse_subscribers`: each one holds its pending
        updates in memory, so their number must not grow with whatever a client opens."""
        limit = self.services.config.max_sse_subscribers
        if self.events.subscribers >= limit:
            raise TooManyRequests(
                f"{limit} transfer event streams are already open, the most this server "
                "allows: close other browser tabs of this app, then reload"
            )
        return self.events.subscribe()

    def unsubscribe(self, sub: Subscription) -> None:
        self.events.unsubscribe(sub)

    async def preview_hf(self, spec: HFImportSpec) -> dict:
        return await hf_import.preview(self.services, spec, self.options.hub)

    async def precheck_copy(self, spec: CopySpec) -> dict:
        return await copying.precheck(self.services, spec)

    async def plan_sync(self, spec: SyncSpec) -> sync.SyncPlan:
        """What a sync would do (a dry run): `submit(spec, planned=…)` then runs exactly this plan."""
        return await sync.build_plan(self.services, spec)

    # Starting, waiting, cancelling ---------------------------------------------------------------

    @property
    def active_jobs(self) -> int:
        """Jobs queued or running, plus submits still planning theirs."""
        return sum(1 for job in self.jobs.values() if not job.state.finished) + self._planning

    def _check_job_cap(self) -> None:
        limit = self.services.config.max_active_jobs
        if self.active_jobs >= limit:
            raise TooManyRequests(
                f"{limit} transfers are already queued or running, the most this server "
                "allows: wait for one to finish, or cancel one, then try again"
            )

    async def submit(
        self, spec: HFImportSpec | CopySpec | SyncSpec | ModelCarSpec, *, planned: sync.SyncPlan | None = None
    ) -> Job:
        """Plan the job (Hub and storage errors surface here), then run it in the background. A sync may
        come with the plan a dry run showed (`plan_sync`), which then runs as it is.

        Refused (429) past `max_active_jobs`: the slot is taken before planning, which awaits, so that
        concurrent submits cannot all pass the check at once."""
        self._check_job_cap()
        self._planning += 1
        runner: Runner
        try:
            if isinstance(spec, HFImportSpec):
                job, runner = await hf_import.plan(self.services, spec, self.options.hub, self.options.download)
            elif isinstance(spec, SyncSpec):
                job, runner = await sync.plan(self.services, spec, planned)
            elif isinstance(spec, ModelCarSpec):
                job, runner = await modelcar.plan(self.services, spec, self.options.hub, self.options.download)
            else:
                job, runner = await copying.plan(self.services, spec)
        finally:
            self._planning -= 1
        if spec.limit_rate:
            job.extra["limit_rate"] = spec.limit_rate
        self.jobs[job.id] = job
        if self.store is not None:
            self.store.add(job, spec.stored())
        self._runners[job.id] = runner
        self._done[job.id] = asyncio.Event()
        self._tasks[job.id] = asyncio.create_task(self._run(job, runner), name=f"transfer-{job.id}")
        self._now(job)
        return job

    async def wait(self, job_id: str, timeout: float | None = None) -> Job:  # noqa: ASYNC109 - callers pass timeout=
        job = self.get(job_id)
        done = self._done.get(job_id)
        if done is not None:
            await asyncio.wait_for(done.wait(), timeout)
        return job

    async def cancel(self, job_id: str, wait: float | None = None) -> Job:
        job = self.get(job_id)
        task = self._tasks.get(job_id)
        if task is not None and not task.done() and not job.cancel_requested:
            job.cancel_requested = True
            task.cancel()
        done = self._done.get(job_id)
        if done is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.options.cancel_wait if wait is None else wait)
        return job

    def forget(self, job_id: str) -> Job:
        job = self.get(job_id)
        if not job.state.finished:
            raise ApiError("The transfer is still running: cancel it first", code="TransferRunning", status=409)
        self._drop(job_id)
        return job

    # Running -------------------------------------------------------------------------------------

    def _progress(self, job: Job, file: TransferFile):
        def advance(n: int) -> None:
            file.bytes_done += n
            self._mark(job)

        return advance

    def _started(self, job: Job) -> None:
        if job.state == JobState.QUEUED:
            job.state = JobState.RUNNING
            job.started_at = job.started_at or time.time()  # a resumed job keeps its first start
            self._now(job)

    async def _run(self, job: Job, runner: Runner, *, prepared: bool = False) -> None:
        interrupted = False
        own = job.extra.get("limit_rate")
        runner.throttle = Throttle(*([TokenBucket(own)] if own else []), self.bandwidth)
        try:
            if not prepared:
                await runner.prepare(job)
                if self.store is not None:
                    self.store.mark_prepared(job)
            self._mark(job)
            for index, phase in enumerate(runner.phases(job)):
                # The first phase always runs: a file that failed before a restart must not hold back
                # the other files of a resumed job, only a later phase (a sync's deletions).
                if index and any(f.state == FileState.FAILED for f in job.files):
                    self._held_back(job, phase)
                    continue
                async with asyncio.TaskGroup() as group:
                    for file in phase:
                        if file.state in (FileState.SKIPPED, FileState.DONE):  # DONE: before a restart
                            self._started(job)
                            continue
                        await self.limiter.acquire()
                        self._started(job)
                        try:
                            group.create_task(self._file(job, runner, file))
                        except BaseException:
                            self.limiter.release()
                            raise
            self._started(job)
            failed = [f for f in job.files if f.state == FileState.FAILED]
            if failed:
                job.state = JobState.FAILED
                job.error = (
                    f"{len(failed)} of {len(job.files)} files failed; first: {failed[0].path}: {failed[0].error}"
                )
            else:
                await runner.finish(job)
                job.state = JobState.COMPLETED
        except asyncio.CancelledError:
            # Swallowed on purpose: the job ends here, and the clean-up below must be able to await.
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
            if self._stopping and not job.cancel_requested:
                # The app is stopping: keep what is done for the next start (see _interrupt_all).
                interrupted = True
                for file in job.files:
                    if file.state in (FileState.RUNNING, FileState.CANCELLED):
                        file.state, file.bytes_done = FileState.QUEUED, 0
                return
            for file in job.files:
                if file.state in (FileState.QUEUED, FileState.RUNNING):
                    file.state = FileState.CANCELLED
            try:
                await runner.cleanup(job)
            finally:
                # Only now: a client that sees "cancelled" may rely on the job's files being gone.
                job.state = JobState.CANCELLED
        except Exception as exc:
            log.warning("transfer %s failed: %s", job.id, describe(exc))
            job.state = JobState.FAILED
            job.error = describe(exc)
            # Nobody cancelled these: they will not be copied because the job failed, and say so.
            for file in job.files:
                if file.state == FileState.QUEUED:
                    file.state = FileState.FAILED
                    file.error = f"Not started: {job.error}"
        finally:
            if not interrupted:
                job.finished_at = time.time()
                job.started_at = job.started_at or job.finished_at
            with contextlib.suppress(Exception):
                await runner.close()
            self._tasks.pop(job.id, None)
            self._runners.pop(job.id, None)
            self._now(job)
            done = self._done.pop(job.id, None)
            if done is not None:
                done.set()

    def _held_back(self, job: Job, files: builtins.list[TransferFile]) -> None:
        """A later phase's files after a failure in an earlier one: left alone, and saying why."""
        for file in files:
            if file.state == FileState.QUEUED:
                file.state = FileState.SKIPPED
                file.error = "Not started: an earlier file of this job failed"
        self._mark(job)

    async def _file(self, job: Job, runner: Runner, file: TransferFile) -> None:
        """One file, with retries; never raises except on cancel (the job's other files go on)."""
        options = self.options
        try:
            file.state = FileState.RUNNING
            self._mark(job)
            for attempt in range(1, options.file_attempts + 1):
                file.attempts = attempt
                try:
                    await runner.transfer(job, file, self._progress(job, file))
                except asyncio.CancelledError:
                    file.state = FileState.CANCELLED
                    raise
                except SkipFile as exc:
                    file.state, file.error = FileState.SKIPPED, str(exc)
                    return
                except Exception as exc:
                    file.bytes_done = 0
                    if attempt < options.file_attempts and retryable(exc):
                        delay = min(options.retry_max_delay, options.retry_base_delay * 2 ** (attempt - 1))
                        log.info("transfer %s: %s failed (%s), retrying", job.id, file.path, describe(exc))
                        file.error = describe(exc)
                        await asyncio.sleep(delay * random.uniform(0.75, 1.25))  # noqa: S311 - retry jitter
                        continue
                    file.state = FileState.FAILED
                    file.error = describe(exc)
                    return
                file.state = FileState.DONE
                file.bytes_done = file.size
                file.error = None
                return
        finally:
            self.limiter.release()
            self._mark(job)

    # Retention -----------------------------------------------------------------------------------

    def _drop(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.events.removed(job_id)
        if self.store is not None:
            self.store.remove([job_id])

    def forget_old(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        finished = [j for j in self.list() if j.state.finished]
        for index, job in enumerate(finished):
            too_old = job.finished_at is not None and now - job.finished_at > self.options.retention_seconds
            if too_old or index >= self.options.max_finished_jobs:
                self._drop(job.id)

    async def _forget_old(self) -> None:
        while True:
            await asyncio.sleep(min(30.0, max(0.2, self.options.retention_seconds / 4)))
            self.forget_old()
