"""Shared fixtures: a real SeaweedFS on free loopback ports, and the app served by a real Uvicorn."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest
import uvicorn
from botocore.config import Config as BotoConfig

import memguard
from loopwatch import LIVE_THREAD, SlowCallbacks, lighten_debug_stacks
from odh_tec.app import create_app
from odh_tec.cli import GRACE_SECONDS
from odh_tec.config import Config
from odh_tec.embedded_s3 import EmbeddedS3, S3Credentials
from odh_tec.observability.looplag import SLOW_CALLBACK_ENV, report_slow_callbacks

# The suite's process stays near 1.5 GB; past this, something runs away (tests/memguard.py).
MEMORY_LIMIT = 6 << 30
ADMIN = S3Credentials("testadmin", "testadmin-secret-key-0123456789")
# Restricted identities: read-only on everything, and read/write on one bucket without ListBuckets.
READONLY = S3Credentials("testreader", "testreader-secret-key-0123456789")
SCOPED = S3Credentials("testscoped", "testscoped-secret-key-0123456789")
SCOPED_BUCKET = "scoped-bucket"


def _identity(name: str, creds: S3Credentials, actions: list[str]) -> dict:
    return {
        "name": name,
        "credentials": [{"accessKey": creds.access_key_id, "secretKey": creds.secret_access_key}],
        "actions": actions,
    }


@dataclass
class S3Server:
    endpoint: str
    credentials: S3Credentials

    def client(self, creds: S3Credentials | None = None):
        creds = creds or self.credentials
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            config=BotoConfig(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    data = tmp_path_factory.mktemp("seaweedfs")
    server = EmbeddedS3(
        data,
        credentials=ADMIN,
        extra_identities=[
            _identity("reader", READONLY, ["Read", "List"]),
            _identity("scoped", SCOPED, [f"Read:{SCOPED_BUCKET}", f"Write:{SCOPED_BUCKET}", f"List:{SCOPED_BUCKET}"]),
        ],
    )
    server.start()
    yield S3Server(server.endpoint, ADMIN)
    server.stop()


@pytest.fixture(scope="session")
def s3(s3_server):
    return s3_server.client()


def empty_and_delete_bucket(client, name: str) -> None:
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=name):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    for upload in client.list_multipart_uploads(Bucket=name).get("Uploads", []):
        client.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def bucket(s3) -> Iterator[str]:
    """A fresh, empty bucket for one test."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    try:
        empty_and_delete_bucket(s3, name)
    except s3.exceptions.NoSuchBucket:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every app a test starts runs its loop in asyncio's debug mode and fails the running test when one
# callback blocked it longer than --slow-callback-ms (tests/loopwatch.py); 0 turns it off. Outside pytest
# (tests/browser/screenshots.py) it stays off.
SLOW_CALLBACKS: SlowCallbacks | None = None


class _DebugLoopServer(uvicorn.Server):
    loop_debug = True

    async def serve(self, sockets=None) -> None:
        self.loop = asyncio.get_running_loop()
        watch = SLOW_CALLBACKS
        if watch is None or not self.loop_debug:
            await super().serve(sockets)
            return
        report_slow_callbacks(self.loop, watch.threshold)
        watch.watch()
        try:
            await super().serve(sockets)
        finally:
            watch.unwatch()


class LiveServer:
    """The real app under Uvicorn in a background thread (real sockets: disconnects, SSE, browsers)."""

    def __init__(self, config: Config, *, loop_debug: bool = True):
        """`loop_debug=False`: no slow-callback detection, for tests that time requests (asyncio's debug
        mode makes each one about 2.5 times slower)."""
        self.config = config
        self.app = create_app(config)
        self.port = free_port()
        self.server = _DebugLoopServer(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="on",
                proxy_headers=False,
                # As `odh-tec serve` has it: an event stream a browser keeps open does not hold the stop.
                timeout_graceful_shutdown=GRACE_SECONDS,
            )
        )
        self.server.loop_debug = loop_debug
        self.thread = threading.Thread(target=self.server.run, name=f"{LIVE_THREAD}-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.config.nb_prefix}"

    @property
    def services(self):
        return self.app.state.services

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        if self.thread.is_alive():
            # Said, not raised: a test that starts the next app on the same data directory would overlap
            # this one's shutdown, and the run's summary should show where.
            warnings.warn(f"the app on port {self.port} was still stopping after 15 s", stacklevel=2)

    def client(self, **kwargs) -> httpx.Client:
        kwargs.setdefault("timeout", 60)
        return httpx.Client(base_url=self.url, **kwargs)

    def call(self, fn, *args):
        """`fn(*args)` run on the app's event loop, for a test that reaches into the app's objects (they
        are not thread-safe: asyncio's debug mode refuses loop calls from the test's thread)."""

        async def on_loop():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(on_loop(), self.server.loop).result(30)


def make_config(s3_server: S3Server, tmp: Path, *, creds: S3Credentials | None = None, **overrides) -> Config:
    creds = creds or s3_server.credentials
    values = {
        "aws_s3_endpoint": s3_server.endpoint,
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_default_region": "us-east-1",
        "odh_tec_data_dir": str(tmp / "data"),
        "odh_tec_embedded_s3": False,
        "hf_endpoint": "http://127.0.0.1:9",  # tests that need a Hub start the fake one
        "http_proxy": "",
        "https_proxy": "",
        "no_proxy": "",
        "hf_token": "",
        "aws_s3_bucket": "",
    }
    values.update(overrides)
    return Config(_env_file=None, **values)


@pytest.fixture(scope="session")
def local_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pvc")


@pytest.fixture(scope="session")
def live(s3_server, tmp_path_factory, local_root) -> Iterator[LiveServer]:
    """The app with admin keys and one local folder, shared by the tests of a session."""
    config = make_config(s3_server, tmp_path_factory.mktemp("app"), local_storage_paths=str(local_root))
    server = LiveServer(config).start()
    yield server
    server.stop()


@pytest.fixture
def api(live) -> Iterator[httpx.Client]:
    with live.client() as client:
        yield client


@pytest.fixture
def make_live(s3_server, tmp_path):
    """Start extra app instances with other settings (restricted keys, NB_PREFIX, …)."""
    started: list[LiveServer] = []

    def factory(**overrides) -> LiveServer:
        server = LiveServer(make_config(s3_server, tmp_path / f"app{len(started)}", **overrides)).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


def run(coro):
    return asyncio.run(coro)


def pytest_addoption(parser):
    parser.addoption(
        "--slow-callback-ms",
        type=float,
        default=float(os.environ.get(SLOW_CALLBACK_ENV) or 100),
        help="fail a test when an app's event loop ran one callback longer than this (0: off; asyncio debug mode)",
    )


def pytest_configure(config):
    global SLOW_CALLBACKS
    memguard.guard(MEMORY_LIMIT)
    ms = config.getoption("--slow-callback-ms")
    if ms > 0:
        SLOW_CALLBACKS = SlowCallbacks(ms / 1000)
        lighten_debug_stacks()
        logging.getLogger("asyncio").addHandler(SLOW_CALLBACKS)


@pytest.fixture
def slow_callbacks() -> SlowCallbacks:
    """What the apps' loops logged as slow (a test that blocks a loop on purpose takes its lines)."""
    if SLOW_CALLBACKS is None:
        pytest.skip("slow-callback detection is off (--slow-callback-ms 0)")
    return SLOW_CALLBACKS


@pytest.fixture(autouse=True)
def _no_slow_callbacks() -> Iterator[None]:
    """Fails the test during which (or during whose fixtures' setup) an app's loop was blocked."""
    yield
    if SLOW_CALLBACKS is not None and (found := SLOW_CALLBACKS.unreported()):
        pytest.fail(SLOW_CALLBACKS.describe(found), pytrace=False)


def pytest_sessionfinish(session):
    """Blocks after the last test (session fixtures stopping their apps) fail the run."""
    if SLOW_CALLBACKS is not None and (found := SLOW_CALLBACKS.unreported()):
        print("\n" + SLOW_CALLBACKS.describe(found))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if SLOW_CALLBACKS is not None and SLOW_CALLBACKS.starved:
        terminalreporter.write_line(
            f"{len(SLOW_CALLBACKS.starved)} slow callbacks spent under half of "
            f"{SLOW_CALLBACKS.threshold * 1000:.0f} ms on the CPU (a busy machine, not counted): "
            + "; ".join(line.rsplit(" took ", 1)[-1] for line in SLOW_CALLBACKS.starved)
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, and tests that call asyncio.run() cannot run after it starts."""
    in_browser = [item for item in items if "/tests/browser/" in str(item.fspath).replace("\\", "/")]
    browser_ids = {id(item) for item in in_browser}
    others = [item for item in items if id(item) not in browser_ids]
    items[:] = others + in_browser


# A second S3 (named connections, issue 13) ---------------------------------------------------------

OTHER_ADMIN = S3Credentials("otheradmin", "otheradmin-secret-key-9876543210")


@pytest.fixture(scope="module")
def other_s3_server(tmp_path_factory) -> Iterator[S3Server]:
    """Another SeaweedFS, with keys of its own: a second S3 connection's endpoint. Module-scoped: only
    the modules that need two servers start it."""
    server = EmbeddedS3(tmp_path_factory.mktemp("seaweedfs-other"), credentials=OTHER_ADMIN)
    server.start()
    yield S3Server(server.endpoint, OTHER_ADMIN)
    server.stop()


@pytest.fixture(scope="module")
def other_s3(other_s3_server):
    return other_s3_server.client()
