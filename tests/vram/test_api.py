"""The /api/vram router mounted on a bare FastAPI app, with the app's error handlers and its
dependencies overridden (the Hub settings, and proxy/CA settings with nothing configured)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fakehub import FakeHub
from odh_tec.api.deps import get_hub_settings, get_runtime_settings
from odh_tec.api.vram import router
from odh_tec.config import Config, HFSettings, RuntimeSettings
from odh_tec.errors import install_error_handlers

from .helpers import TOKEN, config, finetune, inference


def _client(hub: FakeHub | None = None, token: str | None = None, endpoint: str = "http://127.0.0.1:9") -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, prefix="/api/vram")
    config = Config(_env_file=None, http_proxy="", https_proxy="", no_proxy="")
    app.dependency_overrides[get_runtime_settings] = lambda: RuntimeSettings.from_config(config)
    hub_settings = HFSettings(endpoint=hub.url if hub is not None else endpoint, token=token or "")
    app.dependency_overrides[get_hub_settings] = lambda: hub_settings
    return TestClient(app)


def test_estimate_inline_config() -> None:
    r = _client().post(
        "/api/vram/estimate", json=inference(config("llama-3.1-8b-instruct"), engine="vllm", context_length=8192)
    )
    assert r.status_code == 200
    body = r.json()
    assert body["kv_cache_tokens"] > 0 and body["fits"] and body["gpus_used"] == 1


def test_estimate_training_stack_and_reserved_memory() -> None:
    client = _client()
    req = finetune(config("llama-3.1-8b-instruct"), "qlora", weights="nf4", gradient_checkpointing=True)
    hf = client.post("/api/vram/estimate", json=req).json()
    req["workload"].update(framework="fsdp-qlora", offload_optimizer=True, loss="chunked")
    r = client.post("/api/vram/estimate", json=req)
    assert r.status_code == 200
    body = r.json()
    assert body["framework"] == "fsdp-qlora" and hf["framework"] == "hf-peft"
    assert body["per_gpu_gib"] < hf["per_gpu_gib"] and body["breakdown"]["optimizer"] == 0
    assert body["per_gpu_gib"] <= body["per_gpu_reserved_gib"] <= body["per_gpu_device_gib"]
    assert all(g["per_gpu_gib"] <= g["reserved_gib"] <= g["device_gib"] for g in body["per_gpu"])
    req["workload"]["framework"] = "unsloth"
    bad = client.post("/api/vram/estimate", json=req)
    assert bad.status_code == 422 and "framework" in bad.json()["message"]


def test_gpus_catalog() -> None:
    r = _client().get("/api/vram/gpus")
    assert r.status_code == 200
    names = {g["name"]: g["usable_gib"] for g in r.json()}
    assert names["H100-80GB"] == 79.19 and names["A100-40GB"] == 39.39
    assert {"A10G", "L4", "L40S", "A100-80GB", "H200", "B200", "MI300X", "RTX-4090", "RTX-3090"} <= set(names)


def test_unknown_gpu_is_400_and_invalid_request_422() -> None:
    client = _client()
    req = inference(config("llama-3.1-8b-instruct"), gpu="Z9000")
    r = client.post("/api/vram/estimate", json=req)
    assert r.status_code == 400 and "Z9000" in r.json()["message"]
    r = client.post(
        "/api/vram/estimate",
        json={
            "model": {"config": config("llama-3.1-8b-instruct")},
            "workload": {"task": "finetune"},
            "hardware": {"gpu": "L4"},
        },
    )
    assert r.status_code == 422 and r.json()["error"] == "InvalidRequest"
    r = client.post("/api/vram/estimate", json=[1, 2])
    assert r.status_code == 422


def test_model_summary_from_the_hub(hub: FakeHub) -> None:
    r = _client(hub).get("/api/vram/model", params={"repo_id": "acme/tiny-llama", "revision": "main"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["num_key_value_heads"] == 2 and body["attention"] == "GQA"
    assert body["weight_source"] == "headers" and body["weight_bytes"] == body["parameters"] * 2
    assert body["config"]["model_type"] == "llama"


def test_estimate_by_repo_id_uses_file_bytes(hub: FakeHub) -> None:
    req = {
        "model": {"repo_id": "acme/indexed"},
        "workload": {"task": "inference", "context_length": 128},
        "hardware": {"gpu": "L4"},
    }
    r = _client(hub).post("/api/vram/estimate", json=req)
    assert r.status_code == 200, r.text
    # index.json says 123,456,789 bytes, far from the config's size: the config is kept, with a warning
    assert r.json()["hub"]["weight_bytes"] == 123_456_789
    assert any("checkpoint files" in w for w in r.json()["warnings"])


@pytest.mark.parametrize(
    ("repo", "token", "status"), [("acme/missing", None, 404), ("acme/gated", None, 401), ("acme/gated", TOKEN, 200)]
)
def test_model_errors_map_to_status(hub: FakeHub, repo: str, token: str | None, status: int) -> None:
    r = _client(hub, token).get("/api/vram/model", params={"repo_id": repo})
    assert r.status_code == status, r.text
    if status == 404:
        assert r.json()["error"] == "RepoNotFound"


def test_unreachable_hub_is_502_naming_the_endpoint() -> None:
    r = _client(endpoint="http://127.0.0.1:9").get("/api/vram/model", params={"repo_id": "acme/tiny-llama"})
    assert r.status_code == 502 and "127.0.0.1:9" in r.json()["message"]
    assert r.json()["error"] == "HubUnreachable"  # the importer's code: one vocabulary
