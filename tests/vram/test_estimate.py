"""Request -> response contract, layout search and validation."""

from __future__ import annotations

import json

import pytest

from odh_tec.vram.estimate import estimate
from odh_tec.vram.workload import RequestError

from .helpers import SHARED_VRAM, config, finetune, inference

REQUIRED = ("per_gpu_gib", "total_gib", "per_gpu_device_gib", "gpus_used", "gpus_needed", "fits", "breakdown")


def _check_contract(result: dict) -> None:
    for key in REQUIRED:
        assert key in result, key
    bd = result["breakdown"]
    for key in ("weights", "kv_cache", "activations"):
        assert key in bd
    summed = sum(v for k, v in bd.items() if k not in ("cuda_context", "cuda_graphs"))
    assert summed == pytest.approx(result["per_gpu_gib"], rel=0.01, abs=0.01)
    assert result["per_gpu_device_gib"] >= result["per_gpu_gib"]
    assert set(result["explanations"]) >= {"weights", "kv_cache", "activations"}
    json.dumps(result)  # serializable


@pytest.mark.parametrize(
    "request_",
    [
        inference(config("llama-3.1-8b-instruct"), prompt_tokens=1000, new_tokens=200, batch_size=4),
        inference(config("llama-3.1-8b-instruct"), engine="vllm", context_length=8192),
        inference(config("llama-2-7b-hf"), engine="llamacpp", weights="gguf-q4_k_m", gpu="RTX-4090"),
        finetune(config("mistral-7b-v0.1"), "qlora", weights="nf4", gradient_checkpointing=True),
        finetune(
            config("mixtral-8x7b-instruct-v0.1"),
            "lora",
            weights="bf16",
            count=None,
            sharding="zero3",
            gradient_checkpointing=True,
        ),
    ],
)
def test_response_follows_the_contract(request_: dict) -> None:
    _check_contract(estimate(request_))


def test_vllm_response_reports_budget_tokens_and_concurrency() -> None:
    r = estimate(
        inference(config("llama-3.1-8b-instruct"), engine="vllm", context_length=8192, gpu_memory_utilization=0.95)
    )
    assert r["per_gpu_gib"] == pytest.approx(0.95 * 79.19, abs=0.01)
    assert r["kv_cache_tokens"] > 400_000 and r["max_concurrency"] == pytest.approx(
        r["kv_cache_tokens"] / 8192, abs=0.01
    )
    assert r["starts"] and r["fits"] and "concurrent" in r["verdict"]


def test_auto_count_vllm_picks_smallest_valid_tensor_parallel() -> None:
    r = estimate(
        inference(
            config("qwen2.5-72b-instruct"), engine="vllm", count=None, context_length=32768, gpu_memory_utilization=0.9
        )
    )
    assert r["gpus_needed"] == 4 and r["layout"]["tensor_parallel"] == 4 and r["fits"]
    two = estimate(
        inference(
            config("qwen2.5-72b-instruct"), engine="vllm", count=2, context_length=32768, gpu_memory_utilization=0.9
        )
    )
    assert not two["fits"] and not two["starts"]


def test_auto_count_transformers_splits_layers() -> None:
    r = estimate(
        inference(config("qwen2.5-72b-instruct"), count=None, gpu="A100-80GB", prompt_tokens=2000, new_tokens=200)
    )
    assert r["gpus_needed"] == 2 and r["gpus_used"] == 2 and r["fits"]
    assert r["total_gib"] > 135  # both GPUs' shares of the 135 GiB of weights
    assert len(r["per_gpu"]) == 2


def test_finetune_without_sharding_does_not_scale_out() -> None:
    r = estimate(
        finetune(
            config("llama-2-7b-hf"), "full", weights="fp32", count=None, gpu="A100-40GB", gradient_checkpointing=True
        )
    )
    assert r["gpus_needed"] == 1 and not r["fits"]
    assert any("zero3" in w for w in r["warnings"])
    sharded = estimate(
        finetune(
            config("llama-2-7b-hf"),
            "full",
            weights="fp32",
            count=None,
            gpu="A100-40GB",
            gradient_checkpointing=True,
            sharding="zero3",
        )
    )
    assert sharded["fits"] and sharded["gpus_needed"] > 1
    assert sharded["layout"]["sharding"] == "zero3"


def test_margin_is_respected_by_the_search() -> None:
    tight = estimate(
        inference(
            config("llama-3.1-8b-instruct"), gpu="L4", count=None, prompt_tokens=8000, new_tokens=100, batch_size=2
        )
    )
    assert tight["spare_gib"] >= 0.05 * 22.05 - 1e-6 or tight["gpus_needed"] > 1


def test_custom_gpu_memory() -> None:
    r = estimate({**inference(config("llama-3.1-8b-instruct")), "hardware": {"memory_gib": 100, "count": 1}})
    assert r["usable_gib"] == 100 and r["fits"]


def test_weight_bytes_from_files_override_the_architecture() -> None:
    req = inference(config("llama-3.1-8b-instruct"))
    base = estimate(req)
    bigger = estimate(req, weight_file_bytes=1.1 * 8_030_261_248 * 2)
    assert bigger["breakdown"]["weights"] == pytest.approx(1.1 * base["breakdown"]["weights"], rel=1e-3)


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda r: r["hardware"].update(gpu="Z9000"), "unknown_gpu"),
        (lambda r: r["workload"].update(task="dance"), "invalid_request"),
        (lambda r: r["workload"].update(engine="llamacpp", weights="bf16"), "invalid_combination"),
        (lambda r: r["workload"].update(task="finetune", method="qlora", weights="bf16"), "invalid_combination"),
        (lambda r: r["workload"].update(task="finetune", method="full", weights="nf4"), "invalid_combination"),
        (lambda r: r["workload"].update(engine="vllm", kv_cache_dtype="q4_0"), "invalid_combination"),
        (
            lambda r: r["hardware"].update(count=3, tensor_parallel=3) or r["workload"].update(engine="vllm"),
            "invalid_layout",
        ),
        (lambda r: r["workload"].update(weights="int3"), "invalid_weights"),
        (lambda r: r["model"].update(config={"model_type": "llama"}), "invalid_model"),
        (lambda r: r["workload"].update(gpu_memory_utilization=1.5), "invalid_request"),
    ],
)
def test_invalid_requests(mutate, code: str) -> None:
    req = inference(config("llama-3.1-8b-instruct"))
    mutate(req)
    with pytest.raises(RequestError) as exc:
        estimate(req)
    assert exc.value.code == code


def test_unknown_fields_are_warnings_not_errors() -> None:
    req = inference(config("llama-3.1-8b-instruct"), frobnicate=1)
    req["extra"] = True
    r = estimate(req)
    assert any("frobnicate" in w for w in r["warnings"]) and any("extra" in w for w in r["warnings"])


def test_reference_set_accuracy_when_shared_data_is_present() -> None:
    path = SHARED_VRAM / "reference.jsonl"
    if not path.exists():
        pytest.skip("shared reference set not available")
    errors = []
    for line in path.read_text().splitlines():
        case = json.loads(line)
        value: object = estimate(case["request"])
        for part in case["expected"]["field"].split("."):
            value = value[part]  # type: ignore[index]
        errors.append(abs(float(value) - case["expected"]["value"]) / case["expected"]["value"])
    assert sum(errors) / len(errors) <= 0.10
    assert max(errors) < 0.30


def test_vllm_count_beyond_tensor_parallel_is_data_parallel() -> None:
    req = inference(config("llama-3.1-8b-instruct"), engine="vllm", context_length=8192)
    one = estimate(req)
    req["hardware"].update(count=2, tensor_parallel=1)
    two = estimate(req)
    assert two["gpus_used"] == 2 and two["layout"]["data_parallel"] == 2
    assert two["kv_cache_tokens"] == one["kv_cache_tokens"]  # per replica
    assert two["total_gib"] == pytest.approx(2 * one["total_gib"], abs=0.01)
