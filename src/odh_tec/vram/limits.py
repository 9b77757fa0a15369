"""Input limits of the estimator: every number that drives its work or memory has a cap, here.

Why: `GET /api/vram/model` is a GET, so any web page can make a browser call it, and the
config.json it reads was written by whoever uploaded the model. The estimator's work grows with
the layer count (one `LayerSpec` per layer, walked by every term), with the GPU count (one
breakdown per GPU) and with lists the config carries, so a config saying 3,000,000 layers once
held the event loop for over a minute at 4.6 GB. Parsing and estimating now run in worker threads
with a time limit (`WORK_SECONDS`, see `odh_tec.api.vram`), but a thread cannot be killed: these
caps are what bound the work; the time limit only bounds how long a request waits.

The caps are generous: the largest released models have ~126 layers, hidden size 25,600,
a 262,144-token vocabulary, 10M positions and 384 experts, so no real config comes near one.
A value beyond a cap is refused (HTTP 422) with the field named, never clamped: a silently
clamped estimate would be a wrong one.
"""

from __future__ import annotations

import math
from typing import Any

MiB = 1 << 20

# ---- model (config.json) ---------------------------------------------------------------------------
MAX_LAYERS = 1024
MAX_HIDDEN = 131_072
MAX_INTERMEDIATE = 1_048_576
MAX_HEADS = 4096
MAX_HEAD_DIM = 16_384
MAX_EXPERTS = 4096
MAX_VOCAB = 4_194_304
MAX_CONTEXT = 16_777_216  # positions, windows and every sequence length of a workload
MAX_ROPE_FACTOR = 1024
MAX_QUANT_BITS = 64
MAX_GROUP_SIZE = 1_048_576
MAX_MODULE_LIST = 65_536  # quantization skip lists name modules, a few per layer at most

# ---- workload and hardware (the request) -----------------------------------------------------------
MAX_GPUS = 1024  # hardware.count, tensor_parallel, pipeline_parallel
MAX_SEQUENCES = 65_536  # batch_size, max_num_seqs
MAX_GPU_LAYERS = 1_000_000  # llama.cpp's "all layers" idiom is -ngl 999 or 9999
MAX_LORA_RANK = 65_536
MAX_MEMORY_GIB = 1_048_576.0  # memory_gib, margin_gib: 1 PiB
MAX_WEIGHT_BYTES = 1 << 50  # model.weight_bytes and the Hub's total_size: 1 PiB

# ---- the Hub fetch -----------------------------------------------------------------------------------
CONFIG_JSON_BYTES = 1 * MiB  # real config.json files are a few KiB
INDEX_JSON_BYTES = 32 * MiB  # DeepSeek-V3's weight map, the largest we know, is ~9 MiB
SAFETENSORS_HEADER_BYTES = 16 * MiB  # safetensors allows 100 MB; real headers are KiBs to a few MiB
SAFETENSORS_HEADERS_TOTAL = 64 * MiB  # all shards of one repo together
SAFETENSORS_FILES = 128  # shards whose headers are read; past it the weight bytes stay unknown
SAFETENSORS_RANK = 16  # dimensions of one tensor (real ones have at most 5)
HUB_SECONDS = 60.0  # the whole Hub fetch of one request

# ---- work ----------------------------------------------------------------------------------------------
WORK_SECONDS = 5.0  # parse + estimate of one request; the capped worst case takes ~1.5 s on one core
WORKERS = 2  # threads parsing and estimating; more requests queue (and time out) behind them

# Config fields by path (dots: nested objects) -> cap. Aliases of one quantity share its cap;
# a multimodal model's text_config / llm_config / language_config is checked with the same table.
CONFIG_CAPS: dict[str, float] = {
    **dict.fromkeys(
        (
            "num_hidden_layers",
            "n_layer",
            "num_layers",
            "n_layers",
            "max_window_layers",
            "first_k_dense_replace",
            "moe_layer_freq",
            "decoder_sparse_step",
            "sliding_window_pattern",
        ),
        MAX_LAYERS,
    ),
    **dict.fromkeys(
        ("hidden_size", "d_model", "n_embd", "dim", "model_dim", "kv_lora_rank", "q_lora_rank"), MAX_HIDDEN
    ),
    **dict.fromkeys(
        ("intermediate_size", "ffn_hidden_size", "n_inner", "moe_intermediate_size", "shared_expert_intermediate_size"),
        MAX_INTERMEDIATE,
    ),
    **dict.fromkeys(
        (
            "num_attention_heads",
            "n_head",
            "num_heads",
            "n_heads",
            "num_key_value_heads",
            "num_kv_heads",
            "n_head_kv",
            "multi_query_group_num",
        ),
        MAX_HEADS,
    ),
    **dict.fromkeys(
        ("head_dim", "kv_channels", "attention_head_dim", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"),
        MAX_HEAD_DIM,
    ),
    **dict.fromkeys(
        (
            "num_local_experts",
            "num_experts",
            "n_routed_experts",
            "n_shared_experts",
            "num_experts_per_tok",
            "experts_per_token",
            "moe_topk",
        ),
        MAX_EXPERTS,
    ),
    **dict.fromkeys(("vocab_size", "padded_vocab_size", "n_vocab"), MAX_VOCAB),
    **dict.fromkeys(
        (
            "max_position_embeddings",
            "n_positions",
            "seq_length",
            "max_seq_len",
            "sliding_window",
            "sliding_window_size",
            "attention_window_size",
            "rope_scaling.original_max_position_embeddings",
        ),
        MAX_CONTEXT,
    ),
    "rope_scaling.factor": MAX_ROPE_FACTOR,
    "partial_rotary_factor": 1,
    "rotary_pct": 1,
    "quantization_config.bits": MAX_QUANT_BITS,
    "quantization_config.w_bit": MAX_QUANT_BITS,
    "quantization_config.group_size": MAX_GROUP_SIZE,
    "quantization_config.q_group_size": MAX_GROUP_SIZE,
}
# the few fields whose smallest meaningful value is not 0
CONFIG_MINIMUMS: dict[str, float] = {
    "sliding_window_pattern": 1,  # every n-th layer is global: n = 0 would divide by zero
    "quantization_config.group_size": -1,  # -1 = one group per column
    "quantization_config.q_group_size": -1,
}
# Lists by path -> most entries (per-layer lists are walked once per layer).
CONFIG_LIST_CAPS: dict[str, int] = {
    "layer_types": MAX_LAYERS,
    "mlp_only_layers": MAX_LAYERS,
    "quantization_config.modules_to_not_convert": MAX_MODULE_LIST,
    "quantization_config.llm_int8_skip_modules": MAX_MODULE_LIST,
    "quantization_config.ignore": MAX_MODULE_LIST,
}
NESTED_CONFIGS = ("text_config", "llm_config", "language_config")


class LimitExceeded(ValueError):
    """A number out of its range, or a list longer than its cap (HTTP 422)."""


def show_value(value: Any) -> str:
    """The value for a message, short: a crafted one can be a megabyte of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a {value.bit_length()}-bit number"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_number(name: str, value: Any) -> int | float:
    """`value` as a finite number (bools count as 0/1, numeric strings as their number)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LimitExceeded(f"{name}: {value} is not a finite number")
        return value
    if isinstance(value, str):
        try:
            return as_number(name, float(value))  # a few hand-edited configs quote their numbers
        except ValueError:
            pass
    raise LimitExceeded(f"{name}: {show_value(value)} is not a number")


def check_number(name: str, value: Any, maximum: float, minimum: float = 0) -> int | float:
    """`value` if it is a finite number in [minimum, maximum]; else LimitExceeded naming `name`."""
    number = as_number(name, value)
    if number > maximum:
        raise LimitExceeded(f"{name}: {show_value(value)} exceeds the limit of {show_value(maximum)}")
    if number < minimum:
        raise LimitExceeded(f"{name}: {show_value(value)} is below the minimum of {show_value(minimum)}")
    return number


def _lookup(section: dict[str, Any], path: str) -> Any:
    node: Any = section
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _check_section(section: dict[str, Any], prefix: str) -> None:
    for path, cap in CONFIG_CAPS.items():
        value = _lookup(section, path)
        if value is not None:
            check_number(prefix + path, value, cap, CONFIG_MINIMUMS.get(path, 0))
    for path, most in CONFIG_LIST_CAPS.items():
        value = _lookup(section, path)
        if value is None:
            continue
        if not isinstance(value, list):
            raise LimitExceeded(f"{prefix}{path}: expected a list, got {show_value(value)}")
        if len(value) > most:
            raise LimitExceeded(f"{prefix}{path}: {len(value)} entries exceed the limit of {most}")


def check_config(config: dict[str, Any]) -> None:
    """Refuse a config.json with any capped field out of range (nested text configs included).

    Cheap (one dict lookup per table entry), so it runs before anything walks the config."""
    _check_section(config, "")
    for key in NESTED_CONFIGS:
        inner = config.get(key)
        if isinstance(inner, dict):
            _check_section(inner, f"{key}.")
