"""config.json parsing for each architecture family of the reference set."""

from __future__ import annotations

import pytest

from odh_tec.vram.architecture import ConfigError, parse_config, parse_quantization

from .helpers import config


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("llama-3.1-8b-instruct", 8_030_261_248),  # Meta's published count
        ("llama-2-7b-hf", 6_738_415_616),
        ("mistral-7b-v0.1", 7_241_732_096),
        ("mixtral-8x7b-instruct-v0.1", 46_702_792_704),
        ("qwen2.5-72b-instruct", 72_706_203_648),
        ("gemma-2-27b-it", 27_227_128_320),
    ],
)
def test_parameter_counts_match_published_checkpoints(name: str, params: int) -> None:
    assert parse_config(config(name)).total_params == params


def test_gqa_geometry_and_kv_elements() -> None:
    arch = parse_config(config("llama-3.1-8b-instruct"))
    assert (arch.num_heads, arch.num_kv_heads, arch.head_dim) == (32, 8, 128)
    # K and V: 8 heads x 128 each -> 2048 elements per token per layer, 131072 B/token in bf16
    assert arch.kv_elements_per_token_layer() == 2048
    assert arch.kv_elements_per_token_layer() * 2 * arch.num_layers == 131_072
    assert not arch.tie_word_embeddings and arch.lm_head_params == 128_256 * 4096


def test_mqa_gpt_bigcode_fused_qkv_and_tied_head() -> None:
    arch = parse_config(config("octocoder"))
    assert arch.num_kv_heads == 1 and arch.fused_qkv and arch.fused_value_view
    assert arch.tie_word_embeddings and arch.lm_head_params == 0
    assert arch.position_embedding_params == 8192 * 6144
    assert not arch.rotary
    assert arch.layers[0].linears[0].d_out == 6144 + 2 * 128  # q + one shared K and V head


def test_falcon_new_decoder_architecture() -> None:
    arch = parse_config(config("falcon-40b"))
    assert (arch.num_heads, arch.num_kv_heads, arch.head_dim) == (128, 8, 64)
    assert not arch.mlp_gated and arch.intermediate_size == 4 * 8192
    qkv = arch.layers[0].linears[0]
    assert qkv.role == "qkv" and qkv.d_out == (128 + 16) * 64


def test_qwen_v1_half_width_mlp_and_remote_code() -> None:
    arch = parse_config(config("qwen-7b-chat"))
    assert arch.intermediate_size == 22016 // 2  # intermediate_size is twice the MLP width
    assert arch.num_kv_heads == arch.num_heads == 32  # MHA
    assert arch.remote_code and arch.fused_value_view
    assert round(arch.total_params / 1e9, 2) == 7.72


def test_moe_counts_all_experts_but_activates_top_k() -> None:
    arch = parse_config(config("mixtral-8x7b-instruct-v0.1"))
    assert arch.num_experts == 8 and arch.experts_per_token == 2
    assert round(arch.active_params / 1e9, 1) == 12.9


def test_mla_latent_cache_and_deepseek_moe() -> None:
    arch = parse_config(config("deepseek-v2-lite-chat"))
    assert arch.is_mla and arch.kv_elements_per_token_layer() == 512 + 64
    assert arch.num_experts == 64 and not arch.layers[0].moe and arch.layers[1].moe  # first_k_dense_replace
    assert round(arch.total_params / 1e9, 2) == 15.71


def test_sliding_window_layers() -> None:
    gemma = parse_config(config("gemma-2-27b-it"))
    assert gemma.head_dim == 128 and gemma.tie_word_embeddings  # Gemma2 default
    assert [layer.sliding_window for layer in gemma.layers[:4]] == [4096, None, 4096, None]
    oss = parse_config(config("gpt-oss-120b"))
    assert sum(1 for layer in oss.layers if layer.sliding_window == 128) == 18
    assert oss.rope_cache_positions == 131072  # yarn: 32 x 4096


def test_multimodal_uses_text_config_and_outer_quantization() -> None:
    outer = {
        "architectures": ["LlavaForConditionalGeneration"],
        "model_type": "llava",
        "text_config": config("llama-3.1-8b-instruct"),
        "vision_config": {"hidden_size": 1024},
        "quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128},
    }
    arch = parse_config(outer)
    assert arch.multimodal and arch.hidden_size == 4096
    assert arch.quantization is not None and arch.quantization.weights == "awq-int4"


@pytest.mark.parametrize(
    ("qc", "weights", "group"),
    [
        ({"quant_method": "gptq", "bits": 4, "group_size": 128}, "gptq-int4", 128),
        ({"quant_method": "gptq", "bits": 8, "group_size": 64}, "gptq-int8", 64),
        ({"quant_method": "awq", "bits": 4, "group_size": 128}, "awq-int4", 128),
        (
            {
                "quant_method": "bitsandbytes",
                "load_in_4bit": True,
                "bnb_4bit_quant_type": "nf4",
                "bnb_4bit_use_double_quant": True,
            },
            "nf4-dq",
            64,
        ),
        ({"quant_method": "bitsandbytes", "load_in_8bit": True}, "int8", 0),
        ({"quant_method": "fp8", "weight_block_size": [128, 128]}, "fp8", 0),
        (
            {
                "quant_method": "compressed-tensors",
                "config_groups": {"group_0": {"weights": {"num_bits": 8, "type": "float"}}},
            },
            "fp8",
            0,
        ),
        (
            {
                "quant_method": "compressed-tensors",
                "config_groups": {"group_0": {"weights": {"num_bits": 4, "type": "int", "group_size": 128}}},
            },
            "int4",
            128,
        ),
        ({"quant_method": "mxfp4"}, "mxfp4", 32),
    ],
)
def test_quantization_config(qc: dict, weights: str, group: int) -> None:
    parsed = parse_quantization(qc)
    assert parsed is not None and parsed.weights == weights and parsed.group_size == group


def test_bad_configs_are_rejected() -> None:
    with pytest.raises(ConfigError):
        parse_config({"model_type": "llama"})
    with pytest.raises(ConfigError):
        parse_config([])  # type: ignore[arg-type]
