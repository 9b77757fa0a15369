"""Shared helpers for the VRAM estimator tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONFIGS = Path(__file__).resolve().parent / "configs"
SHARED_VRAM = Path(__file__).resolve().parents[2].parent / "shared" / "vram"
GIB = float(1 << 30)
TOKEN = "hf_test_token"  # valid on the fake Hub (conftest's `hub`), approved for acme/gated


def config(name: str) -> dict[str, Any]:
    return json.loads((CONFIGS / f"{name}.json").read_text())


def inference(
    cfg: dict[str, Any], *, engine: str = "transformers", gpu: str = "H100-80GB", count: int | None = 1, **workload: Any
) -> dict[str, Any]:
    wl = {"task": "inference", "engine": engine, **workload}
    if "context_length" not in wl and "prompt_tokens" not in wl:
        wl["context_length"] = 4096
    return {"model": {"config": cfg}, "workload": wl, "hardware": {"gpu": gpu, "count": count}}


def finetune(
    cfg: dict[str, Any], method: str, *, gpu: str = "A100-80GB", count: int | None = 1, **workload: Any
) -> dict[str, Any]:
    wl = {"task": "finetune", "method": method, "context_length": 2048, **workload}
    return {"model": {"config": cfg}, "workload": wl, "hardware": {"gpu": gpu, "count": count}}
