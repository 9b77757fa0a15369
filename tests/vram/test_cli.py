"""`odh-tec vram` through a local argparse harness (the real main registers it the same way)."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from fakehub import FakeHub
from odh_tec.vram import cli

from .helpers import CONFIGS, config, inference


def run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="odh-tec")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    args = parser.parse_args(argv)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_request_from_stdin_prints_one_json_object(monkeypatch, capsys) -> None:
    req = inference(config("llama-3.1-8b-instruct"), engine="vllm", context_length=8192, gpu_memory_utilization=0.95)
    code, out, _ = run(["vram", "estimate", "--request", "-"], monkeypatch, capsys, json.dumps(req))
    assert code == 0
    assert out.count("\n") == 1
    body = json.loads(out)
    assert body["kv_cache_tokens"] == pytest.approx(476_016, rel=0.01)


def test_request_from_file(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "req.json"
    path.write_text(json.dumps(inference(config("llama-2-7b-hf"), prompt_tokens=10, new_tokens=50)))
    code, out, _ = run(["vram", "estimate", "--request", str(path)], monkeypatch, capsys)
    assert code == 0 and json.loads(out)["per_gpu_gib"] == pytest.approx(12.58, abs=0.05)


@pytest.mark.parametrize(
    ("stdin", "code", "error"),
    [
        ("not json", 2, "InvalidRequest"),
        (
            json.dumps({"model": {"config": {}}, "workload": {"task": "inference"}, "hardware": {"gpu": "L4"}}),
            2,
            "InvalidModel",
        ),
        (json.dumps(inference(config("llama-2-7b-hf"), gpu="Z9000")), 2, "UnknownGpu"),
        (
            json.dumps(
                {
                    "model": {"repo_id": "acme/x"},
                    "workload": {"task": "inference", "context_length": 8},
                    "hardware": {"gpu": "L4"},
                }
            ),
            3,
            "HubUnreachable",
        ),
    ],
)
def test_error_exit_codes(stdin: str, code: int, error: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    rc, out, err = run(["vram", "estimate", "--request", "-"], monkeypatch, capsys, stdin)
    assert rc == code
    assert json.loads(out) == {"error": error, "message": json.loads(out)["message"]}
    assert err  # a human-readable line on stderr


def test_friendly_flags_with_local_config(monkeypatch, capsys) -> None:
    argv = [
        "vram",
        "estimate",
        "--config",
        str(CONFIGS / "llama-3.1-8b-instruct.json"),
        "--task",
        "finetune",
        "--method",
        "qlora",
        "--weights",
        "nf4-dq",
        "--context",
        "4096",
        "--batch",
        "2",
        "--lora-rank",
        "16",
        "--lora-target",
        "attention",
        "--gradient-checkpointing",
        "--gpu",
        "L4",
        "--gpus",
        "auto",
        "--json",
    ]
    code, out, _ = run(argv, monkeypatch, capsys)
    body = json.loads(out)
    assert (
        code == 0
        and body["task"] == "finetune"
        and body["trainable_parameters"] == 16 * 32 * (8192 + 5120 + 5120 + 8192)
    )
    assert body["gpus_needed"] == 1


def test_friendly_flags_with_hub_model(hub: FakeHub, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    code, out, _ = run(
        [
            "vram",
            "estimate",
            "--model",
            "acme/tiny-llama",
            "--engine",
            "vllm",
            "--gpu",
            "L4",
            "--context",
            "2048",
            "--json",
        ],
        monkeypatch,
        capsys,
    )
    assert code == 0 and json.loads(out)["kv_cache_tokens"] > 0


def test_missing_hub_repo_exits_3(hub: FakeHub, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    code, out, _ = run(["vram", "estimate", "--model", "acme/missing", "--json"], monkeypatch, capsys)
    assert code == 3 and json.loads(out)["error"] == "RepoNotFound"


def test_gpus_table_and_json(monkeypatch, capsys) -> None:
    code, out, _ = run(["vram", "gpus"], monkeypatch, capsys)
    assert code == 0 and "H100-80GB" in out and "79.19" in out
    code, out, _ = run(["vram", "gpus", "--json"], monkeypatch, capsys)
    assert code == 0 and any(g["name"] == "MI300X" for g in json.loads(out))


def test_request_flags_mapping() -> None:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "vram",
            "estimate",
            "--model",
            "org/name",
            "--engine",
            "llamacpp",
            "--weights",
            "gguf-q4_k_m",
            "--prompt",
            "100",
            "--new-tokens",
            "20",
            "--gpus",
            "2",
        ]
    )
    req = cli.request_from_flags(args)
    assert req["model"] == {"repo_id": "org/name", "revision": "main"}
    assert req["workload"]["prompt_tokens"] == 100 and "context_length" not in req["workload"]
    assert req["hardware"]["count"] == 2
