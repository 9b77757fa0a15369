"""SIGTERM to `odh-tec serve` while transfer jobs run (what a pod gets when it is deleted or evicted).
tests/test_cli_serve.py covers SIGTERM during a browser upload, and tests/transfers/test_durable_jobs.py
an in-process stop during an import; this is the signal to the process with jobs in flight towards
S3 and towards a local folder at once: it exits in time and leaves no partial object, no open
multipart upload and no partial file (the jobs themselves stay unfinished, to resume at the next start)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import ADMIN, free_port

from .conftest import BIG, SHARD, MiB, import_body, keys_in, open_uploads, wait_until

pytestmark = pytest.mark.faults


class Served:
    """`odh-tec serve` as its own process, S3 at `s3_url` (the fault proxy), the Hub at `hub_url`."""

    def __init__(self, tmp: Path, s3_url: str, hub_url: str, local: Path):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HF_", "AUTH", "NB_PREFIX", "LOCAL_"))}
        env.update(
            ODH_TEC_DATA_DIR=str(tmp / "data"),
            ODH_TEC_EMBEDDED_S3="false",
            AWS_S3_ENDPOINT=s3_url,
            AWS_ACCESS_KEY_ID=ADMIN.access_key_id,
            AWS_SECRET_ACCESS_KEY=ADMIN.secret_access_key,
            HF_ENDPOINT=hub_url,
            LOCAL_STORAGE_PATHS=str(local),
            LOG_LEVEL="warning",
            HTTP_PROXY="",
            HTTPS_PROXY="",
            NO_PROXY="",
        )
        self.log = (tmp / "serve.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "odh_tec.cli", "serve", "--port", str(self.port)],
            env=env,
            cwd=tmp,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

        def ready() -> bool:
            assert self.process.poll() is None, "the app exited at start"
            try:
                return httpx.get(f"{self.url}/api/livez", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 60, "the app did not start")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


def test_sigterm_mid_transfers_exits_in_time_and_leaves_nothing(tmp_path, s3_proxy, s3, bucket, fault_hub):
    local = tmp_path / "pvc"
    local.mkdir()
    # Slow enough that both files are mid-way when the signal comes.
    fault_hub.inject("throttle", path=BIG, host="lfs", rate=4 * MiB, times=None)
    fault_hub.inject("throttle", path=SHARD, host="lfs", rate=2 * MiB, times=None)
    served = Served(tmp_path, s3_proxy.url, fault_hub.url, local)
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            for body in (
                import_body(f"s3:{bucket}", "m/"),
                import_body(f"local:{local.name}", "m/", include=[SHARD]),
            ):
                r = client.post("/api/transfers", json=body)
                assert r.status_code == 201, r.text

            def both_mid_way() -> bool:
                partial = [p for p in local.rglob("*") if p.is_file() and p.stat().st_size > MiB]
                return bool(open_uploads(s3, bucket)) and bool(partial)

            wait_until(both_mid_way, 30, "the transfers did not get under way")
        started = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(15)
        took = time.monotonic() - started
    finally:
        served.close()
    assert took < 10, f"exited {took:.1f} s after SIGTERM"
    # Uvicorn re-raises the signal once it has shut down: the conventional "ended by SIGTERM" status.
    assert served.process.returncode in (0, -signal.SIGTERM), (tmp_path / "serve.log").read_text()
    assert keys_in(s3, bucket) == []
    assert open_uploads(s3, bucket) == []
    assert [p for p in local.rglob("*") if p.is_file()] == []  # no partial or temporary file
