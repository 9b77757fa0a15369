"""`odh-tec vram estimate|gpus`.

`estimate --request FILE|-` reads one JSON request (CONTRACT.md) and prints exactly one JSON
object on stdout; warnings go to stderr. Exit codes: 0 success, 2 invalid request, 3 model could
not be resolved (Hub failure). Friendly flags build the same request for humans.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

EXIT_OK, EXIT_INVALID, EXIT_UNRESOLVED = 0, 2, 3


def register(subparsers: Any) -> None:
    vram = subparsers.add_parser("vram", help="GPU memory estimator for LLM inference and fine-tuning")
    sub = vram.add_subparsers(dest="vram_command", required=True)

    est = sub.add_parser("estimate", help="estimate GPU memory (JSON request in, JSON result out)")
    est.add_argument("--request", metavar="FILE|-", help="JSON request file, or - for stdin (CONTRACT.md)")
    src = est.add_argument_group("model (when --request is not given)")
    src.add_argument("--model", metavar="ORG/NAME", help="Hub repository id (fetches config.json and safetensors metadata)")
    src.add_argument("--revision", default="main", help="Hub revision (default main)")
    src.add_argument("--config", metavar="FILE", help="local config.json instead of --model")
    wl = est.add_argument_group("workload")
    wl.add_argument("--task", choices=("inference", "finetune", "training"), default="inference")
    wl.add_argument("--engine", choices=("transformers", "vllm", "llamacpp"), default="transformers")
    wl.add_argument("--weights", default="auto", help="auto, bf16, fp16, fp32, fp8, int8, nf4, nf4-dq, gptq-int4, awq-int4, mxfp4, gguf-q4_k_m ...")
    wl.add_argument("--compute-dtype", choices=("bf16", "fp16", "fp32"))
    wl.add_argument("--kv-cache-dtype", default="auto", choices=("auto", "fp16", "bf16", "fp8", "q8_0", "q4_0"))
    wl.add_argument("--attention", choices=("sdpa", "flash_attention_2", "eager", "flash"))
    wl.add_argument("--context", type=int, help="context length (vLLM: max_model_len; finetune: tokens per sample)")
    wl.add_argument("--prompt", type=int, dest="prompt_tokens", help="prompt tokens (transformers, llamacpp)")
    wl.add_argument("--new-tokens", type=int, help="generated tokens (transformers, llamacpp)")
    wl.add_argument("--batch", type=int, default=1, help="batch size / parallel slots / micro-batch")
    wl.add_argument("--gpu-memory-utilization", type=float, default=0.9, help="vLLM (default 0.9)")
    wl.add_argument("--max-num-seqs", type=int)
    wl.add_argument("--gpu-layers", type=int, help="llama.cpp -ngl (default all)")
    wl.add_argument("--method", choices=("full", "lora", "qlora"))
    wl.add_argument("--optimizer", default="adamw", choices=("adamw", "adamw-8bit", "paged-adamw-8bit", "sgd"))
    wl.add_argument("--gradient-checkpointing", action="store_true")
    wl.add_argument("--lora-rank", type=int, default=8)
    wl.add_argument("--lora-target", default="all-linear", help="qv, attention, all-linear or q,k,v,o,gate,up,down")
    wl.add_argument("--sharding", default="none", choices=("none", "zero2", "zero3", "fsdp"))
    hw = est.add_argument_group("hardware")
    hw.add_argument("--gpu", default="H100-80GB", help="catalog name (see `odh-tec vram gpus`)")
    hw.add_argument("--gpu-memory", type=float, metavar="GIB", help="custom usable memory per GPU in GiB")
    hw.add_argument("--gpus", default="1", metavar="N|auto", help="number of GPUs, or auto to find the smallest that fits")
    hw.add_argument("--tensor-parallel", type=int)
    est.add_argument("--pretty", action="store_true", help="indent the JSON")
    est.set_defaults(func=run_estimate)

    gpus = sub.add_parser("gpus", help="list the GPU catalog")
    gpus.add_argument("--json", action="store_true", help="print JSON instead of a table")
    gpus.set_defaults(func=run_gpus)


def _print(obj: Any, pretty: bool = False) -> None:
    sys.stdout.write(json.dumps(obj, indent=2 if pretty else None) + "\n")
    sys.stdout.flush()


def _error(code: str, message: str, exit_code: int) -> int:
    _print({"error": {"code": code, "message": message}})
    print(f"odh-tec vram: {message}", file=sys.stderr)
    return exit_code


def request_from_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The contract request the friendly flags describe."""
    if args.config:
        with open(args.config, encoding="utf-8") as fh:
            model: dict[str, Any] = {"config": json.load(fh)}
    elif args.model:
        model = {"repo_id": args.model, "revision": args.revision}
    else:
        raise ValueError("give --request, --model ORG/NAME or --config FILE")
    task = "finetune" if args.task == "training" else args.task
    workload: dict[str, Any] = {
        "task": task,
        "engine": args.engine,
        "weights": args.weights,
        "kv_cache_dtype": args.kv_cache_dtype,
        "batch_size": args.batch,
        "gpu_memory_utilization": args.gpu_memory_utilization,
        "optimizer": args.optimizer,
        "gradient_checkpointing": args.gradient_checkpointing,
        "lora_rank": args.lora_rank,
        "lora_target": args.lora_target,
        "sharding": args.sharding,
    }
    for key in ("compute_dtype", "attention", "prompt_tokens", "new_tokens", "max_num_seqs", "gpu_layers", "method"):
        value = getattr(args, key)
        if value is not None:
            workload[key] = value
    if args.context is not None:
        workload["context_length"] = args.context
    elif args.prompt_tokens is None and args.new_tokens is None:
        workload["context_length"] = 4096
    if task == "finetune" and "method" not in workload:
        workload["method"] = "lora"
    hardware: dict[str, Any] = {"gpu": args.gpu}
    if args.gpu_memory is not None:
        hardware["memory_gib"] = args.gpu_memory
    hardware["count"] = None if str(args.gpus).lower() == "auto" else int(args.gpus)
    if args.tensor_parallel is not None:
        hardware["tensor_parallel"] = args.tensor_parallel
    return {"model": model, "workload": workload, "hardware": hardware}


def _read_request(source: str) -> Any:
    if source == "-":
        return json.loads(sys.stdin.read())
    with open(source, encoding="utf-8") as fh:
        return json.load(fh)


async def _fetch(repo_id: str, revision: str):
    """The model from the Hub that HF_ENDPOINT / HF_TOKEN name, through the app's Hub client
    (proxy and CA bundles from the same environment as the server)."""
    from odh_tec.config import Config, RuntimeSettings
    from odh_tec.hf.transport import HubTransport
    from odh_tec.vram.hub import fetch_model

    settings = RuntimeSettings.from_config(Config())
    hf = settings.huggingface
    transport = HubTransport(settings, hf.endpoint, hf.token or None, read_timeout=30.0)
    try:
        return await fetch_model(transport, repo_id, revision)
    finally:
        await transport.aclose()


def run_estimate(args: argparse.Namespace) -> int:
    from odh_tec.vram.estimate import estimate
    from odh_tec.vram.hub import HubError
    from odh_tec.vram.workload import RequestError

    try:
        request = _read_request(args.request) if args.request else request_from_flags(args)
    except (OSError, ValueError) as exc:
        return _error("invalid_request", f"cannot read the request: {exc}", EXIT_INVALID)
    if not isinstance(request, dict):
        return _error("invalid_request", "the request must be a JSON object", EXIT_INVALID)

    weight_bytes = None
    model = request.get("model")
    if isinstance(model, dict) and not isinstance(model.get("config"), dict):
        if not model.get("repo_id"):
            return _error("invalid_request", "model needs config (config.json contents) or repo_id", EXIT_INVALID)
        try:
            hub = asyncio.run(_fetch(str(model["repo_id"]), str(model.get("revision") or "main")))
        except HubError as exc:
            return _error(exc.code, exc.message, EXIT_INVALID if exc.status in (400, 422) else EXIT_UNRESOLVED)
        request = {**request, "model": {**model, "config": hub.config}}
        weight_bytes = hub.weight_bytes
    try:
        result = estimate(request, weight_file_bytes=weight_bytes)
    except RequestError as exc:
        return _error(exc.code, str(exc), EXIT_INVALID)
    for warning in result.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    _print(result, getattr(args, "pretty", False))
    return EXIT_OK


def run_gpus(args: argparse.Namespace) -> int:
    from odh_tec.vram.gpus import catalog

    rows = catalog()
    if args.json:
        _print(rows, True)
        return EXIT_OK
    print(f"{'name':<14} {'usable GiB':>10} {'nominal GB':>10}  vendor  source")
    for row in rows:
        print(f"{row['name']:<14} {row['usable_gib']:>10} {row['nominal_gb']:>10}  {row['vendor']:<6}  {row['source']}")
    return EXIT_OK
