"""Fixtures of the fault suite: S3 behind the suite's fault proxy (the session SeaweedFS, or one of the
suite's own that a test may kill), a fake Hub, the app pointed at both, and the checks every fault
test ends with: the bytes that arrived, and what was left behind."""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from conftest import ADMIN, LiveServer, S3Server, make_config
from fakehub import FakeHub, SyntheticContent
from odh_tec.embedded_s3 import EmbeddedS3
from transfers.conftest import fast_options, hf_body, wait_job

from .proxy import FaultProxy

MiB = 1 << 20
REPO = "faults/model"
BIG = "model.safetensors"  # three 8 MiB S3 parts: a multipart upload
BIG_SIZE = 20 * MiB
SHARD = "shard-2.safetensors"  # another, for a second job at the same time
SHARD_SIZE = 12 * MiB

# Requests that S3 tells apart by query and headers, as rules of the fault proxy match them.
UPLOAD_PART = {"method": "PUT", "path": r"[?&]partNumber=", "where": lambda h: h.header("x-amz-copy-source") is None}
UPLOAD_PART_COPY = {
    "method": "PUT",
    "path": r"[?&]partNumber=",
    "where": lambda h: h.header("x-amz-copy-source") is not None,
}
COPY_OBJECT = {
    "method": "PUT",
    "path": r"^/[^?]+/[^?]+$",
    "where": lambda h: h.header("x-amz-copy-source") is not None,
}


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@pytest.fixture(autouse=True)
def _collect_garbage_first() -> None:
    """A full collection before each test, here on the test's thread. These tests keep several apps,
    fake servers and proxies alive in one process, and Python's full collections of that heap take
    100-300 ms: left to chance, one lands inside an app's event-loop callback, and the loop watch
    (tests/loopwatch.py) rightly sees the loop busy that long, though the app did nothing slow."""
    gc.collect()


# The fake Hub ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fault_hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        hub.add_repo(
            REPO,
            {
                "config.json": '{"model_type": "faults"}\n',
                BIG: SyntheticContent(BIG_SIZE, seed="faults-big"),
                SHARD: SyntheticContent(SHARD_SIZE, seed="faults-shard"),
            },
        )
        yield hub


@pytest.fixture(autouse=True)
def _clean_hub(request) -> Iterator[None]:
    yield
    if "fault_hub" in request.fixturenames:
        request.getfixturevalue("fault_hub").reset()


def big_sha256(hub: FakeHub) -> str:
    return hub.repo(REPO).files()[BIG].sha256


# The app -----------------------------------------------------------------------------------------


def start_app(s3_url: str, tmp: Path, hub: FakeHub, **overrides) -> LiveServer:
    """The app with its S3 endpoint at `s3_url` (a fault proxy), its Hub the fake, short retries."""
    config = make_config(S3Server(s3_url, ADMIN), tmp, hf_endpoint=hub.url, **overrides)
    app = LiveServer(config).start()
    app.services.transfers.options = fast_options()
    return app


@pytest.fixture(scope="module")
def s3_proxy(s3_server) -> Iterator[FaultProxy]:
    """The fault proxy in front of the session SeaweedFS."""
    with FaultProxy(_address(s3_server.endpoint)) as proxy:
        yield proxy


@pytest.fixture(autouse=True)
def _clean_proxy(request) -> Iterator[None]:
    yield
    if "s3_proxy" in request.fixturenames:
        request.getfixturevalue("s3_proxy").reset()


@pytest.fixture(scope="module")
def app(s3_proxy, fault_hub, tmp_path_factory) -> Iterator[LiveServer]:
    """The app, S3 through the fault proxy."""
    server = start_app(s3_proxy.url, tmp_path_factory.mktemp("faults-app"), fault_hub)
    yield server
    server.stop()


@pytest.fixture
def make_app(fault_hub, tmp_path) -> Iterator[Callable[..., LiveServer]]:
    """More apps with other settings, each stopped after the test."""
    started: list[LiveServer] = []

    def factory(s3_url: str, **overrides) -> LiveServer:
        server = start_app(s3_url, tmp_path / f"app{len(started)}", fault_hub, **overrides)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


# A SeaweedFS a test may kill ---------------------------------------------------------------------


class KillableS3:
    """The suite's own SeaweedFS behind a fault proxy, with an app pointed at the proxy.

    SIGKILL leaves its data as a crash would; a restart comes back on new ports (`weed mini` picks
    them), and the proxy follows, so the app keeps one endpoint throughout."""

    def __init__(self, root: Path, hub: FakeHub):
        self.root, self.hub = root, hub
        self.server = EmbeddedS3(root / "weed", credentials=ADMIN)
        self.server.start()
        self.proxy = FaultProxy(_address(self.server.endpoint)).start()
        self.local = root / "pvc"
        self.local.mkdir()
        self.app = start_app(self.proxy.url, root / "app", hub, local_storage_paths=str(self.local))

    def direct(self):
        """boto3 straight to SeaweedFS, past the proxy: what is really stored."""
        return S3Server(self.server.endpoint, ADMIN).client()

    def kill(self) -> None:
        process = self.server.process
        assert process is not None and process.poll() is None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        self.server.stop()  # the process is gone: this only closes its log

    def restart(self) -> None:
        if self.server.process is None:
            self.server.start()
            self.proxy.target = _address(self.server.endpoint)

    def restart_app(self) -> LiveServer:
        """The app stopped and started again on the same data dir and settings, as a pod restarts."""
        config = self.app.config
        self.app.stop()
        self.app = LiveServer(config).start()
        self.app.services.transfers.options = fast_options()
        return self.app

    def close(self) -> None:
        self.app.stop()
        self.proxy.stop()
        self.server.stop()


@pytest.fixture(scope="module")
def killable(tmp_path_factory, fault_hub) -> Iterator[KillableS3]:
    rig = KillableS3(tmp_path_factory.mktemp("killable"), fault_hub)
    yield rig
    rig.close()


@pytest.fixture
def killable_bucket(killable) -> Iterator[str]:
    """A fresh bucket on the killable SeaweedFS, which is running again after the test."""
    name = f"kill-{uuid.uuid4().hex[:10]}"
    killable.direct().create_bucket(Bucket=name)
    yield name
    killable.restart()
    killable.proxy.reset()


# Checks ------------------------------------------------------------------------------------------


def sha256_of(s3, bucket: str, key: str) -> str:
    digest = hashlib.sha256()
    for chunk in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(MiB):
        digest.update(chunk)
    return digest.hexdigest()


def keys_in(s3, bucket: str, prefix: str = "") -> list[str]:
    out: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/")]
    return sorted(out)


def open_uploads(s3, bucket: str) -> list[dict]:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def run_job(client: httpx.Client, body: dict, timeout: float = 60) -> dict:
    r = client.post("/api/transfers", json=body)
    assert r.status_code == 201, r.text
    return wait_job(client, r.json()["id"], timeout)


def import_body(location_id: str, prefix: str, include: list[str] | None = None) -> dict:
    return hf_body(REPO, location_id, prefix, include=include or [BIG])


def copy_body(source: str, destination: str, keys: list[str], prefix: str = "") -> dict:
    return {
        "kind": "copy",
        "source": {"location_id": source, "keys": keys},
        "destination": {"location_id": destination, "prefix": prefix},
    }


# Browser-style uploads ---------------------------------------------------------------------------


def pattern(size: int, seed: str = "upload") -> Iterator[bytes]:
    """`size` bytes in 1 MiB chunks that differ from each other (no part is the copy of another)."""
    block = hashlib.sha256(seed.encode()).digest() * (MiB // 32)
    for n in range(0, size, MiB):
        yield (n.to_bytes(8, "big") + block[8:])[: min(MiB, size - n)]


def pattern_sha256(size: int, seed: str = "upload") -> str:
    digest = hashlib.sha256()
    for chunk in pattern(size, seed):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Upload:
    """A PUT …/object of a streamed body, in a thread, as a browser sends it."""

    thread: threading.Thread
    sent: threading.Event  # `mark` bytes have been handed to the connection
    response: httpx.Response | None = None
    error: Exception | None = None

    def wait(self, timeout: float) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the upload still hangs after {timeout} s"


def start_upload(app: LiveServer, bucket: str, key: str, size: int, mark: int = 0, pace: float = 0) -> Upload:
    sent = threading.Event()

    def body() -> Iterator[bytes]:
        done = 0
        for chunk in pattern(size):
            yield chunk
            done += len(chunk)
            if done >= mark:
                sent.set()
            if pace:
                time.sleep(pace)

    upload = Upload(threading.Thread(target=lambda: None), sent)

    def run() -> None:
        try:
            upload.response = httpx.put(
                f"{app.url}/api/locations/s3:{bucket}/object",
                params={"key": key},
                content=body(),
                headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
                timeout=60,
            )
        except httpx.HTTPError as exc:
            upload.error = exc

    upload.thread = threading.Thread(target=run, daemon=True)
    upload.thread.start()
    return upload
