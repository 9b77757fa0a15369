"""Model repos whose bytes mean something, for the VRAM estimator.

The transfer layouts only need sizes and checksums, so their bytes are random. The estimator reads
what is inside: config.json, and the JSON header of each .safetensors file (by Range). So these files
are real: `safetensors_bytes` writes a valid file (zeroed data), and `estimator_repos` adds the small
`acme/*` set that the estimator's tests and its page fetch. Crafted repos (a 150,000-layer config, a
header claiming a terabyte) are plain `FakeHub.add_repo` calls in the tests that need them.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from .repos import FakeRepo
from .server import FakeHub

DTYPE_BYTES = {"F32": 4, "BF16": 2, "F16": 2, "I32": 4, "U8": 1, "I8": 1, "F8_E4M3": 1}

Tensors = dict[str, tuple[str, list[int]]]  # name -> (dtype, shape)


def safetensors_bytes(tensors: Tensors) -> bytes:
    """A valid .safetensors file with zeroed data: 8-byte LE header length, JSON header, data."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = 1
        for dim in shape:
            n *= dim
        size = n * DTYPE_BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


def tiny_llama_config() -> dict[str, Any]:
    """A two-layer GQA Llama: small enough to estimate in microseconds, real enough to exercise it."""
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "num_hidden_layers": 2,
        "vocab_size": 256,
        "max_position_embeddings": 512,
        "tie_word_embeddings": False,
        "torch_dtype": "bfloat16",
    }


def tiny_llama_tensors() -> Tensors:
    """The weights `tiny_llama_config` implies, all BF16 (their byte count is what the estimator must find)."""
    tensors: Tensors = {
        "model.embed_tokens.weight": ("BF16", [256, 64]),
        "lm_head.weight": ("BF16", [256, 64]),
        "model.norm.weight": ("BF16", [64]),
    }
    for i in range(2):
        p = f"model.layers.{i}."
        tensors.update(
            {
                p + "self_attn.q_proj.weight": ("BF16", [64, 64]),
                p + "self_attn.k_proj.weight": ("BF16", [32, 64]),
                p + "self_attn.v_proj.weight": ("BF16", [32, 64]),
                p + "self_attn.o_proj.weight": ("BF16", [64, 64]),
                p + "mlp.gate_proj.weight": ("BF16", [128, 64]),
                p + "mlp.up_proj.weight": ("BF16", [128, 64]),
                p + "mlp.down_proj.weight": ("BF16", [64, 128]),
                p + "input_layernorm.weight": ("BF16", [64]),
                p + "post_attention_layernorm.weight": ("BF16", [64]),
            }
        )
    return tensors


def estimator_repos(hub: FakeHub) -> dict[str, FakeRepo]:
    """The tiny Llama as one file (through the LFS host), sharded, with an index.json whose total
    wins, gated ("manual"; approve a token with `.approved.add`), without config.json, and as GGUF."""
    cfg = json.dumps(tiny_llama_config()).encode()
    tensors = tiny_llama_tensors()
    names = list(tensors)
    shard1 = safetensors_bytes({n: tensors[n] for n in names[:10]})
    shard2 = safetensors_bytes({n: tensors[n] for n in names[10:]})
    single = safetensors_bytes(tensors)
    index = json.dumps({"metadata": {"total_size": 123_456_789}, "weight_map": {}}).encode()
    shards = {"model-00001-of-00002.safetensors": shard1, "model-00002-of-00002.safetensors": shard2}
    repos = [
        hub.add_repo(
            "acme/tiny-llama",
            {"config.json": cfg, "model.safetensors": single, "README.md": b"hi"},
            lfs=["model.safetensors"],
        ),
        hub.add_repo("acme/sharded", {"config.json": cfg, **shards}, lfs=list(shards)),
        hub.add_repo(
            "acme/indexed",
            {"config.json": cfg, "model.safetensors.index.json": index, "model-00001-of-00002.safetensors": shard1},
            lfs=False,
        ),
        hub.add_repo(
            "acme/gated", {"config.json": cfg, "model.safetensors": single}, gated="manual", lfs=["model.safetensors"]
        ),
        hub.add_repo("acme/no-config", {"README.md": b"nothing"}, lfs=False),
        hub.add_repo("acme/gguf", {"config.json": cfg, "tiny.Q4_K_M.gguf": b"GGUF" + bytes(60)}, lfs=False),
    ]
    return {repo.repo_id: repo for repo in repos}
