"""The request's `workload` and `hardware` sections, validated into typed values (docs/vram.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from odh_tec.vram import limits
from odh_tec.vram.frameworks import DEFAULT_FRAMEWORK, FRAMEWORK_NAMES, LOSSES, STACK_SWITCHES

LORA_ROLES = ("q", "k", "v", "o", "gate", "up", "down")
LORA_PRESETS = {
    "qv": ("q", "v"),
    "attention": ("q", "k", "v", "o"),
    "all-linear": LORA_ROLES,
    "mlp": ("gate", "up", "down"),
}
OPTIMIZERS = ("adamw", "adamw-8bit", "paged-adamw-8bit", "sgd")
ENGINES = ("transformers", "vllm", "llamacpp")
KV_DTYPES = ("auto", "fp16", "bf16", "fp8", "fp32", "q8_0", "q4_0")
SHARDING = ("none", "zero2", "zero3", "fsdp")

_WORKLOAD_FIELDS = {
    "task",
    "engine",
    "weights",
    "compute_dtype",
    "kv_cache_dtype",
    "attention",
    "prompt_tokens",
    "new_tokens",
    "context_length",
    "batch_size",
    "gpu_memory_utilization",
    "max_num_seqs",
    "max_num_batched_tokens",
    "ubatch",
    "gpu_layers",
    "method",
    "optimizer",
    "gradient_checkpointing",
    "lora_rank",
    "lora_target",
    "sharding",
    "lora_dropout",
    "pipeline_parallel",
    "framework",
    "loss",
    "zero_bucket_size",
    *STACK_SWITCHES,
}
MAX_BUCKET_ELEMENTS = 1 << 40
_HARDWARE_FIELDS = {"gpu", "memory_gib", "count", "tensor_parallel", "pipeline_parallel", "margin_gib"}


class RequestError(ValueError):
    """Invalid request (CLI exit code 2, HTTP 422)."""

    def __init__(self, message: str, code: str = "invalid_request"):
        super().__init__(message)
        self.code = code


@dataclass
class Workload:
    task: str
    engine: str = "transformers"
    weights: str = "auto"
    compute_dtype: str | None = None
    kv_cache_dtype: str = "auto"
    attention: str | None = None
    prompt_tokens: int | None = None
    new_tokens: int | None = None
    context_length: int | None = None
    batch_size: int = 1
    gpu_memory_utilization: float = 0.9
    max_num_seqs: int | None = None
    max_num_batched_tokens: int | None = None
    ubatch: int = 512
    gpu_layers: int | None = None
    method: str | None = None
    optimizer: str = "adamw"
    gradient_checkpointing: bool = False
    lora_rank: int = 8
    lora_target: tuple[str, ...] = LORA_ROLES
    lora_dropout: float = 0.05
    sharding: str = "none"
    # training stack and the settings that change its memory (docs/vram.md, "Training stacks")
    framework: str = DEFAULT_FRAMEWORK
    loss: str = "auto"  # auto = the stack's own; standard | chunked | fused
    torch_compile: bool = False
    offload_optimizer: bool = False
    offload_params: bool = False
    optimizer_in_backward: bool = False
    activation_offloading: bool = False
    packing: bool = False
    zero_bucket_size: int | None = None  # DeepSpeed reduce/allgather bucket (elements); None = no DeepSpeed buffers
    overlap_comm: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def context(self) -> int:
        """Tokens per sequence."""
        if self.prompt_tokens is not None or self.new_tokens is not None:
            return (self.prompt_tokens or 0) + (self.new_tokens or 0)
        return self.context_length or 0

    @property
    def prompt(self) -> int:
        if self.prompt_tokens is not None or self.new_tokens is not None:
            return max(1, self.prompt_tokens or 1)
        return max(1, self.context_length or 1)

    @property
    def generated(self) -> int:
        if self.prompt_tokens is not None or self.new_tokens is not None:
            return self.new_tokens or 0
        return 0


@dataclass
class Hardware:
    gpu: str | None
    memory_gib: float | None
    count: int | None
    tensor_parallel: int | None
    pipeline_parallel: int | None = None
    margin_gib: float | None = None


def _as_int(
    section: dict[str, Any], name: str, *, maximum: int, minimum: int = 0, default: int | None = None
) -> int | None:
    """An integer field in [minimum, maximum] (every one has a cap: see `limits`)."""
    value = section.get(name, default)
    if value is None:
        return None
    integral = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not integral or int(value) != value:
        raise RequestError(f"{name} must be an integer, got {limits.show_value(value)}")
    if int(value) < minimum:
        raise RequestError(f"{name} must be >= {minimum}, got {limits.show_value(value)}")
    if int(value) > maximum:
        raise RequestError(f"{name}: {limits.show_value(value)} exceeds the limit of {maximum}")
    return int(value)


def _as_float(
    section: dict[str, Any], name: str, *, low: float, high: float, low_open: bool = False, default: float | None = None
) -> float | None:
    """A finite number in [low, high] (or (low, high] with `low_open`); NaN and infinities are refused."""
    value = section.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RequestError(f"{name} must be a finite number, got {limits.show_value(value)}")
    if value < low or (low_open and value == low):
        raise RequestError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {limits.show_value(value)}")
    if value > high:
        raise RequestError(f"{name}: {limits.show_value(value)} exceeds the limit of {high:g}")
    return float(value)


def _choice(section: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = section.get(name, default)
    if value is None:
        return None
    value = str(value).lower()
    if value not in allowed:
        raise RequestError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _as_bool(section: dict[str, Any], name: str) -> bool:
    value = section.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RequestError(f"{name} must be true or false, got {limits.show_value(value)}")
    return value


def parse_lora_target(value: Any) -> tuple[str, ...]:
    if value is None:
        return LORA_ROLES
    if isinstance(value, str):
        key = value.lower()
        if key in LORA_PRESETS:
            return LORA_PRESETS[key]
        value = [part.strip() for part in key.replace("+", ",").split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not value:
        raise RequestError("lora_target must be qv, attention, all-linear or a list of q,k,v,o,gate,up,down")
    roles = []
    aliases = {
        "q_proj": "q",
        "k_proj": "k",
        "v_proj": "v",
        "o_proj": "o",
        "gate_proj": "gate",
        "up_proj": "up",
        "down_proj": "down",
    }
    for item in value:
        role = aliases.get(str(item).lower(), str(item).lower())
        if role not in LORA_ROLES:
            raise RequestError(f"unknown LoRA target {item!r}; use q,k,v,o,gate,up,down")
        if role not in roles:
            roles.append(role)
    return tuple(roles)


def parse_workload(raw: Any) -> Workload:
    if not isinstance(raw, dict):
        raise RequestError("workload must be an object")
    warnings = [f"unknown workload field ignored: {key}" for key in raw if key not in _WORKLOAD_FIELDS]
    task = _choice(raw, "task", ("inference", "finetune", "training"), None)
    if task is None:
        raise RequestError("workload.task is required (inference or finetune)")
    if task == "training":
        task = "finetune"
    engine = _choice(raw, "engine", ENGINES, "transformers") or "transformers"
    compute = _choice(raw, "compute_dtype", ("bf16", "fp16", "fp32"), None)
    util = raw.get("gpu_memory_utilization", 0.9)
    if not isinstance(util, (int, float)) or isinstance(util, bool) or not 0 < float(util) <= 1:  # NaN fails too
        raise RequestError(f"gpu_memory_utilization must be in (0, 1], got {limits.show_value(util)}")
    method = _choice(raw, "method", ("full", "lora", "qlora"), None)
    if task == "finetune" and method is None:
        raise RequestError("workload.method is required for finetune (full, lora or qlora)")
    wl = Workload(
        task=task,
        engine=engine,
        weights=str(raw.get("weights") or "auto").lower(),
        compute_dtype=compute,
        kv_cache_dtype=_choice(raw, "kv_cache_dtype", KV_DTYPES, "auto") or "auto",
        attention=(str(raw["attention"]).lower() if raw.get("attention") else None),
        prompt_tokens=_as_int(raw, "prompt_tokens", maximum=limits.MAX_CONTEXT),
        new_tokens=_as_int(raw, "new_tokens", maximum=limits.MAX_CONTEXT),
        context_length=_as_int(raw, "context_length", minimum=1, maximum=limits.MAX_CONTEXT),
        batch_size=_as_int(raw, "batch_size", minimum=1, maximum=limits.MAX_SEQUENCES, default=1) or 1,
        gpu_memory_utilization=float(util),
        max_num_seqs=_as_int(raw, "max_num_seqs", minimum=1, maximum=limits.MAX_SEQUENCES),
        max_num_batched_tokens=_as_int(raw, "max_num_batched_tokens", minimum=1, maximum=limits.MAX_CONTEXT),
        ubatch=_as_int(raw, "ubatch", minimum=1, maximum=limits.MAX_CONTEXT, default=512) or 512,
        gpu_layers=_as_int(raw, "gpu_layers", minimum=0, maximum=limits.MAX_GPU_LAYERS),
        method=method,
        optimizer=_choice(raw, "optimizer", OPTIMIZERS, "adamw") or "adamw",
        gradient_checkpointing=bool(raw.get("gradient_checkpointing", False)),
        lora_rank=_as_int(raw, "lora_rank", minimum=1, maximum=limits.MAX_LORA_RANK, default=8) or 8,
        lora_target=parse_lora_target(raw.get("lora_target")),
        lora_dropout=_as_float(raw, "lora_dropout", low=0.0, high=1.0, default=0.05) or 0.0,
        sharding=_choice(raw, "sharding", SHARDING, "none") or "none",
        framework=_choice(raw, "framework", FRAMEWORK_NAMES, DEFAULT_FRAMEWORK) or DEFAULT_FRAMEWORK,
        loss=_choice(raw, "loss", LOSSES, "auto") or "auto",
        torch_compile=_as_bool(raw, "torch_compile"),
        offload_optimizer=_as_bool(raw, "offload_optimizer"),
        offload_params=_as_bool(raw, "offload_params"),
        optimizer_in_backward=_as_bool(raw, "optimizer_in_backward"),
        activation_offloading=_as_bool(raw, "activation_offloading"),
        packing=_as_bool(raw, "packing"),
        zero_bucket_size=_as_int(raw, "zero_bucket_size", minimum=1, maximum=MAX_BUCKET_ELEMENTS),
        overlap_comm=_as_bool(raw, "overlap_comm"),
        warnings=warnings,
    )
    if wl.sharding == "fsdp":
        wl.sharding = "zero3"
    if wl.context <= 0:
        raise RequestError("give context_length, or prompt_tokens / new_tokens")
    if wl.attention is not None and wl.attention not in (
        "sdpa",
        "flash_attention_2",
        "flash_attention_3",
        "eager",
        "flash",
    ):
        raise RequestError(
            f"attention must be sdpa, flash_attention_2, eager (llamacpp: flash or eager); got {wl.attention!r}"
        )
    return wl


def parse_hardware(raw: Any) -> tuple[Hardware, list[str]]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise RequestError("hardware must be an object")
    warnings = [f"unknown hardware field ignored: {key}" for key in raw if key not in _HARDWARE_FIELDS]
    count = raw.get("count", 1)
    if isinstance(count, str) and count.lower() == "auto":
        count = None
    hw = Hardware(
        gpu=(str(raw["gpu"]) if raw.get("gpu") else None),
        memory_gib=None,
        count=None,
        tensor_parallel=_as_int(raw, "tensor_parallel", minimum=1, maximum=limits.MAX_GPUS),
        pipeline_parallel=_as_int(raw, "pipeline_parallel", minimum=1, maximum=limits.MAX_GPUS),
    )
    if count is not None:
        hw.count = _as_int({"count": count}, "count", minimum=1, maximum=limits.MAX_GPUS)
    hw.memory_gib = _as_float(raw, "memory_gib", low=0.0, low_open=True, high=limits.MAX_MEMORY_GIB)
    hw.margin_gib = _as_float(raw, "margin_gib", low=0.0, high=limits.MAX_MEMORY_GIB)
    return hw, warnings
