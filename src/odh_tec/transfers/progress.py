"""Progress for people: a one-line bar on a terminal, per-file lines otherwise, and a summary."""

from __future__ import annotations

from typing import TextIO

from odh_tec.transfers.model import FileState, Job, JobState, TransferFile

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_bytes(n: float) -> str:
    for unit in _UNITS:
        if abs(n) < 1024 or unit == _UNITS[-1]:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def human_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "--"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}:{seconds % 60:02d}"


def bar_line(job: Job, width: int = 80) -> str:
    totals = job.totals()
    total, done = totals["bytes"], totals["bytes_done"]
    fraction = done / total if total else (1.0 if job.state.finished else 0.0)
    counts = f"{totals['files_done'] + totals['files_skipped']}/{totals['files']} files"
    right = (
        f" {fraction * 100:5.1f}% {human_bytes(done)}/{human_bytes(total)} "
        f"{human_bytes(totals['rate_bps'])}/s ETA {human_seconds(totals['eta_seconds'])} {counts}"
    )
    room = max(10, width - len(right) - 2)
    filled = int(room * fraction)
    return f"[{'#' * filled}{'.' * (room - filled)}]{right}"[:width]


class Reporter:
    """Draws the bar (terminal) or prints each finished file (pipes, logs). The error that failed the
    whole job is said once, at the end, not again for each file it failed."""

    def __init__(self, stream: TextIO, *, tty: bool, width: int = 100):
        self.stream, self.tty, self.width = stream, tty, width
        self._reported: set[int] = set()

    def update(self, job: Job) -> None:
        if self.tty:
            self.stream.write("\r" + bar_line(job, self.width - 1))
            self.stream.flush()
            return
        for index, f in enumerate(job.files):
            if index in self._reported or f.state in (FileState.QUEUED, FileState.RUNNING):
                continue
            self._reported.add(index)
            detail = f": {f.error}" if _own_error(job, f) else ""
            self.stream.write(f"{f.state.value:9} {f.path} ({human_bytes(f.size)}){detail}\n")
        self.stream.flush()

    def finish(self, job: Job) -> None:
        self.update(job)
        if self.tty:
            self.stream.write("\n")
            for f in job.files:
                if f.state == FileState.FAILED and f.error != job.error:
                    self.stream.write(f"failed    {f.path}: {f.error}\n")
        self.stream.write(summary_line(job) + "\n")
        if job.state == JobState.FAILED and job.error:
            self.stream.write(f"error: {job.error}\n")
        self.stream.flush()


def _own_error(job: Job, f: TransferFile) -> bool:
    return bool(f.error) and f.state == FileState.FAILED and f.error != job.error


def summary_line(job: Job) -> str:
    totals = job.totals()
    elapsed = (job.finished_at or 0) - (job.started_at or job.created_at)
    parts = [f"{job.state.value}: {totals['files_done']} of {totals['files']} files"]
    if totals["files_skipped"]:
        parts.append(f"{totals['files_skipped']} already there")
    if totals["files_failed"]:
        parts.append(f"{totals['files_failed']} failed")
    parts.append(f"{human_bytes(totals['bytes_done'])} in {elapsed:.1f} s")
    if job.resolved_revision:
        parts.append(f"commit {job.resolved_revision[:12]}")
    return ", ".join(parts)
