"""`odh-tec vram estimate|presets|gpus`.

`estimate --request FILE|-` reads one JSON request (docs/vram.md, "Request and response") and prints
exactly one JSON object on stdout; warnings go to stderr. Friendly flags (`--preset`, `--model`,
`--config` and the workload flags) build the same request and print a readable summary, or the JSON
with `--json`. A preset (the web UI's list) needs no network. Exit codes: 0 success, 2 invalid
request, 3 model could not be resolved (Hub failure).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import sys
from typing import Any

from odh_tec.errors import camel_code, error_body
from odh_tec.vram.frameworks import FRAMEWORK_NAMES, LOSSES, STACK_SWITCHES
from odh_tec.vram.presets import DEFAULT_CONTEXT_LENGTH, PRESETS, UI_DEFAULTS, preset_by_id

EXIT_OK, EXIT_INVALID, EXIT_UNRESOLVED = 0, 2, 3


def register(subparsers: Any) -> None:
    vram = subparsers.add_parser("vram", help="GPU memory estimator for LLM inference and fine-tuning")
    sub = vram.add_subparsers(dest="vram_command", required=True)

    est = sub.add_parser(
        "estimate",
        help="estimate the GPU memory of inference or fine-tuning",
        description="Estimate GPU memory for a model (a --preset needs no network; --model reads the Hub) and a "
        "workload. Prints a readable summary, or the JSON response with --json. --request FILE|- "
        "takes the whole JSON request instead and always prints one JSON object. The request and "
        "response are described in docs/vram.md.",
        epilog="example: odh-tec vram estimate --preset llama-3.1-8b-instruct --engine vllm --gpu H100-80GB",
    )
    est.add_argument("--request", metavar="FILE|-", help="JSON request file, or - for stdin; prints JSON")
    src = est.add_argument_group("model (when --request is not given)")
    src.add_argument(
        "--preset", metavar="NAME", help="a popular model, offline: see `odh-tec vram presets` (its id or repo id)"
    )
    src.add_argument(
        "--model", metavar="ORG/NAME", help="Hub repository id (fetches config.json and safetensors metadata)"
    )
    src.add_argument("--revision", default="main", help="Hub revision (default main)")
    src.add_argument("--config", metavar="FILE", help="local config.json instead of --model")
    wl = est.add_argument_group("workload")
    wl.add_argument("--task", choices=("inference", "finetune", "training"), default=UI_DEFAULTS["task"])
    wl.add_argument(
        "--engine",
        choices=("transformers", "vllm", "llamacpp"),
        help="inference engine (default vllm, as in the web UI; transformers when --prompt or --new-tokens is given)",
    )
    wl.add_argument(
        "--weights",
        default="auto",
        help="auto, bf16, fp16, fp32, fp8, int8, nf4, nf4-dq, gptq-int4, awq-int4, mxfp4, gguf-q4_k_m ...",
    )
    wl.add_argument("--compute-dtype", choices=("bf16", "fp16", "fp32"))
    wl.add_argument("--kv-cache-dtype", default="auto", choices=("auto", "fp16", "bf16", "fp8", "q8_0", "q4_0"))
    wl.add_argument("--attention", choices=("sdpa", "flash_attention_2", "eager", "flash"))
    wl.add_argument(
        "--context",
        type=int,
        help="context length (vLLM: max_model_len; finetune: tokens per sample; "
        f"default {DEFAULT_CONTEXT_LENGTH:,}, as in the web UI)",
    )
    wl.add_argument("--prompt", type=int, dest="prompt_tokens", help="prompt tokens (transformers, llamacpp)")
    wl.add_argument("--new-tokens", type=int, help="generated tokens (transformers, llamacpp)")
    wl.add_argument("--batch", type=int, default=1, help="batch size / parallel slots / micro-batch")
    wl.add_argument(
        "--gpu-memory-utilization", type=float, default=UI_DEFAULTS["gpu_memory_utilization"], help="vLLM (default 0.9)"
    )
    wl.add_argument("--max-num-seqs", type=int)
    wl.add_argument("--gpu-layers", type=int, help="llama.cpp -ngl (default all)")
    wl.add_argument("--method", choices=("full", "lora", "qlora"))
    wl.add_argument(
        "--optimizer", default=UI_DEFAULTS["optimizer"], choices=("adamw", "adamw-8bit", "paged-adamw-8bit", "sgd")
    )
    wl.add_argument(
        "--gradient-checkpointing",
        action=argparse.BooleanOptionalAction,
        default=UI_DEFAULTS["gradient_checkpointing"],
        help="finetune (default on, as in the web UI)",
    )
    wl.add_argument(
        "--lora-rank",
        type=int,
        default=UI_DEFAULTS["lora_rank"],
        help=f"LoRA rank (default {UI_DEFAULTS['lora_rank']}, as in the web UI)",
    )
    wl.add_argument("--lora-target", default="all-linear", help="qv, attention, all-linear or q,k,v,o,gate,up,down")
    wl.add_argument("--sharding", default=UI_DEFAULTS["sharding"], choices=("none", "zero2", "zero3", "fsdp"))
    wl.add_argument(
        "--framework",
        default=UI_DEFAULTS["framework"],
        choices=FRAMEWORK_NAMES,
        help="finetune: the training stack (default hf-peft: HF Trainer/TRL + PEFT + bitsandbytes)",
    )
    wl.add_argument("--loss", default="auto", choices=LOSSES, help="finetune: cross-entropy (auto: the stack's own)")
    for flag, text in (
        ("--torch-compile", "finetune: torch.compile (fused norms, MLP and, with --loss chunked, the loss)"),
        ("--offload-optimizer", "finetune: optimizer states on the CPU (ZeRO-Offload, FSDP cpu_offload)"),
        ("--offload-params", "finetune: parameters and gradients on the CPU (FSDP cpu_offload, ZeRO-3 offload)"),
        ("--optimizer-in-backward", "finetune: step and free each gradient during backward (torchtune)"),
        ("--activation-offloading", "finetune: saved activations stream to the CPU (torchtune)"),
        ("--packing", "finetune: packed samples (fixed shapes; block-causal mask without flash-attention)"),
        ("--overlap-comm", "finetune: DeepSpeed overlap_comm (4.5x the buckets)"),
    ):
        wl.add_argument(flag, action="store_true", help=text)
    wl.add_argument(
        "--zero-bucket-size",
        type=float,
        metavar="ELEMENTS",
        help="finetune: DeepSpeed reduce/all-gather bucket size (e.g. 5e8); with --sharding zero2/zero3 its buffers "
        "are counted, also on one GPU",
    )
    hw = est.add_argument_group("hardware")
    hw.add_argument("--gpu", default=UI_DEFAULTS["gpu"], help="catalog name (see `odh-tec vram gpus`)")
    hw.add_argument("--gpu-memory", type=float, metavar="GIB", help="custom usable memory per GPU in GiB")
    hw.add_argument(
        "--gpus",
        default=UI_DEFAULTS["count"],
        metavar="N|auto",
        help="number of GPUs, or auto (default, as in the web UI) for the fewest that fit",
    )
    hw.add_argument("--tensor-parallel", type=int)
    out = est.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the JSON response (for scripts)")
    out.add_argument("--pretty", action="store_true", help="print the JSON response, indented")
    est.set_defaults(func=run_estimate)

    presets = sub.add_parser("presets", help="list the popular models --preset knows (the web UI's list)")
    presets.add_argument("--json", action="store_true", help="print JSON (id, label, repo_id) instead of a table")
    presets.set_defaults(func=run_presets)

    gpus = sub.add_parser("gpus", help="list the GPU catalog")
    gpus.add_argument("--json", action="store_true", help="print JSON instead of a table")
    gpus.set_defaults(func=run_gpus)


def _print(obj: Any, pretty: bool = False) -> None:
    sys.stdout.write(json.dumps(obj, indent=2 if pretty else None) + "\n")
    sys.stdout.flush()


def _error(code: str, message: str, exit_code: int, as_json: bool = True) -> int:
    """The API's error shape, `{"error": Code, "message": text}`, as `odh-tec cp` prints it too."""
    if as_json:
        _print(error_body(code, message))
    print(f"odh-tec vram: {message}", file=sys.stderr)
    return exit_code


def _wants_json(args: argparse.Namespace) -> bool:
    """JSON for --request (the scripted contract) and on request; a summary for a person otherwise."""
    return bool(args.request or getattr(args, "json", False) or getattr(args, "pretty", False))


def request_from_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The contract request the friendly flags describe."""
    if sum(bool(x) for x in (args.preset, args.model, args.config)) > 1:
        raise ValueError("give one of --preset, --model and --config")
    if args.preset:
        preset = preset_by_id(args.preset)
        if preset is None:
            names = ", ".join(p.id for p in PRESETS)
            raise ValueError(f"no preset {args.preset!r}; the presets are: {names}")
        model: dict[str, Any] = {"config": copy.deepcopy(preset.config)}
    elif args.config:
        with open(args.config, encoding="utf-8") as fh:
            model = {"config": json.load(fh)}
    elif args.model:
        model = {"repo_id": args.model, "revision": args.revision}
    else:
        raise ValueError(
            "give --preset NAME (offline; see `odh-tec vram presets`), --model ORG/NAME, "
            "--config FILE or --request FILE"
        )
    task = "finetune" if args.task == "training" else args.task
    workload: dict[str, Any] = {
        "task": task,
        "engine": args.engine or ("transformers" if (args.prompt_tokens or args.new_tokens) else UI_DEFAULTS["engine"]),
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
    if task == "finetune":
        workload["framework"] = args.framework
        workload["loss"] = args.loss
        for key in STACK_SWITCHES:
            if getattr(args, key):
                workload[key] = True
        if args.zero_bucket_size is not None:
            workload["zero_bucket_size"] = int(args.zero_bucket_size)
    for key in ("compute_dtype", "attention", "prompt_tokens", "new_tokens", "max_num_seqs", "gpu_layers", "method"):
        value = getattr(args, key)
        if value is not None:
            workload[key] = value
    if args.context is not None:
        workload["context_length"] = args.context
    elif args.prompt_tokens is None and args.new_tokens is None:
        workload["context_length"] = DEFAULT_CONTEXT_LENGTH
    if task == "finetune" and "method" not in workload:
        workload["method"] = UI_DEFAULTS["method"]
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
    from odh_tec.hf.errors import HubError
    from odh_tec.vram.estimate import estimate
    from odh_tec.vram.workload import RequestError

    as_json = _wants_json(args)
    try:
        request = _read_request(args.request) if args.request else request_from_flags(args)
    except (OSError, ValueError) as exc:
        what = f"cannot read the request: {exc}" if args.request else str(exc)
        return _error("InvalidRequest", what, EXIT_INVALID, as_json)
    if not isinstance(request, dict):
        return _error("InvalidRequest", "the request must be a JSON object", EXIT_INVALID, as_json)

    weight_bytes = None
    model = request.get("model")
    if isinstance(model, dict) and not isinstance(model.get("config"), dict):
        if not model.get("repo_id"):
            return _error(
                "invalid_request", "model needs config (config.json contents) or repo_id", EXIT_INVALID, as_json
            )
        try:
            hub = asyncio.run(_fetch(str(model["repo_id"]), str(model.get("revision") or "main")))
        except HubError as exc:
            message = exc.message
            if not args.request and exc.code == "HubUnreachable":
                message += "; offline, use --preset (see `odh-tec vram presets`) or --config FILE"
            return _error(exc.code, message, EXIT_INVALID if exc.status in (400, 422) else EXIT_UNRESOLVED, as_json)
        request = {**request, "model": {**model, "config": hub.config}}
        weight_bytes = hub.weight_bytes
    try:
        result = estimate(request, weight_file_bytes=weight_bytes)
    except RequestError as exc:
        return _error(camel_code(exc.code), str(exc), EXIT_INVALID, as_json)
    if not as_json:
        sys.stdout.write(summary(result, request, _model_name(args)))
        return EXIT_OK
    for warning in result.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    _print(result, getattr(args, "pretty", False))
    return EXIT_OK


def _model_name(args: argparse.Namespace) -> str:
    if args.preset:
        preset = preset_by_id(args.preset)
        return f"{preset.label} ({preset.repo_id})" if preset else args.preset
    return args.model or args.config or "the model"


_TERMS = (
    ("weights", "weights"),
    ("kv_cache", "KV cache"),
    ("activations", "activations"),
    ("logits", "logits"),
    ("gradients", "gradients"),
    ("optimizer", "optimizer states"),
    ("other", "other"),
    ("allocator_reserve", "allocator reserve"),
    ("cuda_context", "CUDA context"),
    ("cuda_graphs", "CUDA graphs"),
)


def summary(result: dict[str, Any], request: dict[str, Any], model: str) -> str:
    """The estimate as a person reads it: the verdict first, then the figures behind it."""
    workload = request.get("workload") or {}
    task = result.get("task", workload.get("task"))
    if task == "finetune":
        what = f"fine-tuning ({workload.get('method', 'lora')}, {result.get('framework', 'hf-peft')})"
    else:
        engine = {"vllm": "vLLM", "llamacpp": "llama.cpp"}.get(result.get("engine", ""), "transformers")
        what = f"inference with {engine}"
    context = workload.get("context_length")
    lines = [
        f"{model}: {what}, {result.get('weights')} weights"
        + (f", context {context:,} tokens" if isinstance(context, int) else ""),
        "",
    ]
    lines += [result["verdict"].split("; ")[0]]
    lines += [f"  {_sentence(part)}" for part in result["verdict"].split("; ")[1:]]
    lines += [
        "",
        f"Layout: {_layout(result)}",
        f"Binding constraint: {result.get('binding_constraint', '')}",
        "",
        "Memory on the most loaded GPU:",
    ]
    breakdown, explanations = result.get("breakdown", {}), result.get("explanations", {})
    for key, label in _TERMS:
        value = breakdown.get(key)
        if value:
            why = explanations.get(key, "")
            lines.append(f"  {label:<18} {value:>9.2f} GiB" + (f"  {why}" if why else ""))
    budget = "vLLM budget" if result.get("engine") == "vllm" and task == "inference" else "peak allocated"
    lines.append(f"  {budget:<18} {result['per_gpu_gib']:>9.2f} GiB")
    if "per_gpu_reserved_gib" in result and not (result.get("engine") == "vllm" and task == "inference"):
        lines.append(f"  {'reserved':<18} {result['per_gpu_reserved_gib']:>9.2f} GiB  (caching allocator)")
    lines.append(f"  {'on the device':<18} {result['per_gpu_device_gib']:>9.2f} GiB of {result['usable_gib']:g} usable")
    shown = result["verdict"].lower()
    warnings = [w for w in result.get("warnings", []) if w.lower() not in shown]
    if warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in warnings]
    lines += ["", "The JSON response, with every figure and assumption: add --json"]
    return "\n".join(lines) + "\n"


def _sentence(text: str) -> str:
    return text if text.startswith("vLLM") else text[:1].upper() + text[1:]


def _layout(result: dict[str, Any]) -> str:
    layout = result.get("layout") or {}
    gpus = layout.get("gpus", result.get("gpus_used", 1))
    gpu = result.get("gpu", "")
    if result.get("task") == "inference" and result.get("engine") == "vllm":
        parts = [f"tensor parallel {layout.get('tensor_parallel', 1)}"]
        if layout.get("pipeline_parallel", 1) > 1:
            parts.append(f"pipeline parallel {layout['pipeline_parallel']}")
        if layout.get("data_parallel", 1) > 1:
            parts.append(f"{layout['data_parallel']} data-parallel replicas")
        return f"{gpus} × {gpu} ({', '.join(parts)})"
    return f"{gpus} × {gpu}"


def run_presets(args: argparse.Namespace) -> int:
    rows = [{"id": p.id, "label": p.label, "repo_id": p.repo_id} for p in PRESETS]
    if args.json:
        _print(rows, True)
        return EXIT_OK
    width = max(len(p.id) for p in PRESETS)
    for p in PRESETS:
        print(f"{p.id:<{width}}  {p.repo_id:<40}  {p.label}")
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
