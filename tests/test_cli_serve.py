"""`odh-tec serve` as a process: a clean stop on SIGTERM (as PID 1 in a pod gets it), and an
immediate one on a second signal. The app runs with its embedded SeaweedFS, as after `make run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import httpx
import psutil
import pytest
from botocore.config import Config as BotoConfig

from conftest import free_port
from odh_tec.embedded_s3 import EmbeddedS3, S3Credentials


class Served:
    def __init__(self, tmp: Path):
        self.data = tmp / "data"
        self.port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "HF_", "AUTH", "NB_PREFIX", "LOCAL_STORAGE"))
        }
        env.update(ODH_TEC_DATA_DIR=str(self.data), LOG_LEVEL="warning")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "odh_tec.cli", "serve", "--port", str(self.port)],
            env=env,
            cwd=tmp,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/livez", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            self.process.kill()
            raise RuntimeError(self.process.stdout.read())
        self.weed = [p for p in psutil.Process(self.process.pid).children(recursive=True) if "weed" in p.name()]
        assert self.weed, "the embedded SeaweedFS did not start"

    def slow_upload(self, bucket: str, key: str, total: int) -> threading.Thread:
        """A browser-like upload that sends 48 MiB at once (a multipart upload is open), then trickles."""

        def body():
            for _ in range(12):
                yield os.urandom(4 << 20)
            while True:
                time.sleep(0.2)
                yield b"x" * (64 << 10)

        def run():
            try:
                httpx.put(
                    f"{self.url}/api/locations/s3:{bucket}/object",
                    params={"key": key},
                    content=body(),
                    headers={"Content-Length": str(total)},
                    timeout=60,
                )
            except httpx.HTTPError:
                pass

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def wait_exit(self, timeout: float) -> float:
        started = time.monotonic()
        self.process.wait(timeout)
        return time.monotonic() - started


def _s3_of(data: Path) -> tuple[EmbeddedS3, object]:
    keys = json.loads((data / "s3" / "credentials.json").read_text())
    server = EmbeddedS3(data / "s3", credentials=S3Credentials(keys["access_key_id"], keys["secret_access_key"]))
    server.start()
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=keys["access_key_id"],
        aws_secret_access_key=keys["secret_access_key"],
        config=BotoConfig(s3={"addressing_style": "path"}),
    )
    return server, client


def _wait_for_multipart(served: Served, bucket: str) -> None:
    # The upload is open once the app has sent a part: give it a moment to get there.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        metrics = httpx.get(f"{served.url}/metrics").text
        line = next(
            (
                ln
                for ln in metrics.splitlines()
                if ln.startswith("odh_tec_http_requests_total") and 'method="PUT"' in ln
            ),
            None,
        )
        if line is None and served.process.poll() is None:
            time.sleep(0.5)
            break
        time.sleep(0.2)
    time.sleep(2)


def test_sigterm_mid_upload_stops_cleanly_and_leaves_nothing(tmp_path):
    served = Served(tmp_path)
    try:
        assert httpx.post(f"{served.url}/api/buckets", json={"name": "stop-test"}).status_code in (200, 201)
        served.slow_upload("stop-test", "big.bin", 1 << 30)
        _wait_for_multipart(served, "stop-test")
        served.process.send_signal(signal.SIGTERM)
        took = served.wait_exit(15)
    finally:
        if served.process.poll() is None:
            served.process.kill()
    print(f"stopped {took:.1f} s after SIGTERM")
    assert took < 10, f"took {took:.1f} s"
    # Uvicorn re-raises the signal once it has shut down: the conventional "ended by SIGTERM" status.
    assert served.process.returncode in (0, -signal.SIGTERM), served.process.stdout.read()
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in served.weed)
    server, s3 = _s3_of(served.data)
    try:
        assert s3.list_objects_v2(Bucket="stop-test").get("KeyCount", 0) == 0
        assert s3.list_multipart_uploads(Bucket="stop-test").get("Uploads", []) == []
    finally:
        server.stop()


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT])
def test_a_second_signal_exits_at_once(tmp_path, second):
    served = Served(tmp_path)
    try:
        httpx.post(f"{served.url}/api/buckets", json={"name": "stop-test"})
        served.slow_upload("stop-test", "big.bin", 1 << 30)
        _wait_for_multipart(served, "stop-test")
        served.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        served.process.send_signal(second)
        took = served.wait_exit(10)
    finally:
        if served.process.poll() is None:
            served.process.kill()
    assert took < 1.5, f"took {took:.1f} s after the second signal"
    time.sleep(0.5)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in served.weed)
