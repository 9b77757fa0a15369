"""Inference memory for three runtimes that allocate very differently.

* transformers `generate`: weights + the KV cache as the model really stores it + the largest
  live activation of a forward pass + logits, measured as `torch.cuda.max_memory_allocated`.
* vLLM: claims `gpu_memory_utilization` x total memory up front, profiles a dummy batch, and
  hands what is left to the paged KV pool. The question is not "how much" but "does it start,
  how many KV tokens, how many concurrent requests of the full context length".
* llama.cpp: GGUF tensors (token embedding stays on the host), a KV cache sized for n_ctx, and
  a compute buffer whose size depends on n_ubatch, n_ctx and flash attention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from odh_tec.vram.architecture import GIB, LinearSpec, ModelArch
from odh_tec.vram.breakdown import Breakdown
from odh_tec.vram.gpus import Gpu, vllm_batch_defaults
from odh_tec.vram.weights import (
    DTYPE_BYTES,
    WeightFormat,
    gguf_layer_bytes,
    gguf_output_type,
    gguf_tensor_bytes,
    weight_bytes,
)
from odh_tec.vram.workload import Workload

# ---- runtime constants (each is a measured allocation policy, see docs/vram.md) -----------------
CUDA_CONTEXT_GIB = 0.5  # CUDA context + cuBLAS/cuDNN handles of one process
NCCL_GIB = 0.5  # NCCL communicators and their buffers once a process talks to peers
ALLOCATOR_SLACK = 0.05  # caching-allocator fragmentation above the allocated peak (inference)

VLLM_ACTIVATION_BASE_GIB = 0.26  # profiled forward of max_num_batched_tokens (vLLM 0.19, H100)
VLLM_SAMPLER_BYTES = 14.8e3 / 1024  # per (sequence x vocab entry) of the dummy sampler batch
VLLM_MOE_ACTIVATION_GIB = 0.35  # fused-MoE workspaces during profiling
VLLM_NON_TORCH_GIB = {1: 0.25, 2: 2.1}  # CUDA runtime (+ custom all-reduce and NCCL from TP 2)
VLLM_CONTEXT_GIB = {1: 0.51, 2: 1.5}  # measured before loading, outside the budget
VLLM_BLOCK = 16
VLLM_MXFP4_HIDDEN_PAD = 256  # MoE MXFP4 kernels pad the hidden dimension to 256

LLAMACPP_CONTEXT_GIB = 0.3


@dataclass
class InferenceResult:
    per_gpu: list[Breakdown]
    kv_cache_tokens: int | None = None
    max_concurrency: float | None = None
    starts: bool = True
    binding: str = ""
    layout: dict = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def kv_dtype_bytes(kv_cache_dtype: str, compute_dtype: str) -> float:
    if kv_cache_dtype in ("auto", None):
        return DTYPE_BYTES.get(compute_dtype, 2)
    return {"fp16": 2, "bf16": 2, "fp32": 4, "fp8": 1, "q8_0": 34 / 32, "q4_0": 18 / 32}[kv_cache_dtype]


_HYBRID_CACHE_MODELS = ("gemma2", "gemma3", "gemma3_text", "cohere2", "gpt_oss")
# these declare a window but transformers' DynamicCache still keeps every token
_FULL_CACHE_MODELS = ("mistral", "mixtral", "qwen2", "qwen2_moe", "starcoder2", "phi3")


def uses_hybrid_cache(arch: ModelArch) -> bool:
    """transformers caps sliding-window layers only for models built with a hybrid cache."""
    if arch.model_type in _HYBRID_CACHE_MODELS:
        return True
    if arch.model_type in _FULL_CACHE_MODELS:
        return False
    return any(layer.sliding_window for layer in arch.layers)


def hf_kv_elements_per_token(arch: ModelArch, tokens: int) -> float:
    """K+V elements per sequence token summed over layers, as transformers' cache stores them.
    MLA models in transformers cache the decompressed per-head K and V, not the latent."""
    hybrid = uses_hybrid_cache(arch)
    total = 0.0
    for layer in arch.layers:
        per: float = (
            arch.num_heads * (arch.head_dim + arch.v_head_dim) if arch.is_mla else arch.kv_elements_per_token_layer()
        )
        if hybrid and layer.sliding_window and tokens > layer.sliding_window:
            per *= layer.sliding_window / tokens
        total += per
    return total


def _largest_quantized_linear(arch: ModelArch) -> int:
    return arch.largest_linear(include_experts=True)


def _ffn_width(arch: ModelArch) -> int:
    if arch.is_moe:
        return arch.experts_per_token * arch.moe_intermediate_size + arch.shared_expert_intermediate_size
    return arch.intermediate_size


# ---- HF transformers generate -------------------------------------------------------------------


def transformers_inference(
    arch: ModelArch, fmt: WeightFormat, wl: Workload, compute: str, gpus: int
) -> InferenceResult:
    act_b = DTYPE_BYTES[compute]
    kv_b = kv_dtype_bytes(wl.kv_cache_dtype, compute)
    b = wl.batch_size
    s_p = wl.prompt
    s_g = wl.generated
    total_tokens = s_p + s_g
    h, V = arch.hidden_size, arch.vocab_size
    notes: list[str] = []

    wb = weight_bytes(arch, fmt)
    weights = wb.total
    legacy_cache = arch.remote_code  # remote code keeps tuple caches grown by torch.cat
    full_logits = arch.remote_code  # and computes logits for every position

    kv_per_token = hf_kv_elements_per_token(arch, total_tokens) * kv_b
    kv_final = b * total_tokens * kv_per_token
    # prefill: with a fused QKV projection the cached V is a view of the whole QKV output
    kv_prefill: float
    if arch.fused_value_view:
        fused_width = sum(lin.d_out for lin in arch.layers[0].linears if lin.role == "qkv")
        retained = fused_width + (arch.num_kv_heads * arch.head_dim if arch.rotary else 0)
        kv_prefill = b * s_p * arch.num_layers * retained * act_b
        notes.append(
            "fused QKV projection: during prefill the cache keeps the whole QKV output alive (V is a view of it)"
        )
    else:
        kv_prefill = b * s_p * hf_kv_elements_per_token(arch, s_p) * kv_b

    ffn = _ffn_width(arch)
    act_prefill = b * s_p * (2 * h + (3 if arch.mlp_gated else 2) * ffn) * act_b
    eager = wl.attention == "eager" or compute == "fp32"
    attn_matrix = b * arch.num_heads * s_p * s_p * (act_b + 4) if eager else 0.0
    logits_prefill = b * s_p * V * act_b if full_logits else b * V * (act_b + 4)
    logits_step = b * V * (act_b + 4)

    dequant = 0.0
    if fmt.is_bnb4 and (s_p > 1 or b > 1):
        # bitsandbytes dequantizes a whole weight (16-bit storage dtype, then cast to compute)
        dequant = _largest_quantized_linear(arch) * (2 + (act_b if compute != "fp16" else 0))
    elif fmt.name == "int8":
        # LLM.int8 quantizes each fp16 weight on load (fp16 copy + row- and column-major int8)
        dequant = _largest_quantized_linear(arch) * 4
    elif fmt.is_packed_int:
        dequant = _largest_quantized_linear(arch) * 2  # GPTQ/AWQ kernels' fp16 scratch

    phases: dict[str, tuple[float, float, float]] = {
        "prefill": (kv_prefill, act_prefill + attn_matrix + dequant, logits_prefill),
    }
    if s_g >= 2:  # generating N tokens = one prefill forward + N - 1 decode forwards
        if legacy_cache:
            # torch.cat builds a new cache while the previous step's cache is still referenced
            kv_decode = 2 * kv_final
            phases["second_step"] = (kv_prefill + b * (s_p + 1) * kv_per_token, 0.0, logits_prefill)
        else:
            kv_decode = kv_final * (1 + 1 / max(1, arch.num_layers))  # one layer re-concatenated at a time
        phases["decode"] = (kv_decode, b * (2 * h + ffn) * act_b, logits_step)
    name, (kv, act, logits) = max(phases.items(), key=lambda item: sum(item[1]))

    per_gpu: list[Breakdown] = []
    n = max(1, gpus)
    for i in range(n):
        bd = Breakdown()
        # device_map="auto": decoder layers split evenly; embedding on the first GPU, head on the last
        share = wb.layers / n + (wb.embedding if i == 0 else 0) + (wb.lm_head + wb.other if i == n - 1 else 0)
        if n == 1:
            share = weights
        bd.set(
            "weights",
            share,
            f"{fmt.name} weights"
            + (f", layers {i * arch.num_layers // n}-{(i + 1) * arch.num_layers // n - 1}" if n > 1 else ""),
        )
        bd.set("kv_cache", kv / n, _kv_why(name, legacy_cache, arch, kv_b, b, total_tokens))
        bd.set("activations", act, _act_why(name, eager, dequant, b, s_p))
        bd.set(
            "logits",
            logits if i == n - 1 else 0.0,
            "full-sequence logits (remote code computes every position)"
            if full_logits and name != "decode"
            else "last-position logits, fp32 copy for sampling",
        )
        mask = arch.causal_mask_bytes(wl.attention or "sdpa")
        bd.set("other", mask, "registered max_position^2 boolean causal-mask buffer of the model code" if mask else "")
        bd.set(
            "cuda_context", CUDA_CONTEXT_GIB * GIB, "CUDA context and cuBLAS workspace (not in torch's allocated peak)"
        )
        bd.set(
            "allocator_slack", ALLOCATOR_SLACK * bd.peak_bytes, "caching-allocator slack (cached, unallocated blocks)"
        )
        per_gpu.append(bd)
    res = InferenceResult(per_gpu=per_gpu, binding=f"peak during {name.replace('_', ' ')}")
    res.layout = {"strategy": "device_map" if n > 1 else "single", "gpus": n}
    res.assumptions.append(
        f"transformers generate(): batch {b}, prompt {s_p}, new tokens {s_g}, peak in {name.replace('_', ' ')}"
    )
    if legacy_cache:
        res.assumptions.append(
            "remote-code model: legacy tuple KV cache (old and new cache coexist while decoding) and full-sequence "
            "logits"
        )
    res.assumptions += notes
    return res


def _kv_why(phase: str, legacy: bool, arch: ModelArch, kv_b: float, b: int, tokens: int) -> str:
    geo = f"{arch.num_layers} layers x {arch.num_kv_heads} KV heads x {arch.head_dim} x 2 (K,V) x {kv_b:g} B"
    if arch.is_mla:
        geo = (
            f"{arch.num_layers} layers x {arch.num_heads} heads "
            f"x (K {arch.head_dim} + V {arch.v_head_dim}) x {kv_b:g} B"
        )
    if phase == "decode" and legacy:
        return f"{b} x {tokens} tokens x {geo}, twice: torch.cat keeps the old cache until the step ends"
    if phase == "prefill":
        return f"cache written by the prompt forward ({geo} per token)"
    return f"{b} x {tokens} tokens x {geo}"


def _act_why(phase: str, eager: bool, dequant: float, b: int, s_p: int) -> str:
    parts = [f"largest live layer tensors for {b} x {s_p} prompt tokens" if phase != "decode" else "one decode step"]
    if eager and phase != "decode":
        parts.append("eager attention matrix (scores + fp32 softmax)")
    if dequant:
        parts.append("dequantized weight scratch")
    return "; ".join(parts)


# ---- tensor-parallel sharding (vLLM) ----------------------------------------------------------------


def _linear_shard_fraction(arch: ModelArch, lin: LinearSpec, tp: int) -> float:
    if tp == 1 or lin.tp == "replicated":
        return 1.0
    if lin.tp == "kv":
        return max(1, arch.num_kv_heads // tp) / arch.num_kv_heads
    if lin.role == "qkv":
        kv_gpu = max(1, arch.num_kv_heads // tp)
        q = arch.num_heads // tp
        return (q + 2 * kv_gpu) / (arch.num_heads + 2 * arch.num_kv_heads)
    return 1.0 / tp


def sharded_weight_bytes(arch: ModelArch, fmt: WeightFormat, tp: int, pp: int, *, engine: str = "vllm") -> list[float]:
    """Weight bytes per pipeline stage on one TP rank."""
    pad = VLLM_MXFP4_HIDDEN_PAD if (engine == "vllm" and fmt.name == "mxfp4") else 0
    dense = fmt.dense_bytes if not fmt.is_float else DTYPE_BYTES[fmt.name]
    stages = _pp_stages(arch.num_layers, pp)
    out = []
    for stage, (start, end) in enumerate(stages):
        total = 0.0
        for i in range(start, end):
            layer = arch.layers[i]
            for lin in layer.linears:
                bits = fmt.linear_bits(lin, engine=engine)
                numel = lin.weight_params
                if pad and lin.expert and bits < 8:
                    hid = lin.d_in if lin.role != "down" else lin.d_out
                    numel = numel * (-(-hid // pad) * pad) // hid
                frac = _linear_shard_fraction(arch, lin, tp)
                total += numel * bits / 8 * frac
                if lin.bias:
                    total += lin.count * lin.d_out * dense * (frac if lin.tp != "row" else 1.0)
            total += (layer.norm_params + layer.extra_params) * dense
        vocab = _padded_vocab(arch.vocab_size, tp)
        if stage == 0:
            total += vocab * arch.hidden_size * dense / tp + arch.position_embedding_params * dense
        if stage == len(stages) - 1:
            if not arch.tie_word_embeddings or pp > 1:
                total += vocab * arch.hidden_size * dense / tp
            total += arch.final_norm_params * dense
        total *= arch.weight_scale
        if arch.rope_cache_positions and arch.rotary_dim:
            total += arch.rope_cache_positions * arch.rotary_dim * dense  # cos/sin cache buffer
        if arch.is_mla:
            # MLA absorbs kv_b_proj into per-head W_UK / W_UV copies kept in 16-bit
            total += (
                sum(
                    lin.weight_params for i in range(start, end) for lin in arch.layers[i].linears if lin.role == "kv_b"
                )
                * dense
                / tp
            )
        out.append(total)
    return out


def _padded_vocab(vocab: int, tp: int) -> int:
    step = 64 * tp
    return -(-vocab // step) * step


def _pp_stages(num_layers: int, pp: int) -> list[tuple[int, int]]:
    pp = max(1, min(pp, num_layers))
    base, extra = divmod(num_layers, pp)
    stages, start = [], 0
    for i in range(pp):
        size = base + (1 if i < extra else 0)
        stages.append((start, start + size))
        start += size
    return stages


def valid_tensor_parallel(arch: ModelArch, tp: int) -> bool:
    """vLLM shards attention heads: TP must divide the query heads, and either divide the KV
    heads or be a multiple of them (KV heads are then replicated)."""
    if arch.num_heads % tp:
        return False
    k = arch.num_kv_heads
    return k % tp == 0 or tp % k == 0 or arch.is_mla


def vllm_inference(
    arch: ModelArch, fmt: WeightFormat, wl: Workload, compute: str, gpu: Gpu, tp: int, pp: int = 1
) -> InferenceResult:
    util = wl.gpu_memory_utilization
    G = gpu.usable_gib * GIB
    budget = util * G
    kv_b = kv_dtype_bytes(wl.kv_cache_dtype, compute)
    seqs_default, tokens_default = vllm_batch_defaults(gpu)
    max_seqs = wl.max_num_seqs or seqs_default
    max_batched = wl.max_num_batched_tokens or tokens_default

    stage_weights = sharded_weight_bytes(arch, fmt, tp, pp)
    stages = _pp_stages(arch.num_layers, pp)
    activation = VLLM_ACTIVATION_BASE_GIB * GIB * max_batched / 8192  # forward of the dummy batch
    activation += max_seqs * arch.vocab_size * VLLM_SAMPLER_BYTES
    if arch.is_moe:
        activation += VLLM_MOE_ACTIVATION_GIB * GIB
    non_torch = (VLLM_NON_TORCH_GIB[1] if tp * pp == 1 else VLLM_NON_TORCH_GIB[2]) * GIB
    context = (VLLM_CONTEXT_GIB[1] if tp * pp == 1 else VLLM_CONTEXT_GIB[2]) * GIB
    max_len = wl.context

    per_gpu: list[Breakdown] = []
    tokens_per_stage: list[int] = []
    for (start, end), w in zip(stages, stage_weights, strict=True):  # one weight total per stage
        if arch.is_mla:
            per_token = (end - start) * arch.kv_elements_per_token_layer() * kv_b  # latent is replicated over TP
        else:
            kv_heads = max(1, arch.num_kv_heads // tp)
            per_token = (end - start) * arch.kv_elements_per_token_layer(kv_heads) * kv_b
        pool = budget - w - activation - non_torch
        blocks = max(0, math.floor(pool / (VLLM_BLOCK * per_token))) if per_token else 0
        tokens_per_stage.append(blocks * VLLM_BLOCK)
        graphs = (0.35 + 0.015 * (end - start)) * GIB
        bd = Breakdown()
        bd.set(
            "weights", w, f"{fmt.name} weights of layers {start}-{end - 1} on one of {tp} TP ranks (incl. rotary cache)"
        )
        bd.set(
            "kv_cache",
            max(0.0, pool),
            f"paged KV pool: {util:g} x {gpu.usable_gib:g} GiB - weights - activations - non-torch; "
            f"{per_token:,.0f} B per token on this GPU",
        )
        bd.set(
            "activations",
            activation,
            f"profiled peak: dummy forward of {max_batched} tokens + sampler over {max_seqs} sequences x "
            f"{arch.vocab_size} vocab",
        )
        bd.set("logits", 0.0, "")
        bd.set(
            "other",
            non_torch,
            "non-torch memory: CUDA runtime" + (", NCCL and custom all-reduce buffers" if tp * pp > 1 else ""),
        )
        bd.set("cuda_context", context, "CUDA context created before the budget is measured")
        bd.set("cuda_graphs", graphs, "CUDA graph capture, outside the gpu_memory_utilization budget in vLLM 0.19")
        per_gpu.append(bd)
    for _ in range(tp - 1):
        per_gpu.extend(_copy(bd) for bd in per_gpu[: len(stages)])
    tokens = min(tokens_per_stage) if tokens_per_stage else 0
    one_request = -(-max_len // VLLM_BLOCK) * VLLM_BLOCK
    starts = tokens >= one_request and tokens > 0
    res = InferenceResult(
        per_gpu=per_gpu, kv_cache_tokens=tokens, max_concurrency=round(tokens / max_len, 2) if max_len else None
    )
    res.starts = starts
    res.layout = {
        "strategy": "tensor_parallel" if pp == 1 else "tensor+pipeline_parallel",
        "tensor_parallel": tp,
        "pipeline_parallel": pp,
        "gpus": tp * pp,
    }
    heaviest = max(stage_weights) if stage_weights else 0.0
    if starts:
        res.binding = f"KV cache: {tokens:,} tokens, {tokens // max_len:,} concurrent requests of {max_len:,} tokens"
    elif heaviest > budget:
        res.binding = (
            f"the weights: {heaviest / GIB:.1f} GiB per GPU, more than the {budget / GIB:.1f} GiB vLLM may use"
        )
    else:
        res.binding = f"the KV cache cannot hold one {max_len:,}-token request"
    res.assumptions.append(
        f"vLLM 0.19 V1 defaults: max_num_seqs {max_seqs}, max_num_batched_tokens {max_batched}, block 16, KV dtype "
        f"{wl.kv_cache_dtype}"
    )
    res.assumptions.append(
        "KV tokens count every attention layer at full size (sliding-window layers included), as vLLM 0.19 logs them"
    )
    if not starts:
        if heaviest > budget:
            reason = (
                f"{heaviest / GIB:.1f} GiB of weights per GPU do not fit in the {budget / GIB:.1f} GiB it may use "
                f"({util:g} × {gpu.usable_gib:.1f} GiB)"
            )
        elif tokens == 0:
            reason = (
                f"after the weights ({heaviest / GIB:.1f} GiB per GPU) and activations, no memory is left for "
                f"the KV cache; lower the context length ({max_len:,} tokens) or use more GPUs"
            )
        else:
            reason = (
                f"its KV cache holds {tokens:,} tokens, less than one {max_len:,}-token request; lower the "
                "context length or use more GPUs"
            )
        res.warnings.append(f"vLLM would not start: {reason}")
    return res


def _copy(bd: Breakdown) -> Breakdown:
    return Breakdown(dict(bd.terms), dict(bd.why))


# ---- llama.cpp --------------------------------------------------------------------------------------


def llamacpp_inference(arch: ModelArch, fmt: WeightFormat, wl: Workload, compute: str, gpus: int) -> InferenceResult:
    ftype = fmt.gguf_file_type
    n_ctx = wl.context * wl.batch_size  # n_parallel slots share one n_ctx
    n_ub = min(wl.ubatch, n_ctx)
    L = arch.num_layers
    ngl = L + 1 if wl.gpu_layers is None else min(wl.gpu_layers, L + 1)
    offloaded = min(ngl, L)
    kv_type = wl.kv_cache_dtype if wl.kv_cache_dtype != "auto" else "fp16"
    kv_b = kv_dtype_bytes(kv_type, "fp16")
    flash = wl.attention in (None, "flash", "flash_attention_2", "sdpa")
    if kv_type in ("q8_0", "q4_0") and not flash:
        raise ValueError("llama.cpp needs flash attention for a quantized V cache (q8_0/q4_0)")

    layer_bytes = [gguf_layer_bytes(arch, ftype, i) * arch.weight_scale for i in range(L)]
    first = L - offloaded  # llama.cpp offloads the last layers first
    weights = sum(layer_bytes[first:])
    if ngl > L:
        out_type = gguf_output_type(ftype)
        weights += gguf_tensor_bytes(out_type, arch.vocab_size * arch.hidden_size) + arch.final_norm_params * 4

    kv = 0.0
    for i in range(first, L):
        layer = arch.layers[i]
        if arch.is_mla:
            per = arch.kv_lora_rank + arch.qk_rope_head_dim + arch.kv_lora_rank
        else:
            per = arch.kv_elements_per_token_layer()
        cells = n_ctx
        if layer.sliding_window and arch.model_type in ("gemma2", "gemma3", "gemma3_text", "gpt_oss", "cohere2"):
            cells = min(n_ctx, layer.sliding_window * wl.batch_size + n_ub)  # iSWA cache
        kv += cells * per * kv_b

    h, V, a = arch.hidden_size, arch.vocab_size, arch.num_heads
    logits_buf = 4 * n_ub * (h + V)
    if flash:
        compute_buf = max(logits_buf, 4 * n_ub * (2 * h + 3 * _ffn_width(arch)) + 2 * n_ub * n_ctx)
        cb_why = (
            "compute buffer, flash attention: max(n_ubatch x (h + vocab), FFN tensors + f16 mask) x 4 B, "
            f"n_ubatch {n_ub}"
        )
    else:
        compute_buf = max(4 * n_ub * (1 + 4 * h + n_ctx * (1 + a)), logits_buf)
        cb_why = (
            "compute buffer without flash attention: the n_ubatch x n_ctx x heads f32 KQ matrix or the logits, "
            f"n_ubatch {n_ub}"
        )
    n = max(1, gpus)
    per_gpu = []
    for _ in range(n):
        bd = Breakdown()
        bd.set(
            "weights",
            weights / n,
            f"GGUF {ftype.upper()} tensors of {offloaded} offloaded layers"
            + (" + output" if ngl > L else "")
            + "; token embedding stays on the host",
        )
        bd.set("kv_cache", kv / n, f"n_ctx {n_ctx} x {arch.num_layers} layers x (K+V) {kv_type}")
        bd.set("activations", compute_buf, cb_why)
        bd.set("logits", 0.0, "")
        bd.set("other", 0.0, "")
        bd.set(
            "cuda_context",
            LLAMACPP_CONTEXT_GIB * GIB,
            "CUDA context and cuBLAS handles (not in the buffer sizes llama.cpp logs)",
        )
        per_gpu.append(bd)
    res = InferenceResult(per_gpu=per_gpu, kv_cache_tokens=n_ctx, binding="llama.cpp buffers: model + KV + compute")
    res.layout = {"strategy": "layer_split" if n > 1 else "single", "gpus": n, "gpu_layers": offloaded}
    res.assumptions.append(
        f"llama.cpp: n_ctx {n_ctx} ({wl.batch_size} slot(s) x {wl.context}), n_ubatch {n_ub}, flash attention "
        f"{'on' if flash else 'off'}"
    )
    return res
