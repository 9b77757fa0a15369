"""Fixtures for the transfer tests: one fake Hub for the session, the shared live app pointed at it
with fast retry settings, and helpers to start jobs and wait for them."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import httpx
import pytest

from fakehub import FakeHub, layouts
from odh_tec.hf.download import DownloadPolicy
from odh_tec.transfers.engine import EngineOptions
from odh_tec.transfers.hf_import import HubOptions
from served import hub_endpoint

TOKEN = "hf_valid_token_alice"
OTHER_TOKEN = "hf_valid_token_bob"
FINISHED = ("completed", "failed", "cancelled")


def fast_options() -> EngineOptions:
    """Short delays and timeouts so fault tests take seconds, not minutes."""
    return EngineOptions(
        file_attempts=3,
        retry_base_delay=0.05,
        retry_max_delay=0.2,
        hub=HubOptions(connect_timeout=3, read_timeout=1.5, metadata_attempts=3, base_delay=0.05),
        download=DownloadPolicy(resume_attempts=3, base_delay=0.05, max_rate_limit_wait=10),
        event_interval=0.5,
        keepalive_seconds=10,
        cancel_wait=5,
    )


@pytest.fixture(scope="session")
def hub() -> Iterator[FakeHub]:
    with FakeHub(page_size=3) as fake:
        fake.add_token(TOKEN, "alice")
        fake.add_token(OTHER_TOKEN, "bob")
        layouts.tiny_gpt2(fake)
        layouts.tiny_llama(fake)
        layouts.sharded_bert(fake)
        layouts.sharded_subfolder(fake)
        layouts.gguf_quants(fake)
        gated = layouts.gated_llama(fake)
        gated.approved.add(TOKEN)
        layouts.imdb_dataset(fake)
        layouts.odd_names(fake)
        private = fake.add_repo(
            "acme/private-model",
            {"config.json": '{"private": true}', "model.safetensors": b"secret" * 1000},
            private=True,
        )
        private.readers.add(TOKEN)
        yield fake


@pytest.fixture(autouse=True)
def _clean_hub(request) -> Iterator[None]:
    if "hub" in request.fixturenames:
        request.getfixturevalue("hub").reset()
    yield
    if "hub" in request.fixturenames:
        request.getfixturevalue("hub").reset()


@pytest.fixture
def engine_options(live) -> Iterator[EngineOptions]:
    """The live engine's options, fast; restored afterwards (the app is shared by the session)."""
    engine = live.services.transfers
    saved = engine.options
    engine.options = fast_options()
    yield engine.options
    engine.options = saved
    engine.events.interval = saved.event_interval


@pytest.fixture
def hf_live(live, hub, engine_options):
    """The shared app, its Hub endpoint pointed at the fake (as the Settings page would do)."""
    services = live.services
    saved_limit = services.settings.transfers.max_concurrent_transfers
    with hub_endpoint(live, hub.url):
        yield live
    services.settings.transfers = dataclasses.replace(services.settings.transfers, max_concurrent_transfers=saved_limit)
    live.call(services.transfers.set_concurrency, saved_limit)


@pytest.fixture
def hf_api(hf_live) -> Iterator[httpx.Client]:
    with hf_live.client() as client:
        yield client


def hf_body(repo_id: str, location_id: str, prefix: str = "models/", **source) -> dict:
    return {
        "kind": "huggingface",
        "source": {
            "repo_id": repo_id,
            "repo_type": source.pop("repo_type", "model"),
            "revision": source.pop("revision", "main"),
            **source,
        },
        "destination": {"location_id": location_id, "prefix": prefix},
    }


def wait_job(client: httpx.Client, job_id: str, timeout: float = 60, states=FINISHED) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/transfers/{job_id}").json()
        if job["state"] in states:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['state']} after {timeout}s: {job['totals']}")
        time.sleep(0.05)


def run_import(
    client: httpx.Client, repo_id: str, location_id: str, prefix: str = "models/", timeout: float = 60, **source
) -> dict:
    r = client.post("/api/transfers", json=hf_body(repo_id, location_id, prefix, **source))
    assert r.status_code == 201, r.text
    return wait_job(client, r.json()["id"], timeout)


def s3_keys(s3, bucket: str, prefix: str = "") -> list[str]:
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return sorted(out)


def open_uploads(s3, bucket: str) -> list[dict]:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def notebook_env(monkeypatch, s3_server, local_root, tmp_path, **extra: str) -> dict[str, str]:
    """The environment a notebook would have for the CLI: S3 settings, one local folder, no proxy,
    plus `extra` (the Hub's settings); set with `monkeypatch`, returned for subprocesses."""
    env = {
        "AWS_S3_ENDPOINT": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": s3_server.credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": s3_server.credentials.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "LOCAL_STORAGE_PATHS": str(local_root),
        "ODH_TEC_DATA_DIR": str(tmp_path / "data"),
        "ODH_TEC_EMBEDDED_S3": "false",
        "HTTP_PROXY": "",
        "HTTPS_PROXY": "",
        "NO_PROXY": "",
        **extra,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
