"""The app as a user runs it: `odh-tec serve` in a process of its own (as `make run` or a pod starts
it), a browser-like upload into it, what an earlier run leaves in the data dir for the next one, and
the shared live app pointed at a fake Hub (as the Settings page would point it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from conftest import LiveServer, S3Server, free_port
from odh_tec.config import HFSettings
from odh_tec.transfers.copying import copy_job
from odh_tec.transfers.model import Job, TransferFile
from odh_tec.transfers.specs import CopySpec
from odh_tec.transfers.store import JobStore


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A notebook's environment with nothing configured: no S3, no local folders, an unreachable Hub."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "HF_", "AUTH", "NB_PREFIX", "LOCAL_STORAGE", "ODH_TEC_"))
        and k.lower() not in ("http_proxy", "https_proxy", "no_proxy")
    }
    env.update(ODH_TEC_DATA_DIR=str(tmp / "data"), HF_ENDPOINT="http://127.0.0.1:9", LOG_LEVEL="warning", COLUMNS="100")
    env.update(extra)
    return env


def s3_env(tmp: Path, s3_server: S3Server, **extra: str) -> dict[str, str]:
    """`clean_env` with the test S3 configured (the embedded one off), as a Data Connection sets it."""
    creds = s3_server.credentials
    values = {
        "AWS_S3_ENDPOINT": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "ODH_TEC_EMBEDDED_S3": "false",
    }
    return clean_env(tmp, **{**values, **extra})


# A secret key the S3 refuses: every request of a transfer fails.
WRONG_SECRET = "not-the-secret-key-0123456789"


def letter_files(folder: Path, letters: str) -> Path:
    """`folder`, created with one small text file per letter (a.txt holds "a", b.txt "b"...)."""
    folder.mkdir(parents=True)
    for name in letters:
        (folder / f"{name}.txt").write_text(name)
    return folder


class ServedApp:
    """`odh-tec serve` on a free port, run in `tmp` with `env`; ready once it answers /api/livez.

    `capture=False` sends its output nowhere: a long run would fill a pipe nobody reads."""

    def __init__(self, tmp: Path, env: dict[str, str], *, capture: bool = True):
        self.port = free_port()
        self.data_dir = Path(env["ODH_TEC_DATA_DIR"])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "odh_tec.cli", "serve", "--port", str(self.port)],
            env=env,
            cwd=tmp,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/api/livez", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"the app did not start: {self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        """All it printed (once it has exited), when captured."""
        return self.process.stdout.read() if self.process.stdout else ""

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def wait_exit(self, timeout: float) -> float:
        """Seconds until it exited."""
        started = time.monotonic()
        self.process.wait(timeout)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as after an OOM kill."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, as a pod's stop sends it; SIGKILL if it has not exited within `timeout`."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def slow_upload(object_url: str, key: str, total: int, timeout: float = 60) -> threading.Thread:
    """A browser-like upload of `total` bytes to `object_url` (an `.../object` route): 48 MiB at once,
    so that a multipart upload is open, then a trickle that lasts until the server goes away."""

    def body():
        for _ in range(12):
            yield os.urandom(4 << 20)
        while True:
            time.sleep(0.2)
            yield b"x" * (64 << 10)

    def run():
        try:
            httpx.put(
                object_url, params={"key": key}, content=body(), headers={"Content-Length": str(total)}, timeout=timeout
            )
        except httpx.HTTPError:
            pass  # the server went away: that is the point

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def store_unfinished_copy(data_dir: Path, spec: CopySpec, files: list[TransferFile]) -> Job:
    """A copy job written into the app's store at `data_dir` as a run that stopped before starting it
    leaves it: the next app to start there resumes it."""
    job = copy_job(spec, files)
    store = JobStore(data_dir / "transfers.sqlite3")
    store.add(job, spec.stored(), prepared=True)
    store.flush_now()
    store.close()
    return job


@contextlib.contextmanager
def hub_endpoint(live: LiveServer, url: str) -> Iterator[LiveServer]:
    """The shared live app with its Hub endpoint at `url` (no token) for a while."""
    settings = live.services.settings
    saved = settings.huggingface
    settings.huggingface = HFSettings(endpoint=url, token="")
    try:
        yield live
    finally:
        settings.huggingface = saved
