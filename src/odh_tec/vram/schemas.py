"""The JSON the VRAM API answers (docs/vram.md): the GPU catalog, a model's summary, an estimate.

Plain TypedDicts, no I/O: `estimate`, `ModelArch.summary` and `HubModel.as_dict` build these
dicts, and the API checks its answers against them. Keys an estimate has only for some engines or
tasks are `NotRequired`: left out, never sent as null.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict


class GpuInfo(TypedDict):
    name: str
    usable_gib: float  # what CUDA reports as total, not the marketing number
    nominal_gb: int
    vendor: str
    source: str  # where `usable_gib` comes from
    aliases: list[str]


class Quantization(TypedDict):
    method: str  # gptq, awq, bitsandbytes, fp8, compressed-tensors, mxfp4, other
    weights: str  # the weight format it stands for (`gptq-int4`, `nf4`…)
    bits: int
    group_size: int


class ModelSummary(TypedDict):
    """What the estimator read from a config.json."""

    model_type: str
    architecture: str
    parameters: int
    active_parameters: int  # per token: fewer than `parameters` for mixtures of experts
    hidden_size: int
    num_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    attention: Literal["MHA", "GQA", "MQA", "MLA"]
    intermediate_size: int
    vocab_size: int
    tie_word_embeddings: bool
    max_position_embeddings: int
    sliding_window: int | None
    sliding_window_layers: int
    num_experts: int
    experts_per_token: int
    kv_lora_rank: int | None  # MLA only
    torch_dtype: str
    quantization: Quantization | None
    multimodal: bool
    remote_code: bool
    kv_cache_bytes_per_token_bf16: int
    notes: list[str]


class RepoFile(TypedDict):
    path: str
    size: int


class HubWeights(TypedDict):
    """What the Hub says about a model's files."""

    repo_id: str
    revision: str
    weight_bytes: int | None  # stored bytes of the safetensors weights, when known
    weight_source: Literal["index", "headers"] | None
    parameters_by_dtype: dict[str, int]
    safetensors_files: list[RepoFile]
    gguf_files: list[RepoFile]


class HubModelSummary(ModelSummary, HubWeights):
    """`GET /api/vram/model`: the summary, the Hub's files, and the config.json it was read from."""

    config: dict[str, Any]


class VramLayout(TypedDict):
    strategy: str  # single, device_map, layer_split, tensor_parallel, tensor+pipeline_parallel, ddp, zero2, zero3
    gpus: int
    tensor_parallel: NotRequired[int]
    pipeline_parallel: NotRequired[int]
    data_parallel: NotRequired[int]
    sharding: NotRequired[str]
    gpu_layers: NotRequired[int]  # llama.cpp: layers offloaded to the GPUs


class GpuEstimate(TypedDict):
    gpu: int  # its index
    per_gpu_gib: float
    device_gib: float
    reserved_gib: float  # the caching allocator's view (max_memory_reserved)
    breakdown: dict[str, float]


class VramResult(TypedDict):
    """One estimate. `breakdown` is GiB per term on the busiest GPU (weights, kv_cache,
    activations, logits, gradients, optimizer, other, cuda_context, cuda_graphs…)."""

    per_gpu_gib: float
    total_gib: float
    per_gpu_device_gib: float  # what nvidia-smi shows: reserved + CUDA context (+ NCCL, CUDA graphs)
    per_gpu_reserved_gib: float  # torch.cuda.max_memory_reserved: allocated peak + cached, unallocated blocks
    gpus_used: int
    gpus_needed: int
    fits: bool
    breakdown: dict[str, float]
    explanations: dict[str, str]
    assumptions: list[str]
    warnings: list[str]
    gpu: str
    usable_gib: float
    spare_gib: float
    margin_gib: float
    allocator_reserve_gib: float
    binding_constraint: str
    verdict: str
    layout: VramLayout
    engine: Literal["transformers", "vllm", "llamacpp"]
    task: Literal["inference", "finetune"]
    weights: str
    compute_dtype: str
    per_gpu: list[GpuEstimate]
    model: ModelSummary
    kv_cache_tokens: NotRequired[int]  # inference
    max_concurrency: NotRequired[float]
    starts: NotRequired[bool]  # vLLM: the KV cache holds at least one request
    trainable_parameters: NotRequired[int]  # fine-tuning
    framework: NotRequired[
        str
    ]  # fine-tuning: the training stack (hf-peft, fms-hf-tuning, torchtune, fsdp-qlora, litgpt)
    hub: NotRequired[HubWeights]  # when the model was given as `repo_id`
