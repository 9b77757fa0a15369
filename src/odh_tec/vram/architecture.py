"""Model architecture from a Hugging Face `config.json` dict.

The estimator never trusts a single "parameter count": it rebuilds the list of tensors a model
family really has (fused or separate projections, gated or plain MLP, experts, MLA, biases,
norms, tied embeddings) because weight bytes, LoRA sizes, tensor-parallel shards and
quantization all depend on the individual matrices, not on their sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from odh_tec.vram.limits import LimitExceeded, check_config

GIB = float(1 << 30)


class ConfigError(ValueError):
    """The config cannot describe a decoder-only language model."""


@dataclass(frozen=True)
class LinearSpec:
    """One weight matrix (or `count` identical ones, e.g. routed experts) in a layer."""

    role: str  # q k v o qkv gate up down gate_up router q_a q_b kv_a kv_b shared_gate
    d_in: int
    d_out: int
    count: int = 1
    bias: bool = False
    expert: bool = False  # routed expert: only `experts_per_token` of them see a token
    tp: str = "column"  # how tensor parallelism shards it: column | row | kv | replicated
    lora_roles: tuple[str, ...] = ()  # LoRA target roles that select this module

    @property
    def params(self) -> int:
        return self.count * (self.d_in * self.d_out + (self.d_out if self.bias else 0))

    @property
    def weight_params(self) -> int:
        return self.count * self.d_in * self.d_out


@dataclass(frozen=True)
class LayerSpec:
    linears: tuple[LinearSpec, ...]
    norm_params: int
    extra_params: int = 0  # attention sinks, small buffers kept in 16-bit
    sliding_window: int | None = None
    moe: bool = False

    @property
    def params(self) -> int:
        return sum(lin.params for lin in self.linears) + self.norm_params + self.extra_params


@dataclass(frozen=True)
class QuantConfig:
    """What `quantization_config` says about the stored checkpoint."""

    method: str  # gptq awq bitsandbytes fp8 compressed-tensors mxfp4 other
    weights: str  # the contract's weights name this maps to (gptq-int4, fp8, nf4-dq, ...)
    bits: int
    group_size: int
    skip_modules: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelArch:
    model_type: str
    architecture: str
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    mlp_gated: bool
    vocab_size: int
    tie_word_embeddings: bool
    max_position_embeddings: int
    layers: tuple[LayerSpec, ...]
    norm_kind: str = "rms"
    final_norm_params: int = 0
    position_embedding_params: int = 0
    lm_head_bias: bool = False
    rotary_dim: int = 0
    rope_cache_positions: int = 0  # rows of the cos/sin cache a server precomputes
    num_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0
    kv_lora_rank: int = 0  # MLA latent size; 0 = ordinary K/V heads
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    fused_qkv: bool = False
    fused_value_view: bool = False  # at prefill the cached V is a view of the fused QKV output
    rotary: bool = True
    parallel_block: bool = False  # attention and MLP read one shared norm output (phi, falcon-7b)
    causal_mask_positions: int = 0  # a registered max_pos x max_pos bool causal-mask buffer
    causal_mask_only_without_flash: bool = False
    remote_code: bool = False
    torch_dtype: str = "bf16"
    quantization: QuantConfig | None = None
    multimodal: bool = False
    weight_scale: float = 1.0  # checkpoint bytes / architecture bytes, when the files are known
    notes: tuple[str, ...] = field(default_factory=tuple)

    # ---- derived sizes -------------------------------------------------------------------
    @property
    def embedding_params(self) -> int:
        return self.vocab_size * self.hidden_size

    @property
    def lm_head_params(self) -> int:
        if self.tie_word_embeddings:
            return 0
        return self.vocab_size * self.hidden_size + (self.vocab_size if self.lm_head_bias else 0)

    @property
    def layer_params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def total_params(self) -> int:
        return (
            self.layer_params
            + self.embedding_params
            + self.lm_head_params
            + self.final_norm_params
            + self.position_embedding_params
        )

    @property
    def active_params(self) -> int:
        """Parameters one token touches (MoE: only the routed experts it visits)."""
        total = self.total_params
        for layer in self.layers:
            for lin in layer.linears:
                if lin.expert and lin.count > self.experts_per_token:
                    total -= lin.params * (lin.count - self.experts_per_token) // lin.count
        return total

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def is_mla(self) -> bool:
        return self.kv_lora_rank > 0

    def kv_elements_per_token_layer(self, kv_heads: int | None = None) -> int:
        """K+V elements one token stores in one attention layer (MLA: the shared latent)."""
        if self.is_mla:
            return self.kv_lora_rank + self.qk_rope_head_dim
        heads = self.num_kv_heads if kv_heads is None else kv_heads
        return heads * (self.head_dim + (self.v_head_dim or self.head_dim))

    def causal_mask_bytes(self, attention: str | None) -> int:
        """Bytes of a registered boolean causal-mask buffer, if the model code keeps one."""
        if not self.causal_mask_positions:
            return 0
        if self.causal_mask_only_without_flash and attention and attention.startswith("flash"):
            return 0
        return self.causal_mask_positions**2

    def largest_linear(self, *, include_experts: bool = True) -> int:
        best = 0
        for layer in self.layers:
            for lin in layer.linears:
                if lin.expert and not include_experts:
                    continue
                best = max(best, lin.d_in * lin.d_out)
        return best

    def summary(self) -> dict[str, Any]:
        """What the UI shows about a model (also `GET /api/vram/model`)."""
        windows = sorted({layer.sliding_window for layer in self.layers if layer.sliding_window})
        return {
            "model_type": self.model_type,
            "architecture": self.architecture,
            "parameters": self.total_params,
            "active_parameters": self.active_params,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "num_attention_heads": self.num_heads,
            "num_key_value_heads": self.num_kv_heads,
            "head_dim": self.head_dim,
            "attention": (
                "MLA"
                if self.is_mla
                else "MHA"
                if self.num_kv_heads == self.num_heads
                else "MQA"
                if self.num_kv_heads == 1
                else "GQA"
            ),
            "intermediate_size": self.intermediate_size,
            "vocab_size": self.vocab_size,
            "tie_word_embeddings": self.tie_word_embeddings,
            "max_position_embeddings": self.max_position_embeddings,
            "sliding_window": windows[0] if windows else None,
            "sliding_window_layers": sum(1 for layer in self.layers if layer.sliding_window),
            "num_experts": self.num_experts,
            "experts_per_token": self.experts_per_token,
            "kv_lora_rank": self.kv_lora_rank or None,
            "torch_dtype": self.torch_dtype,
            "quantization": None
            if self.quantization is None
            else {
                "method": self.quantization.method,
                "weights": self.quantization.weights,
                "bits": self.quantization.bits,
                "group_size": self.quantization.group_size,
            },
            "multimodal": self.multimodal,
            "remote_code": self.remote_code,
            "kv_cache_bytes_per_token_bf16": 2 * self.kv_elements_per_token_layer() * self.num_layers,
            "notes": list(self.notes),
        }


# ---- config reading ------------------------------------------------------------------------

_DTYPES = {
    "bfloat16": "bf16",
    "bf16": "bf16",
    "float16": "fp16",
    "fp16": "fp16",
    "half": "fp16",
    "float32": "fp32",
    "fp32": "fp32",
    "float": "fp32",
}

# transformers' per-class default for `tie_word_embeddings` when a config omits it
_TIE_DEFAULTS = {
    "llama": False,
    "mistral": False,
    "mixtral": False,
    "qwen2": False,
    "qwen2_moe": False,
    "qwen3": False,
    "qwen3_moe": False,
    "qwen": False,
    "phi": False,
    "phi3": False,
    "gpt_neox": False,
    "deepseek_v2": False,
    "deepseek_v3": False,
    "gpt_oss": False,
    "stablelm": False,
    "olmo": False,
    "olmo2": False,
    "granite": True,
    "gemma": True,
    "gemma2": True,
    "gemma3": True,
    "gemma3_text": True,
    "falcon": True,
    "gpt_bigcode": True,
    "gpt2": True,
    "starcoder2": True,
    "cohere": True,
    "cohere2": True,
}

# models whose attention splits one fused QKV output into views: during prefill the cache keeps
# that whole output alive (the value is a view of it), until a decode step re-concatenates
_FUSED_VALUE_VIEW = {"qwen", "gpt_bigcode", "gpt2", "gpt_neox", "phi3", "bloom", "chatglm", "internlm2", "baichuan"}


def _get(cfg: dict[str, Any], *names: str, default: Any = None) -> Any:
    for name in names:
        value = cfg.get(name)
        if value is not None:
            return value
    return default


def _int(cfg: dict[str, Any], *names: str, default: int | None = None) -> int:
    value = _get(cfg, *names, default=default)
    if value is None:
        raise ConfigError(f"config.json lacks {' / '.join(names)}")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config.json field {names[0]} is not an integer: {repr(value)[:40]}") from exc


def normalize_dtype(value: Any, default: str = "bf16") -> str:
    if value is None:
        return default
    return _DTYPES.get(str(value).replace("torch.", "").lower(), default)


def parse_quantization(qc: dict[str, Any] | None) -> QuantConfig | None:
    """Map a `quantization_config` to the contract's weight names."""
    if not qc:
        return None
    method = str(qc.get("quant_method", "")).lower()
    if method in ("gptq", "awq"):
        bits = int(qc.get("bits", qc.get("w_bit", 4)))
        group = int(qc.get("group_size", qc.get("q_group_size", 128)) or 128)
        if group <= 0:  # -1 = one group per column
            group = 1 << 20
        return QuantConfig(method, f"{method}-int{bits}" if method == "gptq" else "awq-int4", bits, group)
    if method == "bitsandbytes":
        if qc.get("load_in_8bit") or qc.get("_load_in_8bit"):
            return QuantConfig(method, "int8", 8, 0, tuple(qc.get("llm_int8_skip_modules") or ()))
        kind = str(qc.get("bnb_4bit_quant_type", "fp4")).lower()
        double = bool(qc.get("bnb_4bit_use_double_quant"))
        weights = "fp4" if kind == "fp4" else ("nf4-dq" if double else "nf4")
        return QuantConfig(method, weights, 4, 64, tuple(qc.get("llm_int8_skip_modules") or ()))
    if method in ("fp8", "fbgemm_fp8"):
        return QuantConfig(method, "fp8", 8, 0, tuple(qc.get("modules_to_not_convert") or ()))
    if method == "mxfp4":
        return QuantConfig(method, "mxfp4", 4, 32, tuple(qc.get("modules_to_not_convert") or ()))
    if method == "compressed-tensors":
        groups = qc.get("config_groups") or {}
        first: dict = next(iter(groups.values()), {}) if isinstance(groups, dict) else {}
        w = first.get("weights") or {}
        bits = int(w.get("num_bits", 8))
        kind = str(w.get("type", "int")).lower()
        group = int(w.get("group_size") or 0)
        ignore = tuple(qc.get("ignore") or ())
        if kind == "float" and bits == 8:
            return QuantConfig(method, "fp8", 8, group, ignore)
        if bits == 8:
            return QuantConfig(method, "int8", 8, group, ignore)
        if kind == "float" and bits == 4:
            return QuantConfig(method, "fp4", 4, group or 16, ignore)
        return QuantConfig(method, "int4", bits, group or 128, ignore)
    bits = int(qc.get("bits", 8) or 8)
    return QuantConfig(method or "other", "int8" if bits >= 8 else "int4", bits, int(qc.get("group_size", 128) or 128))


def _layer_windows(cfg: dict[str, Any], model_type: str, num_layers: int) -> list[int | None]:
    window = _get(cfg, "sliding_window", "sliding_window_size", "attention_window_size")
    layer_types = cfg.get("layer_types")
    if isinstance(layer_types, list) and len(layer_types) >= num_layers:
        return [int(window) if window and "sliding" in str(t) else None for t in layer_types[:num_layers]]
    if not window:
        return [None] * num_layers
    window = int(window)
    if model_type == "gemma2":
        return [window if i % 2 == 0 else None for i in range(num_layers)]
    if model_type in ("gemma3", "gemma3_text", "cohere2"):
        pattern = int(cfg.get("sliding_window_pattern", 6 if model_type != "cohere2" else 4))
        return [None if (i + 1) % pattern == 0 else window for i in range(num_layers)]
    if model_type in ("qwen2", "qwen2_moe", "qwen3", "qwen3_moe"):
        if not cfg.get("use_sliding_window"):
            return [None] * num_layers
        max_window_layers = int(cfg.get("max_window_layers", num_layers))
        return [window if i >= max_window_layers else None for i in range(num_layers)]
    if model_type in ("mistral", "mixtral", "starcoder2", "phi3"):
        return [window] * num_layers
    return [None] * num_layers


def parse_config(config: dict[str, Any]) -> ModelArch:
    """Build a `ModelArch` from a config.json dict (multimodal: its `text_config`).

    The config is untrusted (anyone can upload one to the Hub): every field that drives work or
    memory is checked against `limits` first, and any value of the wrong type or range that the
    family builders trip over is a ConfigError (HTTP 422), never a 500."""
    if not isinstance(config, dict):
        raise ConfigError("model.config must be a JSON object (the contents of config.json)")
    try:
        check_config(config)
    except LimitExceeded as exc:
        raise ConfigError(str(exc)) from exc
    try:
        return _parse_config(config)
    except ConfigError:
        raise
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"  # it may quote the offending value, which can be huge
        raise ConfigError(f"config.json has a value of the wrong type or range ({detail})") from exc


def _parse_config(config: dict[str, Any]) -> ModelArch:
    outer = config
    multimodal = False
    cfg = dict(config)
    for key in ("text_config", "llm_config", "language_config"):
        inner = config.get(key)
        if isinstance(inner, dict) and inner:
            multimodal = True
            cfg = {**inner}
            # fields that multimodal wrappers keep on the outer config
            for outer_key in ("quantization_config", "tie_word_embeddings", "torch_dtype", "dtype"):
                if outer_key not in cfg and outer_key in outer:
                    cfg[outer_key] = outer[outer_key]
            break

    model_type = str(cfg.get("model_type") or outer.get("model_type") or "").lower()
    archs = cfg.get("architectures") or outer.get("architectures") or []
    architecture = str(archs[0]) if isinstance(archs, list) and archs else model_type
    remote_code = bool(outer.get("auto_map") or cfg.get("auto_map"))

    h = _int(cfg, "hidden_size", "d_model", "n_embd", "dim", "model_dim")
    num_layers = _int(cfg, "num_hidden_layers", "n_layer", "num_layers", "n_layers")
    heads = _int(cfg, "num_attention_heads", "n_head", "num_heads", "n_heads")
    vocab = _int(cfg, "vocab_size", "padded_vocab_size", "n_vocab")
    if min(h, num_layers, heads, vocab) <= 0:
        raise ConfigError("hidden size, layers, heads and vocabulary must be positive")

    # head size: never assume h/a when the config says otherwise (Gemma, Qwen3, Mistral-Nemo)
    head_dim = int(_get(cfg, "head_dim", "kv_channels", "attention_head_dim", default=0) or h // heads)

    # KV heads: absent = MHA; GPTBigCode/Falcon MQA flags
    if model_type == "gpt_bigcode":
        kv_heads = 1 if cfg.get("multi_query", True) else heads
    elif model_type == "falcon":
        if cfg.get("new_decoder_architecture"):
            kv_heads = int(_get(cfg, "num_kv_heads", "n_head_kv", default=heads))
        elif cfg.get("multi_query", True):
            kv_heads = 1
        else:
            kv_heads = heads
    elif model_type == "qwen":
        kv_heads = heads  # Qwen v1 is MHA
    else:
        kv_heads = int(
            _get(cfg, "num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num", default=heads)
        )
    kv_heads = max(1, kv_heads)

    tie_default = _TIE_DEFAULTS.get(model_type, True)
    tie = bool(cfg.get("tie_word_embeddings", tie_default))
    torch_dtype = normalize_dtype(_get(cfg, "torch_dtype", "dtype"), "bf16")
    quant = parse_quantization(cfg.get("quantization_config") or outer.get("quantization_config"))

    max_pos = int(_get(cfg, "max_position_embeddings", "n_positions", "seq_length", "max_seq_len", default=4096))
    rope_scaling = cfg.get("rope_scaling") or {}
    rope_factor = 1.0
    if isinstance(rope_scaling, dict):
        rtype = str(rope_scaling.get("rope_type", rope_scaling.get("type", ""))).lower()
        if rtype in ("yarn", "deepseek_yarn", "longrope", "linear", "dynamic"):
            original = rope_scaling.get("original_max_position_embeddings")
            factor = float(rope_scaling.get("factor", 1.0) or 1.0)
            if rtype == "yarn" and original:
                rope_factor = factor * float(original) / max_pos
            elif rtype in ("linear", "dynamic"):
                rope_factor = factor
    partial = float(_get(cfg, "partial_rotary_factor", "rotary_pct", default=1.0) or 1.0)

    windows = _layer_windows(cfg, model_type, num_layers)
    notes: list[str] = []
    if multimodal:
        notes.append(
            "multimodal config: the language model (text_config) is estimated; vision tower weights come only from "
            "the checkpoint files"
        )

    builder = _FAMILY_BUILDERS.get(model_type, _build_llama_like)
    arch = builder(cfg, _Shape(model_type, h, num_layers, heads, kv_heads, head_dim, vocab, windows))
    rotary_dim = arch.rotary_dim or int(head_dim * partial)
    if model_type in ("deepseek_v2", "deepseek_v3"):
        rotary_dim = int(cfg.get("qk_rope_head_dim", 64))
    return replace(
        arch,
        architecture=architecture,
        tie_word_embeddings=tie,
        max_position_embeddings=max_pos,
        rotary_dim=rotary_dim if arch.rotary else 0,
        rope_cache_positions=int(max_pos * max(1.0, rope_factor)) if arch.rotary else 0,
        remote_code=remote_code,
        torch_dtype=torch_dtype,
        quantization=quant,
        multimodal=multimodal,
        notes=tuple(notes) + arch.notes,
        fused_value_view=model_type in _FUSED_VALUE_VIEW and arch.fused_qkv,
    )


# ---- family builders -------------------------------------------------------------------------


def _attention_linears(
    h: int, heads: int, kv_heads: int, d: int, *, bias_qkv: bool, bias_o: bool, fused: bool
) -> list[LinearSpec]:
    if fused:
        return [
            LinearSpec("qkv", h, (heads + 2 * kv_heads) * d, bias=bias_qkv, tp="column", lora_roles=("q", "k", "v")),
            LinearSpec("o", heads * d, h, bias=bias_o, tp="row", lora_roles=("o",)),
        ]
    return [
        LinearSpec("q", h, heads * d, bias=bias_qkv, tp="column", lora_roles=("q",)),
        LinearSpec("k", h, kv_heads * d, bias=bias_qkv, tp="kv", lora_roles=("k",)),
        LinearSpec("v", h, kv_heads * d, bias=bias_qkv, tp="kv", lora_roles=("v",)),
        LinearSpec("o", heads * d, h, bias=bias_o, tp="row", lora_roles=("o",)),
    ]


def _mlp_linears(h: int, inter: int, *, gated: bool, bias: bool) -> list[LinearSpec]:
    if gated:
        return [
            LinearSpec("gate", h, inter, bias=bias, tp="column", lora_roles=("gate",)),
            LinearSpec("up", h, inter, bias=bias, tp="column", lora_roles=("up",)),
            LinearSpec("down", inter, h, bias=bias, tp="row", lora_roles=("down",)),
        ]
    return [
        LinearSpec("up", h, inter, bias=bias, tp="column", lora_roles=("up",)),
        LinearSpec("down", inter, h, bias=bias, tp="row", lora_roles=("down",)),
    ]


def _expert_linears(h: int, inter: int, count: int, *, bias: bool = False) -> list[LinearSpec]:
    return [
        LinearSpec("gate", h, inter, count=count, bias=bias, expert=True, tp="column", lora_roles=("gate",)),
        LinearSpec("up", h, inter, count=count, bias=bias, expert=True, tp="column", lora_roles=("up",)),
        LinearSpec("down", inter, h, count=count, bias=bias, expert=True, tp="row", lora_roles=("down",)),
    ]


@dataclass(frozen=True)
class _Shape:
    """What every family builder starts from: the sizes the config gives, and each layer's window."""

    model_type: str
    h: int
    num_layers: int
    heads: int
    kv_heads: int
    d: int
    vocab: int
    windows: list[int | None]

    def same_layers(self, linears: list[LinearSpec], norm_params: int, **kw: Any) -> list[LayerSpec]:
        """One layer spec per layer, alike but for its sliding window (a family without experts)."""
        return [LayerSpec(tuple(linears), norm_params, sliding_window=window, **kw) for window in self.windows]

    def arch(self, layers: list[LayerSpec], **kw: Any) -> ModelArch:
        """The architecture of these sizes; `kw` adds the family's fields (num_kv_heads and head_dim
        where the family reads them its own way)."""
        fields: dict[str, Any] = {
            "model_type": self.model_type,
            "architecture": self.model_type,
            "hidden_size": self.h,
            "num_layers": self.num_layers,
            "num_heads": self.heads,
            "num_kv_heads": self.kv_heads,
            "head_dim": self.d,
            "vocab_size": self.vocab,
            "tie_word_embeddings": False,
            "max_position_embeddings": 0,
            "layers": tuple(layers),
        }
        return ModelArch(**{**fields, **kw})


def _gpt_style(h: int, inter: int) -> dict[str, Any]:
    """What the GPT-2 lineage (GPT-2, StarCoder, Falcon, GPT-NeoX, Phi) shares: a plain (ungated) MLP,
    and LayerNorms with a bias (2 h parameters each, the final one included)."""
    return {"intermediate_size": inter, "mlp_gated": False, "norm_kind": "layer", "final_norm_params": 2 * h}


def _build_llama_like(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    """Llama, Mistral, Qwen2/3, Gemma 1-3, Granite, OLMo, Mixtral, Qwen-MoE, generic."""
    model_type, h, d = s.model_type, s.h, s.d
    inter = int(_get(cfg, "intermediate_size", "ffn_hidden_size", "n_inner", default=4 * h))
    bias_qkv = bool(cfg.get("attention_bias", model_type in ("qwen2", "qwen2_moe")))
    bias_o = bool(cfg.get("attention_bias", False)) and model_type not in ("qwen2", "qwen2_moe")
    mlp_bias = bool(cfg.get("mlp_bias", False))
    norms_per_layer = 4 if model_type in ("gemma2", "gemma3", "gemma3_text") else 2
    qk_norm = (
        2 * d
        if (model_type in ("qwen3", "qwen3_moe", "gemma3", "gemma3_text", "olmo2") or cfg.get("use_qk_norm"))
        else 0
    )

    num_experts = int(_get(cfg, "num_local_experts", "num_experts", "n_routed_experts", default=0) or 0)
    top_k = int(_get(cfg, "num_experts_per_tok", "experts_per_token", "moe_topk", default=0) or 0)
    moe_inter = int(_get(cfg, "moe_intermediate_size", default=inter) or inter)
    shared_inter = int(_get(cfg, "shared_expert_intermediate_size", default=0) or 0)
    sparse_step = int(cfg.get("decoder_sparse_step", 1) or 1)
    mlp_only = {int(i) for i in cfg.get("mlp_only_layers") or []}

    layers = []
    for i, window in enumerate(s.windows):
        linears = _attention_linears(h, s.heads, s.kv_heads, d, bias_qkv=bias_qkv, bias_o=bias_o, fused=False)
        moe = num_experts > 0 and i not in mlp_only and (i + 1) % sparse_step == 0
        if moe:
            linears.append(LinearSpec("router", h, num_experts, tp="replicated"))
            linears += _expert_linears(h, moe_inter, num_experts)
            if shared_inter:
                linears += _mlp_linears(h, shared_inter, gated=True, bias=False)
                linears.append(LinearSpec("shared_gate", h, 1, tp="replicated"))
        else:
            linears += _mlp_linears(h, inter, gated=True, bias=mlp_bias)
        layers.append(LayerSpec(tuple(linears), norms_per_layer * h + qk_norm, sliding_window=window, moe=moe))
    return s.arch(
        layers,
        intermediate_size=inter,
        mlp_gated=True,
        final_norm_params=h,
        num_experts=num_experts,
        experts_per_token=top_k if num_experts else 0,
        moe_intermediate_size=moe_inter if num_experts else 0,
        shared_expert_intermediate_size=shared_inter,
    )


def _build_qwen_v1(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    # Qwen v1 remote code: intermediate_size is twice the MLP width (w1, w2 are I/2 wide),
    # c_attn is one fused QKV with bias, MHA, untied lm_head
    h = s.h
    width = int(cfg.get("intermediate_size", 8 * h)) // 2
    proj = s.heads * s.d
    bias = not cfg.get("no_bias", True)
    linears = [
        LinearSpec("qkv", h, 3 * proj, bias=True, tp="column", lora_roles=("q", "k", "v")),
        LinearSpec("o", proj, h, bias=bias, tp="row", lora_roles=("o",)),
        LinearSpec("up", h, width, bias=bias, tp="column", lora_roles=("up",)),  # w1
        LinearSpec("gate", h, width, bias=bias, tp="column", lora_roles=("gate",)),  # w2
        LinearSpec("down", width, h, bias=bias, tp="row", lora_roles=("down",)),  # mlp.c_proj
    ]
    # without flash-attn the remote code registers a max_position_embeddings^2 bool causal mask
    return s.arch(
        s.same_layers(linears, 2 * h),
        num_kv_heads=s.heads,
        intermediate_size=width,
        mlp_gated=True,
        final_norm_params=h,
        fused_qkv=True,
        causal_mask_positions=int(cfg.get("max_position_embeddings", 8192)),
        causal_mask_only_without_flash=True,
    )


def _build_gpt_bigcode(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    h = s.h
    inter = int(_get(cfg, "n_inner", "intermediate_size", default=4 * h) or 4 * h)
    linears = [
        LinearSpec("qkv", h, h + 2 * s.kv_heads * s.d, bias=True, tp="column", lora_roles=("q", "k", "v")),
        LinearSpec("o", h, h, bias=True, tp="row", lora_roles=("o",)),
        *_mlp_linears(h, inter, gated=False, bias=True),
    ]
    positions = int(_get(cfg, "n_positions", "max_position_embeddings", default=2048))
    return s.arch(
        s.same_layers(linears, 4 * h),
        **_gpt_style(h, inter),
        position_embedding_params=positions * h,
        fused_qkv=True,
        rotary=False,
        causal_mask_positions=positions,  # the model keeps a tril(n_positions^2) bool buffer
    )


def _build_gpt2(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    return _build_gpt_bigcode({**cfg, "multi_query": False}, replace(s, kv_heads=s.heads))


def _build_falcon(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    h, heads, kv_heads, d = s.h, s.heads, s.kv_heads, s.d
    inter = int(_get(cfg, "ffn_hidden_size", default=4 * h) or 4 * h)
    bias = bool(cfg.get("bias", False))
    new_arch = bool(cfg.get("new_decoder_architecture"))
    norms = 2 if new_arch and int(cfg.get("num_ln_in_parallel_attn", 2) or 2) == 2 else 1
    if not new_arch and not cfg.get("parallel_attn", True):
        norms = 2
    linears = [
        LinearSpec("qkv", h, (heads + 2 * kv_heads) * d, bias=bias, tp="column", lora_roles=("q", "k", "v")),
        LinearSpec("o", heads * d, h, bias=bias, tp="row", lora_roles=("o",)),
        *_mlp_linears(h, inter, gated=False, bias=bias),
    ]
    return s.arch(
        s.same_layers(linears, norms * 2 * h),
        **_gpt_style(h, inter),
        fused_qkv=True,
        rotary=not cfg.get("alibi", False),
        parallel_block=norms == 1,
    )


def _build_gpt_neox(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    h = s.h
    inter = int(_get(cfg, "intermediate_size", default=4 * h))
    linears = [
        LinearSpec("qkv", h, 3 * h, bias=True, tp="column", lora_roles=("q", "k", "v")),
        LinearSpec("o", h, h, bias=True, tp="row", lora_roles=("o",)),
        *_mlp_linears(h, inter, gated=False, bias=True),
    ]
    return s.arch(
        s.same_layers(linears, 4 * h),
        num_kv_heads=s.heads,
        **_gpt_style(h, inter),
        fused_qkv=True,
    )


def _build_phi(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    # phi-1/1.5/2: separate q/k/v with bias, one shared LayerNorm (parallel block), GELU MLP,
    # lm_head with bias
    h = s.h
    inter = int(_get(cfg, "intermediate_size", "n_inner", default=4 * h) or 4 * h)
    linears = [
        *_attention_linears(h, s.heads, s.kv_heads, s.d, bias_qkv=True, bias_o=True, fused=False),
        *_mlp_linears(h, inter, gated=False, bias=True),
    ]
    return s.arch(
        s.same_layers(linears, 2 * h),
        **_gpt_style(h, inter),
        lm_head_bias=True,
        parallel_block=True,
    )


def _build_phi3(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    h, heads, kv_heads, d = s.h, s.heads, s.kv_heads, s.d
    inter = int(cfg.get("intermediate_size", 4 * h))
    linears = [
        LinearSpec("qkv", h, (heads + 2 * kv_heads) * d, tp="column", lora_roles=("q", "k", "v")),
        LinearSpec("o", heads * d, h, tp="row", lora_roles=("o",)),
        LinearSpec("gate_up", h, 2 * inter, tp="column", lora_roles=("gate", "up")),
        LinearSpec("down", inter, h, tp="row", lora_roles=("down",)),
    ]
    return s.arch(
        s.same_layers(linears, 2 * h),
        intermediate_size=inter,
        mlp_gated=True,
        final_norm_params=h,
        fused_qkv=True,
    )


def _build_deepseek(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    # MLA attention + DeepSeekMoE (shared experts, first dense layers)
    h, heads = s.h, s.heads
    inter = int(cfg.get("intermediate_size", 4 * h))
    kv_rank = int(cfg.get("kv_lora_rank", 512))
    q_rank = cfg.get("q_lora_rank")
    rope = int(cfg.get("qk_rope_head_dim", 64))
    nope = int(cfg.get("qk_nope_head_dim", 128))
    v_dim = int(cfg.get("v_head_dim", 128))
    experts = int(cfg.get("n_routed_experts") or 0)
    shared = int(cfg.get("n_shared_experts") or 0)
    moe_inter = int(cfg.get("moe_intermediate_size", inter))
    first_dense = int(cfg.get("first_k_dense_replace", 0) or 0)
    freq = int(cfg.get("moe_layer_freq", 1) or 1)
    qk_dim = nope + rope
    layers = []
    for i, window in enumerate(s.windows):
        if q_rank:
            attn = [
                LinearSpec("q_a", h, int(q_rank), tp="replicated", lora_roles=("q",)),
                LinearSpec("q_b", int(q_rank), heads * qk_dim, tp="column", lora_roles=("q",)),
            ]
        else:
            attn = [LinearSpec("q", h, heads * qk_dim, tp="column", lora_roles=("q",))]
        attn += [
            LinearSpec("kv_a", h, kv_rank + rope, tp="replicated", lora_roles=("k", "v")),
            LinearSpec("kv_b", kv_rank, heads * (nope + v_dim), tp="column", lora_roles=("k", "v")),
            LinearSpec("o", heads * v_dim, h, tp="row", lora_roles=("o",)),
        ]
        moe = experts > 0 and i >= first_dense and i % freq == 0
        if moe:
            mlp = [LinearSpec("router", h, experts, tp="replicated")]
            mlp += _expert_linears(h, moe_inter, experts)
            if shared:
                mlp += _mlp_linears(h, moe_inter * shared, gated=True, bias=False)
        else:
            mlp = _mlp_linears(h, inter, gated=True, bias=False)
        norm = 2 * h + kv_rank + (int(q_rank) if q_rank else 0)
        layers.append(LayerSpec(tuple(attn + mlp), norm, sliding_window=window, moe=moe))
    return s.arch(
        layers,
        num_kv_heads=heads,
        head_dim=qk_dim,
        intermediate_size=inter,
        mlp_gated=True,
        final_norm_params=h,
        num_experts=experts,
        experts_per_token=int(cfg.get("num_experts_per_tok", 0) or 0),
        moe_intermediate_size=moe_inter,
        shared_expert_intermediate_size=moe_inter * shared,
        kv_lora_rank=kv_rank,
        qk_rope_head_dim=rope,
        v_head_dim=v_dim,
    )


def _build_gpt_oss(cfg: dict[str, Any], s: _Shape) -> ModelArch:
    h = s.h
    experts = int(_get(cfg, "num_local_experts", "num_experts", default=32))
    inter = int(cfg.get("intermediate_size", h))
    linears = _attention_linears(h, s.heads, s.kv_heads, s.d, bias_qkv=True, bias_o=True, fused=False)
    linears.append(LinearSpec("router", h, experts, bias=True, tp="replicated"))
    linears += [
        LinearSpec(
            "gate_up", h, 2 * inter, count=experts, bias=True, expert=True, tp="column", lora_roles=("gate", "up")
        ),
        LinearSpec("down", inter, h, count=experts, bias=True, expert=True, tp="row", lora_roles=("down",)),
    ]
    return s.arch(
        s.same_layers(linears, 2 * h, extra_params=s.heads, moe=True),
        intermediate_size=inter,
        mlp_gated=True,
        final_norm_params=h,
        num_experts=experts,
        experts_per_token=int(_get(cfg, "num_experts_per_tok", "experts_per_token", default=4)),
        moe_intermediate_size=inter,
    )


_FAMILY_BUILDERS = {
    "qwen": _build_qwen_v1,
    "gpt_bigcode": _build_gpt_bigcode,
    "gpt2": _build_gpt2,
    "falcon": _build_falcon,
    "refinedweb": _build_falcon,
    "refinedwebmodel": _build_falcon,
    "gpt_neox": _build_gpt_neox,
    "phi": _build_phi,
    "phi3": _build_phi3,
    "deepseek_v2": _build_deepseek,
    "deepseek_v3": _build_deepseek,
    "gpt_oss": _build_gpt_oss,
}
