"""Request -> response (docs/vram.md). Pure: the caller resolves `repo_id` into a config first."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

from odh_tec.vram.architecture import GIB, ConfigError, ModelArch, parse_config
from odh_tec.vram.breakdown import Breakdown
from odh_tec.vram.gpus import Gpu, custom_gpu, find_gpu
from odh_tec.vram.inference import (
    InferenceResult,
    llamacpp_inference,
    transformers_inference,
    valid_tensor_parallel,
    vllm_inference,
)
from odh_tec.vram.layout import Layout, sharded_training_layouts, split_layouts, vllm_layouts
from odh_tec.vram.limits import MAX_WEIGHT_BYTES, LimitExceeded, check_number
from odh_tec.vram.training import TrainingResult, finetune
from odh_tec.vram.weights import FLOAT_WEIGHTS, WeightFormat, parse_weights, weight_bytes
from odh_tec.vram.workload import Hardware, RequestError, Workload, parse_hardware, parse_workload

DEFAULT_MARGIN = 0.05  # auto GPU count keeps 5 % of the usable memory free
_TOP_LEVEL = {"model", "workload", "hardware"}

Result = InferenceResult | TrainingResult


def estimate(request: dict[str, Any], *, weight_file_bytes: float | None = None) -> dict[str, Any]:
    """Estimate GPU memory for one request. `weight_file_bytes` (from the Hub's safetensors
    metadata) replaces the architecture-derived weight size when the weights are used as stored."""
    if not isinstance(request, dict):
        raise RequestError("the request must be a JSON object")
    warnings = [f"unknown request field ignored: {key}" for key in request if key not in _TOP_LEVEL]
    model = request.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("config"), dict):
        raise RequestError(
            "model.config (the contents of config.json) is required; resolve model.repo_id first", "invalid_model"
        )
    try:
        arch = parse_config(model["config"])
    except ConfigError as exc:
        raise RequestError(str(exc), "invalid_model") from exc
    if weight_file_bytes is None and model.get("weight_bytes") is not None:
        try:
            weight_file_bytes = float(check_number("model.weight_bytes", model["weight_bytes"], MAX_WEIGHT_BYTES))
        except LimitExceeded as exc:
            raise RequestError(str(exc)) from exc

    wl = parse_workload(request.get("workload"))
    hw, hw_warnings = parse_hardware(request.get("hardware"))
    warnings += wl.warnings + hw_warnings
    gpu = _resolve_gpu(hw)

    fmt, compute = _resolve_precision(arch, wl)
    _validate(arch, wl, fmt, hw)
    margin = hw.margin_gib if hw.margin_gib is not None else 0.0
    scale = _file_scale(arch, fmt, weight_file_bytes, warnings)
    if scale != 1.0:
        arch = replace(arch, weight_scale=scale)

    def evaluate(layout: Layout) -> Result:
        return _run(arch, fmt, wl, compute, gpu, layout)

    hint = ""
    if hw.count is None:
        margin = _search_margin(wl, gpu, hw.margin_gib)
        layout, result, found = _search(arch, wl, gpu, evaluate, margin)
        gpus_needed = layout.gpus
        if not found:
            if wl.task == "finetune" and wl.sharding == "none":
                warnings.append(_no_fit_hint(wl, gpu))
            else:
                hint = _no_fit_reasons(arch, fmt, wl, gpu, layout, result)
    else:
        layout = _given_layout(arch, wl, hw)
        result = evaluate(layout)
        gpus_needed = layout.gpus
        if not _fits(result, gpu, margin):
            hint = _count_hint(arch, fmt, wl, gpu, evaluate, _search_margin(wl, gpu, hw.margin_gib))
    return _response(arch, wl, fmt, compute, gpu, layout, result, gpus_needed, margin, warnings, hint)


# ---- resolution and validation -------------------------------------------------------------------


def _resolve_gpu(hw: Hardware) -> Gpu:
    if hw.memory_gib is not None:
        base = find_gpu(hw.gpu) if hw.gpu else None
        gpu = custom_gpu(hw.memory_gib, hw.gpu or "custom")
        if base is not None:
            gpu = Gpu(
                base.name,
                hw.memory_gib,
                base.nominal_gb,
                base.vendor,
                "hardware.memory_gib",
                base.aliases,
                base.is_a100,
            )
        return gpu
    if not hw.gpu:
        raise RequestError("hardware.gpu (a catalog name) or hardware.memory_gib is required", "unknown_gpu")
    found = find_gpu(hw.gpu)
    if found is None:
        raise RequestError(
            f"unknown GPU {hw.gpu!r}; see `odh-tec vram gpus` or give hardware.memory_gib", "unknown_gpu"
        )
    return found


def _resolve_precision(arch: ModelArch, wl: Workload) -> tuple[WeightFormat, str]:
    requested = wl.weights
    if wl.engine == "llamacpp" and wl.task == "inference" and requested == "auto":
        raise RequestError(
            "engine llamacpp needs GGUF weights: weights = gguf-<type> (e.g. gguf-q4_k_m)", "invalid_combination"
        )
    resolved = (
        arch.quantization.weights
        if (requested == "auto" and arch.quantization)
        else (arch.torch_dtype if requested == "auto" else requested)
    )
    # fp32 weights default to fp32 compute, except full fine-tuning, which the contract defines
    # as mixed precision (fp32 master weights, bf16 autocast)
    if wl.compute_dtype:
        compute = wl.compute_dtype
    elif resolved == "fp32" and not (wl.task == "finetune" and wl.method == "full"):
        compute = "fp32"
    else:
        compute = "bf16"
    try:
        fmt = parse_weights(requested, arch, compute)
    except ValueError as exc:
        raise RequestError(str(exc), "invalid_weights") from exc
    return fmt, compute


def _validate(arch: ModelArch, wl: Workload, fmt: WeightFormat, hw: Hardware) -> None:
    if wl.task == "inference":
        if wl.engine == "llamacpp" and not fmt.is_gguf:
            raise RequestError(
                f"engine llamacpp runs GGUF files; weights {fmt.name} is not gguf-<type>", "invalid_combination"
            )
        if wl.engine != "llamacpp" and fmt.is_gguf:
            raise RequestError(f"GGUF weights run on engine llamacpp, not {wl.engine}", "invalid_combination")
        if wl.kv_cache_dtype in ("q8_0", "q4_0") and wl.engine != "llamacpp":
            raise RequestError("kv_cache_dtype q8_0/q4_0 exists only in llama.cpp", "invalid_combination")
        if hw.tensor_parallel and wl.engine == "vllm" and not valid_tensor_parallel(arch, hw.tensor_parallel):
            raise RequestError(
                f"tensor_parallel {hw.tensor_parallel} does not divide {arch.num_heads} attention heads "
                f"and {arch.num_kv_heads} KV heads",
                "invalid_layout",
            )
        return
    if fmt.is_gguf:
        raise RequestError("fine-tuning needs safetensors weights, not GGUF", "invalid_combination")
    if wl.method == "qlora" and fmt.name in FLOAT_WEIGHTS:
        raise RequestError(
            f"method qlora needs quantized weights (nf4, nf4-dq, fp4, gptq-int4...), got {fmt.name}",
            "invalid_combination",
        )
    if wl.method == "full" and fmt.name not in FLOAT_WEIGHTS:
        raise RequestError(
            f"full fine-tuning updates every weight; it cannot train {fmt.name} weights (use lora/qlora)",
            "invalid_combination",
        )
    if wl.method == "lora" and not fmt.is_float:
        wl.method = "qlora"
        wl.warnings.append(f"LoRA on {fmt.name} weights is QLoRA; estimated as qlora")


def _file_scale(arch: ModelArch, fmt: WeightFormat, file_bytes: float | None, warnings: list[str]) -> float:
    """Ratio of the checkpoint's real bytes to the architecture's, when they describe the same
    format: it corrects param counts (vision towers, extra heads) without touching the layout."""
    if not file_bytes:
        return 1.0
    stored = parse_weights("auto", arch, "bf16")
    computed_stored = weight_bytes(arch, stored).total
    if computed_stored <= 0:
        return 1.0
    ratio = file_bytes / computed_stored
    if not 0.5 <= ratio <= 2.0:
        warnings.append(
            f"checkpoint files hold {file_bytes / GIB:.2f} GiB but the config implies {computed_stored / GIB:.2f} "
            "GiB; using the config"
        )
        return 1.0
    return ratio


def _given_layout(arch: ModelArch, wl: Workload, hw: Hardware) -> Layout:
    count = hw.count or 1
    if wl.task == "inference" and wl.engine == "vllm":
        tp = hw.tensor_parallel or count
        if not valid_tensor_parallel(arch, tp):
            raise RequestError(
                f"tensor_parallel {tp} does not divide {arch.num_heads} attention heads "
                f"and {arch.num_kv_heads} KV heads; set hardware.tensor_parallel or count to a valid value",
                "invalid_layout",
            )
        pp = hw.pipeline_parallel or 1
        if count % (tp * pp):
            raise RequestError(
                f"count {count} is not a multiple of tensor_parallel x pipeline_parallel = {tp * pp}", "invalid_layout"
            )
        return Layout(count, tp, pp)  # count > tp x pp: data-parallel replicas
    return Layout(count)


def _run(arch: ModelArch, fmt: WeightFormat, wl: Workload, compute: str, gpu: Gpu, layout: Layout) -> Result:
    if wl.task == "finetune":
        return finetune(arch, fmt, wl, compute, layout.gpus)
    if wl.engine == "vllm":
        result = vllm_inference(arch, fmt, wl, compute, gpu, layout.tensor_parallel, layout.pipeline_parallel)
        replicas = layout.gpus // (layout.tensor_parallel * layout.pipeline_parallel)
        if replicas > 1:
            one = list(result.per_gpu)
            result.per_gpu = [Breakdown(dict(bd.terms), dict(bd.why)) for _ in range(replicas) for bd in one]
            result.layout = {**result.layout, "data_parallel": replicas, "gpus": layout.gpus}
            result.assumptions.append(f"{replicas} data-parallel replicas; kv_cache_tokens is per replica")
        return result
    if wl.engine == "llamacpp":
        try:
            return llamacpp_inference(arch, fmt, wl, compute, layout.gpus)
        except ValueError as exc:
            raise RequestError(str(exc), "invalid_combination") from exc
    return transformers_inference(arch, fmt, wl, compute, layout.gpus)


def _fits(result: Result, gpu: Gpu, margin_gib: float) -> bool:
    usable = gpu.usable_gib * GIB - margin_gib * GIB
    if isinstance(result, InferenceResult) and not result.starts:
        return False
    return max(bd.device_bytes for bd in result.per_gpu) <= usable


def _search_margin(wl: Workload, gpu: Gpu, requested: float | None) -> float:
    """GiB kept free when searching the GPU count: the caller's, else 5 % of the GPU (vLLM
    already leaves 1 - gpu_memory_utilization free, so none there)."""
    if requested is not None:
        return requested
    if wl.task == "inference" and wl.engine == "vllm":
        return 0.0
    return round(DEFAULT_MARGIN * gpu.usable_gib, 2)


def _search(arch: ModelArch, wl: Workload, gpu: Gpu, evaluate, margin_gib: float) -> tuple[Layout, Result, bool]:
    if wl.task == "finetune":
        candidates = sharded_training_layouts() if wl.sharding != "none" else [Layout(1)]
    elif wl.engine == "vllm":
        candidates = vllm_layouts(arch)
    else:
        candidates = split_layouts()
    last: tuple[Layout, Result] | None = None
    for layout in candidates:
        result = evaluate(layout)
        last = (layout, result)
        if _fits(result, gpu, margin_gib):
            return layout, result, True
    assert last is not None
    return last[0], last[1], False


def _no_fit_hint(wl: Workload, gpu: Gpu) -> str:
    if wl.task == "finetune" and wl.sharding == "none":
        return (
            f"does not fit one {gpu.name}; extra GPUs do not help without sharding: try sharding zero3 (or fsdp), "
            "qlora or gradient checkpointing"
        )
    return f"no layout up to the search limit fits {gpu.name}"


# ---- wording: how many GPUs would do (never changes the numbers of the estimate) -----------------


def _gpu_budget_gib(wl: Workload, gpu: Gpu) -> float:
    """What one GPU offers the weights: vLLM's share of it, else all of it."""
    if wl.task == "inference" and wl.engine == "vllm":
        return wl.gpu_memory_utilization * gpu.usable_gib
    return gpu.usable_gib


def _weights_bound(arch: ModelArch, fmt: WeightFormat, wl: Workload, gpu: Gpu) -> str:
    """'at least N GPUs for the weights alone', when the weights are more than one GPU holds."""
    if wl.task == "finetune" and wl.sharding == "none":
        return ""
    weights = weight_bytes(arch, fmt).total / GIB
    budget = _gpu_budget_gib(wl, gpu)
    if budget <= 0 or weights <= budget:
        return ""
    return f"the weights alone ({weights:.1f} GiB) need at least {math.ceil(weights / budget)} × {gpu.name}"


def _vllm_overhead(wl: Workload, gpu: Gpu, result: Result) -> str:
    """Why a vLLM layout that starts still does not fit: its share of the GPU plus what it needs outside."""
    if not (wl.task == "inference" and wl.engine == "vllm" and getattr(result, "starts", False)):
        return ""
    usable = gpu.usable_gib
    device = max(bd.device_bytes for bd in result.per_gpu) / GIB
    outside = device - wl.gpu_memory_utilization * usable
    at_most = math.floor((usable - outside) / usable * 100) / 100
    if outside <= 0 or device <= usable or at_most <= 0:
        return ""
    return (
        f"vLLM claims {wl.gpu_memory_utilization:.0%} of each GPU and needs {outside:.1f} GiB more for the CUDA "
        f"context, NCCL and CUDA graphs: a gpu_memory_utilization of at most {at_most:g} leaves room for them"
    )


def _no_fit_reasons(arch: ModelArch, fmt: WeightFormat, wl: Workload, gpu: Gpu, layout: Layout, result: Result) -> str:
    """After a search that found nothing: the bound from the weights and what else stands in the way."""
    parts = [
        _weights_bound(arch, fmt, wl, gpu),
        f"no layout up to {layout.gpus} × {gpu.name} fits",
        _vllm_overhead(wl, gpu, result),
    ]
    return "; ".join(p for p in parts if p)


def _count_hint(arch: ModelArch, fmt: WeightFormat, wl: Workload, gpu: Gpu, evaluate, margin: float) -> str:
    """For a given GPU count that does not fit: the smallest count that would (the auto search), or
    why none up to the search limit does."""
    if wl.task == "finetune" and wl.sharding == "none":
        return "more GPUs do not help without sharding: try sharding zero3, qlora or gradient checkpointing"
    layout, last, found = _search(arch, wl, gpu, evaluate, margin)
    if found:
        how = ""
        if wl.task == "inference" and wl.engine == "vllm" and layout.pipeline_parallel > 1:
            how = f" (tensor parallel {layout.tensor_parallel} × pipeline parallel {layout.pipeline_parallel})"
        return f"{layout.gpus} × {gpu.name} would fit{how}"
    return _no_fit_reasons(arch, fmt, wl, gpu, layout, last)


# ---- response ------------------------------------------------------------------------------------


def _round(value: float, nd: int = 3) -> float:
    return round(value, nd)


def _response(
    arch, wl, fmt, compute, gpu, layout, result: Result, gpus_needed, margin_gib, warnings, hint: str = ""
) -> dict[str, Any]:
    per_gpu = result.per_gpu
    peaks = [bd.peak_bytes for bd in per_gpu]
    devices = [bd.device_bytes for bd in per_gpu]
    worst = max(range(len(per_gpu)), key=lambda i: devices[i])
    bd: Breakdown = per_gpu[worst]
    usable = gpu.usable_gib
    per_gpu_gib = peaks[worst] / GIB
    device_gib = devices[worst] / GIB
    fits = _fits(result, gpu, margin_gib)
    spare = usable - device_gib
    reserve = (bd.terms.get("allocator_reserve", 0.0) + bd.terms.get("allocator_slack", 0.0)) / GIB
    reserved_gib = bd.reserved_bytes / GIB

    if wl.task == "inference" and wl.engine == "vllm":
        binding = result.binding
    elif fits:
        binding = f"memory on GPU {worst}: {device_gib:.1f} of {usable:g} GiB ({result.binding})"
    else:
        binding = f"needs {device_gib:.1f} GiB per GPU, {gpu.name} has {usable:g} GiB ({result.binding})"
    n = len(per_gpu)
    vllm = wl.task == "inference" and wl.engine == "vllm"
    weights_gib = bd.terms.get("weights", 0.0) / GIB
    if fits:
        verdict = f"Fits on {n} × {gpu.name} with {spare:.1f} GiB to spare"
    elif wl.task == "inference" and weights_gib > _gpu_budget_gib(wl, gpu):
        each = " each" if n > 1 else ""
        verdict = (
            f"Does not fit on {n} × {gpu.name}: {weights_gib:.1f} GiB of weights do not fit in {usable:.1f} GiB{each}"
        )
        hint = re.sub(r"^the weights alone \([\d.]+ GiB\)", "the weights alone", hint)
    else:
        verdict = f"Does not fit on {n} × {gpu.name}: {device_gib:.1f} GiB needed per GPU, {usable:g} GiB usable"
    if hint:
        verdict += f"; {hint}"
    if vllm and fits and isinstance(result, InferenceResult) and result.kv_cache_tokens is not None:
        tokens = int(result.kv_cache_tokens)
        verdict += (
            f"; vLLM KV cache: {tokens:,} tokens, room for {tokens // wl.context:,} concurrent requests "
            f"of {wl.context:,} tokens"
        )
    if hint and not fits:
        warnings = [*warnings, hint[0].upper() + hint[1:]]

    response: dict[str, Any] = {
        "per_gpu_gib": _round(per_gpu_gib),
        "total_gib": _round(sum(peaks) / GIB),
        "per_gpu_device_gib": _round(device_gib),
        "per_gpu_reserved_gib": _round(reserved_gib),
        "gpus_used": n,
        "gpus_needed": gpus_needed,
        "fits": fits,
        "breakdown": bd.gib(),
        "explanations": bd.explanations(),
        "assumptions": result.assumptions,
        "warnings": warnings + result.warnings,
        "gpu": gpu.name,
        "usable_gib": usable,
        "spare_gib": _round(spare),
        "margin_gib": margin_gib,
        "allocator_reserve_gib": _round(reserve),
        "binding_constraint": binding,
        "verdict": verdict,
        "layout": result.layout,
        "engine": wl.engine if wl.task == "inference" else "transformers",
        "task": wl.task,
        "weights": fmt.name,
        "compute_dtype": compute,
        "per_gpu": [
            {
                "gpu": i,
                "per_gpu_gib": _round(peaks[i] / GIB),
                "device_gib": _round(devices[i] / GIB),
                "reserved_gib": _round(per_gpu[i].reserved_bytes / GIB),
                "breakdown": per_gpu[i].gib(),
            }
            for i in range(n)
        ],
        "model": arch.summary(),
    }
    if isinstance(result, InferenceResult):
        if result.kv_cache_tokens is not None:
            response["kv_cache_tokens"] = int(result.kv_cache_tokens)
        if result.max_concurrency is not None:
            response["max_concurrency"] = result.max_concurrency
        if wl.engine == "vllm":
            response["starts"] = result.starts
            response["per_gpu_gib"] = _round(wl.gpu_memory_utilization * usable)
            response["per_gpu_reserved_gib"] = response["per_gpu_gib"]  # the budget vLLM's allocator fills
            response["total_gib"] = _round(wl.gpu_memory_utilization * usable * n)
    else:
        response["trainable_parameters"] = result.trainable_params
        response["framework"] = wl.framework
    return response
