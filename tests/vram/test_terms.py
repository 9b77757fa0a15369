"""Each memory term on hand-computed cases."""

from __future__ import annotations

import pytest

from odh_tec.vram.architecture import parse_config
from odh_tec.vram.gpus import find_gpu
from odh_tec.vram.inference import (
    hf_kv_elements_per_token,
    llamacpp_inference,
    sharded_weight_bytes,
    transformers_inference,
    valid_tensor_parallel,
    vllm_inference,
)
from odh_tec.vram.training import finetune, layer_activation_bytes, lora_trainable_params
from odh_tec.vram.weights import WeightFormat, gguf_tensor_type, gguf_weight_bytes, parse_weights, weight_bytes
from odh_tec.vram.workload import parse_workload

from .helpers import GIB, config

MIB = float(1 << 20)


# ---- weights -------------------------------------------------------------------------------------


def test_bnb_4bit_bits_per_weight() -> None:
    arch = parse_config(config("llama-2-7b-hf"))
    lin = arch.layers[0].linears[0]
    assert WeightFormat("nf4", "bf16").linear_bits(lin) == pytest.approx(4.5)  # fp32 absmax / 64
    assert WeightFormat("nf4-dq", "bf16").linear_bits(lin) == pytest.approx(4.127, abs=1e-3)


def test_gptq_int4_bytes_and_16bit_leftovers() -> None:
    arch = parse_config(config("qwen-7b-chat-int4"))
    fmt = parse_weights("auto", arch, "fp16")
    assert fmt.name == "gptq-int4" and fmt.group_size == 128
    wb = weight_bytes(arch, fmt)
    # embeddings and lm_head stay fp16: 2 x 151936 x 4096 x 2 B
    assert wb.embedding + wb.lm_head == 2 * 151_936 * 4096 * 2
    # quantized linears: ~4.16 bits per weight (scales, zeros, g_idx)
    per_weight_bits = 8 * (wb.layers - 32 * (2 * 4096 * 2 + 12288 * 2)) / wb.quantized_params
    assert 4.15 < per_weight_bits < 4.17


def test_gguf_q4_k_m_mixture_matches_llama_cpp_log() -> None:
    arch = parse_config(config("llama-2-7b-hf"))
    # use_more_bits: first/last eighth and every third layer get Q6_K for attn_v and ffn_down
    assert gguf_tensor_type("q4_k_m", "v", 0, 32, 4096) == "Q6_K"
    assert gguf_tensor_type("q4_k_m", "v", 5, 32, 4096) == "Q4_K"
    assert gguf_tensor_type("q4_k_m", "down", 6, 32, 11008) == "Q6_K"
    assert gguf_tensor_type("q4_k_m", "q", 0, 32, 4096) == "Q4_K"
    wb = gguf_weight_bytes(arch, "q4_k_m")
    # llama.cpp: "CUDA0 model buffer size = 3820.94 MiB" (token embedding on the host)
    assert (wb.layers + wb.lm_head + wb.other) / MIB == pytest.approx(3820.94, abs=1.0)


def test_mxfp4_experts_only_and_vllm_hidden_padding() -> None:
    arch = parse_config(config("gpt-oss-120b"))
    fmt = parse_weights("auto", arch, "bf16")
    assert fmt.name == "mxfp4"
    unpadded = weight_bytes(arch, fmt).total
    padded = sharded_weight_bytes(arch, fmt, 1, 1)[0]
    assert unpadded / GIB == pytest.approx(60.8, abs=0.2)
    assert padded / GIB == pytest.approx(64.38, rel=0.01)  # vLLM log: "model weights 64.38 GiB"


# ---- KV cache ------------------------------------------------------------------------------------


def test_kv_bytes_per_token_gqa_vs_mha() -> None:
    llama3 = parse_config(config("llama-3.1-8b-instruct"))
    llama2 = parse_config(config("llama-2-7b-hf"))
    assert hf_kv_elements_per_token(llama3, 100) * 2 == 131_072  # 32 x 2 x 8 x 128 x 2 B
    assert hf_kv_elements_per_token(llama2, 100) * 2 == 524_288  # MHA: 4x more


def test_hybrid_cache_caps_sliding_layers_in_transformers() -> None:
    gemma = parse_config(config("gemma-2-27b-it"))
    full = hf_kv_elements_per_token(gemma, 4096)
    long = hf_kv_elements_per_token(gemma, 16384)
    # half of the 46 layers keep at most 4096 tokens: per-token cost drops at long context
    assert long == pytest.approx(full * (23 + 23 * 4096 / 16384) / 46)


def test_transformers_legacy_cache_doubles_while_decoding() -> None:
    arch = parse_config(config("qwen-7b-chat"))
    wl = parse_workload({"task": "inference", "prompt_tokens": 1, "new_tokens": 2048})
    res = transformers_inference(arch, parse_weights("bf16", arch, "bf16"), wl, "bf16", 1)
    kv = res.per_gpu[0].terms["kv_cache"]
    assert kv == pytest.approx(2 * 2049 * 32 * 2 * 4096 * 2)  # old + new cache during torch.cat


def test_fused_qkv_prefill_retains_projection_output() -> None:
    arch = parse_config(config("octocoder"))
    wl = parse_workload({"task": "inference", "prompt_tokens": 5000, "new_tokens": 1})
    res = transformers_inference(arch, parse_weights("bf16", arch, "bf16"), wl, "bf16", 1)
    # the cached K/V are views of the (6144 + 2 x 128)-wide c_attn output of every layer
    assert res.per_gpu[0].terms["kv_cache"] == pytest.approx(5000 * 40 * 6400 * 2)


# ---- vLLM ------------------------------------------------------------------------------------------


def test_vllm_kv_pool_tokens_llama3_8b() -> None:
    arch = parse_config(config("llama-3.1-8b-instruct"))
    wl = parse_workload({"task": "inference", "engine": "vllm", "context_length": 8192, "gpu_memory_utilization": 0.95})
    res = vllm_inference(arch, parse_weights("bf16", arch, "bf16"), wl, "bf16", find_gpu("H100-80GB"), 1)
    assert res.kv_cache_tokens % 16 == 0
    assert res.kv_cache_tokens == pytest.approx(476_016, rel=0.01)  # vLLM 0.19 startup log
    assert res.starts and res.max_concurrency == pytest.approx(res.kv_cache_tokens / 8192, abs=0.01)
    fp8_wl = parse_workload(
        {
            "task": "inference",
            "engine": "vllm",
            "context_length": 8192,
            "gpu_memory_utilization": 0.95,
            "kv_cache_dtype": "fp8",
        }
    )
    fp8 = vllm_inference(arch, parse_weights("bf16", arch, "bf16"), fp8_wl, "bf16", find_gpu("H100-80GB"), 1)
    assert fp8.kv_cache_tokens == pytest.approx(2 * res.kv_cache_tokens, abs=32)


def test_vllm_refuses_when_one_request_does_not_fit() -> None:
    arch = parse_config(config("qwen2.5-72b-instruct"))
    wl = parse_workload(
        {"task": "inference", "engine": "vllm", "context_length": 32768, "gpu_memory_utilization": 0.95}
    )
    res = vllm_inference(arch, parse_weights("bf16", arch, "bf16"), wl, "bf16", find_gpu("H100-80GB"), 2)
    assert not res.starts and res.warnings


@pytest.mark.parametrize(
    ("tp", "ok"), [(1, True), (2, True), (4, True), (8, True), (16, True), (3, False), (5, False), (64, False)]
)
def test_tensor_parallel_must_divide_heads(tp: int, ok: bool) -> None:
    # Llama-3.1-8B: 32 query heads, 8 KV heads; TP 16 replicates each KV head on 2 GPUs
    arch = parse_config(config("llama-3.1-8b-instruct"))
    assert valid_tensor_parallel(arch, tp) is ok


def test_tensor_parallel_kv_heads_must_divide_or_be_divided() -> None:
    arch = parse_config({**config("llama-3.1-8b-instruct"), "num_attention_heads": 48, "num_key_value_heads": 12})
    assert valid_tensor_parallel(arch, 4) and valid_tensor_parallel(arch, 12)
    assert not valid_tensor_parallel(arch, 8)  # 48 % 8 == 0 but 12 KV heads split unevenly


def test_tensor_parallel_shards_weights() -> None:
    arch = parse_config(config("qwen2.5-72b-instruct"))
    fmt = parse_weights("bf16", arch, "bf16")
    one = sharded_weight_bytes(arch, fmt, 1, 1)[0]
    two = sharded_weight_bytes(arch, fmt, 2, 1)[0]
    assert two / GIB == pytest.approx(67.8, abs=0.15)  # vLLM log: 67.80 GiB per GPU at TP2
    assert two < one / 2 + 0.05 * GIB


# ---- llama.cpp -----------------------------------------------------------------------------------


def _llama2_gguf(kv_cache_dtype: str):
    """Llama 2 7B in Q4_K_M under llama.cpp without flash attention, 2048 tokens of context."""
    arch = parse_config(config("llama-2-7b-hf"))
    wl = parse_workload(
        {
            "task": "inference",
            "engine": "llamacpp",
            "weights": "gguf-q4_k_m",
            "kv_cache_dtype": kv_cache_dtype,
            "attention": "eager",
            "context_length": 2048,
        }
    )
    return arch, parse_weights("gguf-q4_k_m", arch, "bf16"), wl


def test_llamacpp_buffers_without_flash_attention() -> None:
    arch, weights, wl = _llama2_gguf("fp16")
    bd = llamacpp_inference(arch, weights, wl, "bf16", 1).per_gpu[0]
    assert bd.terms["kv_cache"] / MIB == pytest.approx(1024.0)  # 2048 x 32 x 2 x 4096 x 2 B
    assert bd.terms["activations"] / MIB == pytest.approx(164.01, abs=0.01)  # compute buffer
    assert bd.peak_bytes / MIB == pytest.approx(5008.95, abs=1.5)


def test_llamacpp_quantized_kv_needs_flash_attention() -> None:
    arch, weights, wl = _llama2_gguf("q8_0")
    with pytest.raises(ValueError):
        llamacpp_inference(arch, weights, wl, "bf16", 1)
    wl.attention = "flash"
    bd = llamacpp_inference(arch, weights, wl, "bf16", 1).per_gpu[0]
    assert bd.terms["kv_cache"] / MIB == pytest.approx(1024.0 * 34 / 64)  # q8_0: 34 B per 32 values


# ---- fine-tuning ---------------------------------------------------------------------------------


def test_lora_trainable_params() -> None:
    llama2 = parse_config(config("llama-2-7b-hf"))
    assert lora_trainable_params(llama2, ("q", "v"), 8) == 4_194_304  # LitGPT's printed count
    phi = parse_config(config("phi-1_5"))
    assert lora_trainable_params(phi, ("q", "v"), 8) == 1_572_864
    llama3 = parse_config(config("llama-3.1-8b-instruct"))
    all_linear = ("q", "k", "v", "o", "gate", "up", "down")
    # per layer: q 16x8192, k/v 16x5120, o 16x8192, gate/up 16x18432, down 16x18432
    assert lora_trainable_params(llama3, all_linear, 16) == 41_943_040
    assert lora_trainable_params(llama3, all_linear, 32) == 83_886_080


def test_lora_on_fused_qkv_adapts_the_whole_module() -> None:
    qwen = parse_config(config("qwen-7b-chat"))
    # c_attn 4096 -> 12288 is one module: r x (4096 + 12288) even if only q is targeted
    assert lora_trainable_params(qwen, ("q",), 64) == 64 * (4096 + 12288) * 32


def test_lora_on_moe_experts_counts_every_expert() -> None:
    mixtral = parse_config(config("mixtral-8x7b-instruct-v0.1"))
    assert lora_trainable_params(mixtral, ("down",), 8) == 8 * (14336 + 4096) * 8 * 32


def test_frozen_linear_inputs_are_not_saved_but_bnb_inputs_are() -> None:
    arch = parse_config(config("llama-2-7b-hf"))
    frozen = layer_activation_bytes(arch, b_compute=2, b_residual=2, b_out=2, seq=1024, linear_saves_input=False)
    saving = layer_activation_bytes(arch, b_compute=2, b_residual=2, b_out=2, seq=1024, linear_saves_input=True)
    h, inter = 4096, 11008
    # norms 2 x 4h (fp32), q/k/v/out 4 x 2h, MLP gate/up/act 3 x 2I
    assert frozen == 8 * h + 8 * h + 6 * inter
    # + inputs of qkv, o (SDPA copy), MLP and down projections
    assert saving - frozen == 2 * h + 2 * h + 2 * h + 2 * inter


def _ft(name: str, **wl):
    arch = parse_config(config(name))
    workload = parse_workload({"task": "finetune", "context_length": 1024, **wl})
    fmt = parse_weights(workload.weights, arch, workload.compute_dtype or "bf16")
    return arch, finetune(arch, fmt, workload, workload.compute_dtype or "bf16", 1)


def test_full_finetune_pure_half_is_8_bytes_plus_foreach_temporary() -> None:
    arch, res = _ft("mistral-7b-v0.1", method="full", weights="fp16", compute_dtype="fp16", gradient_checkpointing=True)
    bd = res.per_gpu[0]
    P = arch.total_params
    assert bd.terms["weights"] == P * 2 and bd.terms["gradients"] == P * 2
    assert bd.terms["optimizer"] == P * 4 + P * 2  # m, v in fp16 + sqrt(v) temporary at the step
    assert res.binding == "peak at the optimizer step"


def test_mixed_precision_full_finetune_is_16_bytes_per_param_before_activations() -> None:
    arch, res = _ft("llama-2-7b-hf", method="full", weights="fp32", compute_dtype="bf16", gradient_checkpointing=True)
    bd = res.per_gpu[0]
    P = arch.total_params
    assert bd.terms["weights"] + bd.terms["gradients"] + P * 8 == pytest.approx(16 * P)


@pytest.mark.parametrize(("optimizer", "state_bytes"), [("adamw", 8), ("adamw-8bit", 2), ("sgd", 4)])
def test_optimizer_state_bytes_for_lora(optimizer: str, state_bytes: int) -> None:
    _arch, res = _ft(
        "llama-3.1-8b-instruct",
        method="lora",
        weights="bf16",
        optimizer=optimizer,
        lora_rank=16,
        gradient_checkpointing=True,
    )
    states = res.per_gpu[0].terms["optimizer"]
    assert states >= 41_943_040 * state_bytes
    assert states <= 41_943_040 * (state_bytes + 4)


def test_qlora_upcasts_non_quantized_params_with_kbit_preparation() -> None:
    arch, ckpt = _ft("llama-3.1-8b-instruct", method="qlora", weights="nf4", gradient_checkpointing=True, lora_rank=8)
    _, plain = _ft("llama-3.1-8b-instruct", method="qlora", weights="nf4", gradient_checkpointing=False, lora_rank=8)
    lora_bytes = ckpt.trainable_params * 4
    upcast = ckpt.per_gpu[0].terms["weights"] - lora_bytes
    no_upcast = plain.per_gpu[0].terms["weights"] - lora_bytes
    dense = arch.embedding_params + arch.lm_head_params
    assert upcast - no_upcast == pytest.approx(dense * 2, rel=0.01)  # fp32 instead of bf16


def test_zero3_partitions_states_over_gpus() -> None:
    arch = parse_config(config("llama-2-7b-hf"))
    wl = parse_workload(
        {
            "task": "finetune",
            "method": "full",
            "weights": "fp32",
            "compute_dtype": "bf16",
            "context_length": 1024,
            "gradient_checkpointing": True,
            "sharding": "zero3",
        }
    )
    fmt = parse_weights("fp32", arch, "bf16")
    one = finetune(arch, fmt, wl, "bf16", 1).per_gpu[0]
    four = finetune(arch, fmt, wl, "bf16", 4).per_gpu[0]
    assert four.terms["optimizer"] == pytest.approx(one.terms["optimizer"] / 4, rel=0.34)
    assert four.terms["gradients"] == pytest.approx(arch.total_params * 4 / 4)
    assert four.peak_bytes < one.peak_bytes / 2
