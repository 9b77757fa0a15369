"""`odh-tec serve` as a process: a clean stop on SIGTERM (as PID 1 in a pod gets it), and an
immediate one on a second signal. The app runs with its embedded SeaweedFS, as after `make run`."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from conftest import S3Server
from odh_tec.embedded_s3 import EmbeddedS3, S3Credentials
from served import ServedApp, clean_env, slow_upload


def _serve(tmp: Path) -> tuple[ServedApp, list[psutil.Process]]:
    """The app with its embedded SeaweedFS, and the SeaweedFS processes it started."""
    served = ServedApp(tmp, clean_env(tmp))
    weed = [p for p in psutil.Process(served.process.pid).children(recursive=True) if "weed" in p.name()]
    assert weed, "the embedded SeaweedFS did not start"
    return served, weed


def _slow_upload(served: ServedApp, bucket: str) -> None:
    slow_upload(f"{served.url}/api/locations/s3:{bucket}/object", "big.bin", 1 << 30)


def _s3_of(data: Path) -> tuple[EmbeddedS3, object]:
    keys = json.loads((data / "s3" / "credentials.json").read_text())
    creds = S3Credentials(keys["access_key_id"], keys["secret_access_key"])
    server = EmbeddedS3(data / "s3", credentials=creds)
    server.start()
    return server, S3Server(server.endpoint, creds).client()


def _wait_for_multipart(served: ServedApp, bucket: str) -> None:
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
    served, weed = _serve(tmp_path)
    try:
        assert httpx.post(f"{served.url}/api/buckets", json={"name": "stop-test"}).status_code in (200, 201)
        _slow_upload(served, "stop-test")
        _wait_for_multipart(served, "stop-test")
        served.process.send_signal(signal.SIGTERM)
        took = served.wait_exit(15)
    finally:
        if served.process.poll() is None:
            served.process.kill()
    print(f"stopped {took:.1f} s after SIGTERM")
    assert took < 10, f"took {took:.1f} s"
    # Uvicorn re-raises the signal once it has shut down: the conventional "ended by SIGTERM" status.
    assert served.process.returncode in (0, -signal.SIGTERM), served.output()
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in weed)
    server, s3 = _s3_of(served.data_dir)
    try:
        assert s3.list_objects_v2(Bucket="stop-test").get("KeyCount", 0) == 0
        assert s3.list_multipart_uploads(Bucket="stop-test").get("Uploads", []) == []
    finally:
        server.stop()


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT])
def test_a_second_signal_exits_at_once(tmp_path, second):
    served, weed = _serve(tmp_path)
    try:
        httpx.post(f"{served.url}/api/buckets", json={"name": "stop-test"})
        _slow_upload(served, "stop-test")
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
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in weed)
