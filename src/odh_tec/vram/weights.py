"""Bytes of the weights as they are *loaded*: dtype, bitsandbytes, GPTQ/AWQ, FP8, MXFP4, GGUF.

Quantized formats store more than their nominal bits (scales, zero points, group indices), and
they leave some tensors in 16-bit (embeddings, lm_head, norms, routers). Both effects are
mechanical, so they are computed per matrix here rather than approximated by a ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

from odh_tec.vram.architecture import LinearSpec, ModelArch

DTYPE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1}

FLOAT_WEIGHTS = ("fp32", "bf16", "fp16")
BNB_4BIT = ("nf4", "nf4-dq", "fp4")
PACKED_INT = ("gptq-int4", "gptq-int8", "awq-int4", "int4")
KNOWN_WEIGHTS = FLOAT_WEIGHTS + BNB_4BIT + PACKED_INT + ("fp8", "int8", "mxfp4")

# GGUF storage: bytes per block / values per block (ggml type traits)
GGUF_TYPE_BYTES: dict[str, tuple[int, int]] = {
    "F32": (4, 1),
    "F16": (2, 1),
    "BF16": (2, 1),
    "Q8_0": (34, 32),
    "Q4_0": (18, 32),
    "Q4_1": (20, 32),
    "Q5_0": (22, 32),
    "Q5_1": (24, 32),
    "Q2_K": (84, 256),
    "Q3_K": (110, 256),
    "Q4_K": (144, 256),
    "Q5_K": (176, 256),
    "Q6_K": (210, 256),
    "IQ4_XS": (136, 256),
    "IQ4_NL": (18, 32),
    "MXFP4": (17, 32),
}

# llama.cpp file type -> default tensor type
GGUF_FILE_TYPES: dict[str, str] = {
    "f32": "F32",
    "f16": "F16",
    "bf16": "BF16",
    "q8_0": "Q8_0",
    "q4_0": "Q4_0",
    "q4_1": "Q4_1",
    "q5_0": "Q5_0",
    "q5_1": "Q5_1",
    "q2_k": "Q2_K",
    "q3_k_s": "Q3_K",
    "q3_k_m": "Q3_K",
    "q3_k_l": "Q3_K",
    "q4_k_s": "Q4_K",
    "q4_k_m": "Q4_K",
    "q5_k_s": "Q5_K",
    "q5_k_m": "Q5_K",
    "q6_k": "Q6_K",
    "iq4_xs": "IQ4_XS",
    "iq4_nl": "IQ4_NL",
    "mxfp4_moe": "MXFP4",
}

# when a row length is not a multiple of 256, k-quants fall back to a 32-block type
_K_FALLBACK = {"Q2_K": "IQ4_NL", "Q3_K": "IQ4_NL", "IQ4_XS": "IQ4_NL", "Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0"}


def gguf_tensor_bytes(gguf_type: str, numel: int) -> float:
    block_bytes, block_values = GGUF_TYPE_BYTES[gguf_type]
    return numel * block_bytes / block_values


@dataclass(frozen=True)
class WeightFormat:
    """How the weights are held in GPU memory."""

    name: str  # contract name: bf16, nf4-dq, gptq-int4, gguf-q4_k_m, ...
    dense_dtype: str  # dtype of the tensors the quantizer leaves alone (embeddings, norms, lm_head)
    group_size: int = 128

    @property
    def is_float(self) -> bool:
        return self.name in FLOAT_WEIGHTS

    @property
    def is_bnb(self) -> bool:
        return self.name in BNB_4BIT or self.name == "int8"

    @property
    def is_bnb4(self) -> bool:
        return self.name in BNB_4BIT

    @property
    def is_gguf(self) -> bool:
        return self.name.startswith("gguf-")

    @property
    def is_packed_int(self) -> bool:
        return self.name in PACKED_INT

    @property
    def gguf_file_type(self) -> str:
        return self.name[len("gguf-") :]

    @property
    def dense_bytes(self) -> int:
        return DTYPE_BYTES[self.dense_dtype]

    def linear_bits(self, lin: LinearSpec, *, engine: str = "transformers") -> float:
        """Bits per weight element of one Linear (scales and indices included)."""
        name = self.name
        if name in FLOAT_WEIGHTS:
            return 8.0 * DTYPE_BYTES[name]
        if lin.role in ("router", "shared_gate"):
            return 8.0 * self.dense_bytes  # quantizers skip the tiny routing matrices
        if name == "mxfp4":
            # MXFP4 covers the experts only; attention stays 16-bit (modules_to_not_convert)
            return 4.25 if lin.expert else 8.0 * self.dense_bytes
        if name == "nf4" or name == "fp4":
            return 4.0 + 32.0 / 64  # fp32 absmax per 64-value block
        if name == "nf4-dq":
            return 4.0 + 8.0 / 64 + 32.0 / (64 * 256)  # absmax re-quantized to 8 bit, blocks of 256
        if name == "int8":
            return 8.0 + 32.0 / lin.d_in  # LLM.int8 / W8A8: one fp32 scale per output row
        if name == "fp8":
            return 8.0 + 32.0 / lin.d_in  # per-channel (or coarser) fp32 scales
        g = max(1, self.group_size)
        if name in ("gptq-int4", "gptq-int8"):
            bits = 4 if name == "gptq-int4" else 8
            # packed qweight + fp16 scale and packed zero per group + int32 g_idx per input row
            return bits + (16.0 + bits) / g + 32.0 / lin.d_out
        if name == "awq-int4":
            return 4 + (16.0 + 4) / g
        if name == "int4":
            return 4 + 16.0 / g
        raise ValueError(f"unknown weights format {name}")


def parse_weights(name: str, arch: ModelArch, compute_dtype: str) -> WeightFormat:
    """Resolve the request's `weights` (incl. "auto") to a concrete format."""
    name = (name or "auto").lower()
    if name == "auto":
        name = arch.quantization.weights if arch.quantization is not None else arch.torch_dtype
    dense = compute_dtype if compute_dtype in ("bf16", "fp16") else "bf16"
    if name in FLOAT_WEIGHTS:
        return WeightFormat(name, name)
    if name.startswith("gguf-"):
        if name[len("gguf-") :] not in GGUF_FILE_TYPES:
            raise ValueError(f"unknown GGUF type {name!r}; known: {', '.join('gguf-' + t for t in GGUF_FILE_TYPES)}")
        return WeightFormat(name, "fp16")
    if name not in KNOWN_WEIGHTS:
        raise ValueError(f"unknown weights {name!r}; use auto, {', '.join(KNOWN_WEIGHTS)} or gguf-<type>")
    group = 128
    if arch.quantization is not None and arch.quantization.weights == name and arch.quantization.group_size:
        group = arch.quantization.group_size
    if name in ("gptq-int4", "gptq-int8", "awq-int4", "int4"):
        dense = "fp16" if arch.quantization and arch.quantization.method in ("gptq", "awq") else dense
    return WeightFormat(name, dense, group)


@dataclass(frozen=True)
class WeightBytes:
    """Per-category bytes of the full (unsharded) model."""

    layers: float  # decoder layers incl. their norms and biases
    embedding: float
    lm_head: float
    other: float  # final norm, learned positions
    dense_params: int  # parameters left unquantized (what PEFT up-casts for QLoRA)
    quantized_params: int

    @property
    def total(self) -> float:
        return self.layers + self.embedding + self.lm_head + self.other


def _layer_linear_bytes(
    fmt: WeightFormat, lin: LinearSpec, *, engine: str, expert_hidden_pad: int = 0
) -> tuple[float, int, int]:
    """(bytes, quantized params, dense params) of one LinearSpec incl. its bias."""
    bias_bytes = (lin.count * lin.d_out if lin.bias else 0) * (4 if fmt.name == "fp32" else 2)
    bias_params = lin.count * lin.d_out if lin.bias else 0
    bits = fmt.linear_bits(lin, engine=engine)
    numel = lin.weight_params
    if expert_hidden_pad and lin.expert and bits < 8:
        # MoE kernels want the hidden dimension padded (vLLM MXFP4: multiple of 256)
        h = lin.d_in if lin.role != "down" else lin.d_out
        padded = -(-h // expert_hidden_pad) * expert_hidden_pad
        numel = numel * padded // h
    quantized = bits < 16 and not fmt.is_float
    return (
        numel * bits / 8 + bias_bytes,
        (lin.weight_params if quantized else 0),
        (0 if quantized else lin.weight_params) + bias_params,
    )


def weight_bytes(
    arch: ModelArch,
    fmt: WeightFormat,
    *,
    engine: str = "transformers",
    expert_hidden_pad: int = 0,
    dense_override: int | None = None,
) -> WeightBytes:
    """Bytes of every weight category. `dense_override` re-prices unquantized tensors
    (e.g. 4 bytes when PEFT up-casts them to fp32 for QLoRA)."""
    if fmt.is_gguf:
        return gguf_weight_bytes(arch, fmt.gguf_file_type)
    dense = dense_override if dense_override is not None else (4 if fmt.name == "fp32" else fmt.dense_bytes)
    layers = 0.0
    quantized = 0
    dense_params = 0
    for layer in arch.layers:
        for lin in layer.linears:
            b, q, d = _layer_linear_bytes(fmt, lin, engine=engine, expert_hidden_pad=expert_hidden_pad)
            if d and not fmt.is_float and dense_override is not None:
                b += d * (dense_override - fmt.dense_bytes)  # unquantized matrices follow the dense dtype
            layers += b
            quantized += q
            dense_params += d
        layers += (layer.norm_params + layer.extra_params) * dense
        dense_params += layer.norm_params + layer.extra_params
    embedding = arch.embedding_params * dense
    lm_head = arch.lm_head_params * dense
    other = (arch.final_norm_params + arch.position_embedding_params) * dense
    dense_params += (
        arch.embedding_params + arch.lm_head_params + arch.final_norm_params + arch.position_embedding_params
    )
    k = arch.weight_scale
    if fmt.is_float:
        b = DTYPE_BYTES[fmt.name] if dense_override is None else dense_override
        return WeightBytes(arch.layer_params * b * k, embedding * k, lm_head * k, other * k, arch.total_params, 0)
    return WeightBytes(layers * k, embedding * k, lm_head * k, other * k, dense_params, quantized)


# ---- GGUF --------------------------------------------------------------------------------------


def _use_more_bits(i: int, n: int) -> bool:
    # llama.cpp gives the first and last eighth of the layers, and every third layer between,
    # a bigger type for attn_v / ffn_down in the *_M mixes
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def gguf_tensor_type(
    ftype: str, role: str, layer: int, n_layers: int, d_in: int, *, n_experts: int = 0, n_gqa: int = 1
) -> str:
    """Tensor type that llama.cpp's quantizer picks for a decoder-layer matrix."""
    base = GGUF_FILE_TYPES[ftype]
    if base in ("F32", "F16", "BF16", "Q8_0"):
        chosen = base
    else:
        chosen = base
        kquant = ftype.startswith(("q2_k", "q3_k", "q4_k", "q5_k"))
        if role == "v" or role == "kv_b":
            if ftype == "q2_k":
                chosen = "Q4_K" if n_gqa >= 4 else "Q3_K"
            elif ftype == "q3_k_m":
                chosen = "Q5_K" if layer < 2 else "Q4_K"
            elif ftype == "q3_k_l":
                chosen = "Q5_K"
            elif ftype in ("q4_k_m", "q5_k_m") and _use_more_bits(layer, n_layers):
                chosen = "Q6_K"
            elif ftype == "q4_k_s" and layer < 4:
                chosen = "Q5_K"
            if n_layers == 80 and chosen in ("Q3_K", "Q4_K"):
                chosen = "Q5_K"  # llama.cpp's 70B rule: attn_v is 8x smaller under GQA, give it more bits
            if n_experts == 8 and kquant:
                chosen = "Q8_0"
        elif role == "k" and n_experts == 8 and kquant:
            chosen = "Q8_0"
        elif role == "o":
            if ftype == "q2_k":
                chosen = "Q3_K"
            elif ftype == "q3_k_m":
                chosen = "Q4_K"
            elif ftype == "q3_k_l":
                chosen = "Q5_K"
        elif role == "qkv":
            chosen = {"q3_k_m": "Q4_K", "q3_k_l": "Q4_K", "q4_k_m": "Q5_K", "q5_k_m": "Q6_K"}.get(ftype, base)
        elif role == "down":
            if ftype == "q2_k":
                chosen = "Q3_K"
            elif ftype == "q3_k_m":
                chosen = "Q5_K" if layer < n_layers // 16 else ("Q4_K" if _use_more_bits(layer, n_layers) else "Q3_K")
            elif ftype == "q3_k_l":
                chosen = "Q5_K"
            elif ftype in ("q4_k_m", "q5_k_m") and _use_more_bits(layer, n_layers):
                chosen = "Q6_K"
            elif ftype == "q4_k_s" and layer < n_layers // 8:
                chosen = "Q5_K"
    block = GGUF_TYPE_BYTES[chosen][1]
    if d_in % block:
        chosen = _K_FALLBACK.get(chosen, "F16")
        if d_in % GGUF_TYPE_BYTES[chosen][1]:
            chosen = "F16"
    return chosen


def gguf_output_type(ftype: str) -> str:
    base = GGUF_FILE_TYPES[ftype]
    if base in ("F32", "F16", "BF16", "Q8_0"):
        return base
    return "Q6_K"  # llama.cpp keeps the output matrix at Q6_K in every k/legacy mix


def gguf_layer_bytes(arch: ModelArch, ftype: str, index: int) -> float:
    layer = arch.layers[index]
    total = 0.0
    for lin in layer.linears:
        if lin.role in ("router", "shared_gate"):
            total += lin.weight_params * 4  # ffn_gate_inp is never quantized (F32)
        else:
            t = gguf_tensor_type(
                ftype,
                lin.role,
                index,
                arch.num_layers,
                lin.d_in,
                n_experts=arch.num_experts,
                n_gqa=arch.num_heads // arch.num_kv_heads,
            )
            total += gguf_tensor_bytes(t, lin.weight_params)
        if lin.bias:
            total += lin.count * lin.d_out * 4
    total += (layer.norm_params + layer.extra_params) * 4  # 1-D tensors stay F32
    return total


def gguf_weight_bytes(arch: ModelArch, ftype: str) -> WeightBytes:
    layers = sum(gguf_layer_bytes(arch, ftype, i) for i in range(arch.num_layers))
    out_type = gguf_output_type(ftype)
    d = arch.hidden_size
    if d % GGUF_TYPE_BYTES[out_type][1]:
        out_type = _K_FALLBACK.get(out_type, "F16")
    # tied models still get an output copy (llama.cpp duplicates token_embd for the GPU)
    lm_head = gguf_tensor_bytes(out_type, arch.vocab_size * d)
    embedding = gguf_tensor_bytes(
        GGUF_FILE_TYPES[ftype] if GGUF_FILE_TYPES[ftype] != "MXFP4" else "Q8_0", arch.vocab_size * d
    )
    other = arch.final_norm_params * 4 + arch.position_embedding_params * 4
    k = arch.weight_scale
    return WeightBytes(layers * k, embedding * k, lm_head * k, other * k, 0, arch.layer_params)
