"""Candidate parallel layouts, smallest first. The estimator evaluates each and keeps the first
that fits (docs/vram.md)."""

from __future__ import annotations

from dataclasses import dataclass

from odh_tec.vram.architecture import ModelArch
from odh_tec.vram.inference import valid_tensor_parallel

MAX_GPUS = 64


@dataclass(frozen=True)
class Layout:
    gpus: int
    tensor_parallel: int = 1
    pipeline_parallel: int = 1


def vllm_layouts(arch: ModelArch, max_gpus: int = MAX_GPUS) -> list[Layout]:
    """TP in {1,2,4,8} that shards the heads cleanly, then TP=max valid x PP stages."""
    out = [Layout(tp, tp, 1) for tp in (1, 2, 4, 8) if valid_tensor_parallel(arch, tp)]
    widest = out[-1].tensor_parallel if out else 1
    pp = 2
    while widest * pp <= max_gpus and pp <= arch.num_layers:
        out.append(Layout(widest * pp, widest, pp))
        pp += 1
    return out


def split_layouts(max_gpus: int = 16) -> list[Layout]:
    """transformers device_map / llama.cpp layer split over 1..N GPUs."""
    return [Layout(n) for n in range(1, max_gpus + 1)]


def sharded_training_layouts(max_gpus: int = MAX_GPUS) -> list[Layout]:
    return [Layout(n) for n in range(1, max_gpus + 1)]
