"""Realistic tiny repos (reference §5), scaled down, with deterministic bytes.

Each function adds one repo to a hub and returns it. `scale` multiplies the sizes of the big files,
so a test can make one cross an S3 part boundary or stay tiny.
"""

from __future__ import annotations

import json

from .content import pseudo_bytes
from .repos import FakeRepo
from .server import FakeHub

KB = 1000
MB = 1000 * 1000

GITATTRIBUTES = "*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n"


def _blob(name: str, size: int) -> bytes:
    return pseudo_bytes(name, int(size))


def _json(data: dict, pad_to: int = 0) -> bytes:
    text = json.dumps(data, indent=2)
    if pad_to > len(text):
        text += "\n" + " " * (pad_to - len(text) - 1)
    return text.encode()


def tiny_gpt2(hub: FakeHub, repo_id: str = "hf-tiny-v2/tiny-random-GPT2Model", scale: float = 0.1) -> FakeRepo:
    """A: minimal modern layout; tokenizer.json is a regular (non-LFS) multi-MB file."""
    return hub.add_repo(
        repo_id,
        {
            ".gitattributes": GITATTRIBUTES,
            "config.json": _json({"model_type": "gpt2", "n_layer": 2}, 825),
            "model.safetensors": _blob(repo_id + "m", 6.6 * MB * scale),
            "tokenizer.json": _json({"version": "1.0"}, int(3.56 * MB * scale)),
            "tokenizer_config.json": _json({"model_max_length": 1024}, 313),
        },
    )


def tiny_llama(
    hub: FakeHub, repo_id: str = "optimum-internal-testing/tiny-random-llama", scale: float = 0.1
) -> FakeRepo:
    """B: Llama layout, plus an `executorch` branch with model.pte instead of model.safetensors."""
    common = {
        ".gitattributes": GITATTRIBUTES,
        "README.md": "# tiny random llama\n",
        "config.json": _json({"model_type": "llama"}, 721),
        "generation_config.json": _json({"do_sample": False}, 138),
        "special_tokens_map.json": _json({"bos_token": "<s>"}, 552),
        "tokenizer.json": _json({"version": "1.0"}, int(1.84 * MB * scale)),
        "tokenizer.model": _blob(repo_id + "tok", 500 * KB * scale),
        "tokenizer_config.json": _json({"legacy": False}, 1920),
    }
    repo = hub.add_repo(repo_id, {**common, "model.safetensors": _blob(repo_id + "m", 4.13 * MB * scale)})
    repo.commit({**common, "model.pte": _blob(repo_id + "pte", 8.38 * MB * scale)}, branch="executorch")
    repo.tag("v1.0")
    return repo


def sharded_bert(hub: FakeHub, repo_id: str = "hf-internal-testing/tiny-random-bert-sharded-safetensors") -> FakeRepo:
    """C: sharded safetensors + index, and .bin duplicates (an "exclude *.bin" case)."""
    shard_sizes = [4.22 * KB, 144 * KB, 101 * KB, 105 * KB, 9.92 * KB]
    files: dict[str, bytes | str] = {".gitattributes": GITATTRIBUTES, "config.json": _json({"model_type": "bert"}, 685)}
    weight_map = {}
    for i, size in enumerate(shard_sizes, start=1):
        name = f"model-{i:05d}-of-00005.safetensors"
        files[name] = _blob(repo_id + name, size)
        files[f"pytorch_model-{i:05d}-of-00005.bin"] = _blob(repo_id + f"bin{i}", size * 1.1)
        weight_map[f"layer.{i}.weight"] = name
    files["model.safetensors.index.json"] = _json({"metadata": {}, "weight_map": weight_map}, int(7.46 * KB))
    files["pytorch_model.bin.index.json"] = _json({"metadata": {}, "weight_map": {}}, int(7.46 * KB))
    return hub.add_repo(repo_id, files)


def sharded_subfolder(
    hub: FakeHub, repo_id: str = "hf-internal-testing/tiny-random-bert-sharded-subfolder"
) -> FakeRepo:
    """D: everything under bert/, 11 flax shards (the first is 1 byte), and a refs/pr/1 revision."""
    sizes = [
        1,
        144 * KB,
        65.6 * KB,
        15.3 * KB,
        19.1 * KB,
        18.1 * KB,
        18.1 * KB,
        19.1 * KB,
        18.1 * KB,
        18.1 * KB,
        19.1 * KB,
    ]
    files: dict[str, bytes | str] = {
        ".gitattributes": GITATTRIBUTES,
        "bert/config.json": _json({"model_type": "bert"}, 677),
        "bert/flax_model.msgpack.index.json": _json({"weight_map": {}}, 7460),
    }
    for i, size in enumerate(sizes, start=1):
        files[f"bert/flax_model-{i:05d}-of-00011.msgpack"] = _blob(f"{repo_id}{i}", size)
    repo = hub.add_repo(repo_id, files)
    pr_files = {**files, "bert/model.safetensors": _blob(repo_id + "pr", 40 * KB)}
    repo.pull_request(1, pr_files)
    return repo


GGUF_QUANTS = {
    "Q2_K": 2_300_000,
    "Q3_K_M": 2_398_720,
    "Q4_K_M": 2_528_384,
    "Q5_K_M": 2_593_152,
    "Q6_K": 2_700_000,
    "Q8_0": 3_100_000,
    "fp16": 4_850_000,
}


def gguf_quants(
    hub: FakeHub, repo_id: str = "afrideva/tiny-random-LlamaForCausalLM-GGUF", scale: float = 0.01
) -> FakeRepo:
    """E: one GGUF file per quantisation (include-pattern test)."""
    files: dict[str, bytes | str] = {".gitattributes": GITATTRIBUTES, "README.md": "# GGUF\n"}
    for quant, size in GGUF_QUANTS.items():
        name = f"tiny-random-llamaforcausallm.{quant}.gguf"
        files[name] = _blob(repo_id + name, size * scale)
    return hub.add_repo(repo_id, files)


def gated_llama(hub: FakeHub, repo_id: str = "meta-llama/Llama-3.2-1B", weights: int = 256 * 1024) -> FakeRepo:
    """F: a gated ("manual") repo; README.md stays readable without approval."""
    return hub.add_repo(
        repo_id,
        {
            ".gitattributes": GITATTRIBUTES,
            "LICENSE.txt": "LLAMA 3.2 COMMUNITY LICENSE\n" * 40,
            "README.md": "# Llama 3.2\n",
            "USE_POLICY.md": "Acceptable use\n" * 40,
            "config.json": _json({"model_type": "llama"}, 877),
            "generation_config.json": _json({"do_sample": True}, 189),
            "model.safetensors": _blob(repo_id + "m", weights),
            "original/consolidated.00.pth": _blob(repo_id + "pth", weights),
            "original/params.json": _json({"dim": 2048}, 220),
            "original/tokenizer.model": _blob(repo_id + "tok", 21800),
            "special_tokens_map.json": _json({"bos_token": "<|begin_of_text|>"}, 296),
            "tokenizer_config.json": _json({"legacy": False}, 5450),
        },
        gated="manual",
    )


def imdb_dataset(hub: FakeHub, repo_id: str = "CarterMcClellan/stanfordnlp_imdb", scale: float = 0.01) -> FakeRepo:
    """G: a parquet dataset, with the auto-converted `refs/convert/parquet` branch."""
    repo = hub.add_repo(
        repo_id,
        {
            ".gitattributes": "*.parquet filter=lfs diff=lfs merge=lfs -text\n",
            "README.md": "---\nlicense: other\n---\n# IMDB\n",
            "data/train-00000-of-00001.parquet": _blob(repo_id + "train", 21 * MB * scale),
            "data/test-00000-of-00001.parquet": _blob(repo_id + "test", 20.5 * MB * scale),
            "data/validation-00000-of-00001.parquet": _blob(repo_id + "val", 2.13 * MB * scale),
        },
        repo_type="dataset",
    )
    repo.commit({"default/train/0000.parquet": _blob(repo_id + "conv", 21 * MB * scale)}, ref="refs/convert/parquet")
    return repo


def odd_names(hub: FakeHub, repo_id: str = "odd/names", big: int = 9 * 1024 * 1024) -> FakeRepo:
    """Spaces, '#', '?', '%', '+', unicode, an empty file, a 1-byte LFS file, deep nesting, and one file
    bigger than an 8 MiB S3 part."""
    return hub.add_repo(
        repo_id,
        {
            "dir with space/a#b?c.json": '{"odd": true}\n',
            "ünïcødé/файл 数据.txt": "unicode\n",
            "100%+plus&eq=.txt": "percent\n",
            "empty.txt": b"",
            "one-byte.bin": b"\x01",
            "a/b/c/deep.safetensors": _blob(repo_id + "deep", 3000),
            "big/model.safetensors": _blob(repo_id + "big", big),
        },
    )
