"""A tiny Hugging Face Hub on 127.0.0.1 for the estimator's tests.

Serves the tree API, `resolve/` downloads honouring `Range`, a gated repository, and LFS files
that redirect to another host name (localhost) like the Hub's CDN, recording the headers each
request carried so tests can check where the token went.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

TOKEN = "hf_test_token"


def safetensors_bytes(tensors: dict[str, tuple[str, list[int]]]) -> bytes:
    """A valid .safetensors file with zeroed data: 8-byte LE header length, JSON header, data."""
    sizes = {"F32": 4, "BF16": 2, "F16": 2, "I32": 4, "U8": 1, "I8": 1, "F8_E4M3": 1}
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = 1
        for dim in shape:
            n *= dim
        size = n * sizes[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


@dataclass
class Repo:
    files: dict[str, bytes]
    gated: bool = False
    lfs: set[str] = field(default_factory=set)  # files served through the "CDN" redirect
    no_range: set[str] = field(default_factory=set)  # files served whole, the Range header ignored


@dataclass
class FakeHub:
    repos: dict[str, Repo]
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _log(self, request: Request) -> None:
        self.requests.append({"url": str(request.url), "host": request.url.hostname, "authorization": request.headers.get("authorization"), "range": request.headers.get("range")})

    def _access(self, request: Request, repo: Repo) -> Response | None:
        if repo.gated and request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "Access to this repo is restricted"}, status_code=401, headers={"x-error-code": "GatedRepo"})
        return None

    async def tree(self, request: Request) -> Response:
        self._log(request)
        repo_id = f"{request.path_params['org']}/{request.path_params['name']}"
        repo = self.repos.get(repo_id)
        if repo is None:
            return JSONResponse({"error": "Repository not found"}, status_code=404, headers={"x-error-code": "RepoNotFound"})
        denied = self._access(request, repo)
        if denied:
            return denied
        if request.path_params["rev"] != "main":
            return JSONResponse({"error": "Invalid rev id"}, status_code=404, headers={"x-error-code": "RevisionNotFound"})
        entries = []
        for path, data in sorted(repo.files.items()):
            entry: dict[str, Any] = {"type": "file", "path": path, "size": len(data)}
            if path in repo.lfs:
                entry["lfs"] = {"size": len(data), "oid": "0" * 64}
            entries.append(entry)
        page = int(request.query_params.get("page", "0"))
        chunk = entries[page * 2 : page * 2 + 2]  # two entries per page to exercise Link pagination
        headers = {}
        if page * 2 + 2 < len(entries):
            headers["link"] = f'<{self.endpoint}/api/models/{repo_id}/tree/main?recursive=true&page={page + 1}>; rel="next"'
        return JSONResponse(chunk, headers=headers)

    async def resolve(self, request: Request) -> Response:
        self._log(request)
        repo_id = f"{request.path_params['org']}/{request.path_params['name']}"
        repo = self.repos.get(repo_id)
        if repo is None:
            return JSONResponse({"error": "Repository not found"}, status_code=404, headers={"x-error-code": "RepoNotFound"})
        denied = self._access(request, repo)
        if denied:
            return denied
        path = request.path_params["path"]
        if path not in repo.files:
            return JSONResponse({"error": "Entry not found"}, status_code=404, headers={"x-error-code": "EntryNotFound"})
        if path in repo.lfs:
            # like the Hub: LFS content lives on a CDN host with a pre-signed URL
            return RedirectResponse(f"http://localhost:{self.port}/cdn/{repo_id}/{path}?signature=abc", status_code=302)
        return self._serve(request, repo.files[path], honour_range=path not in repo.no_range)

    async def cdn(self, request: Request) -> Response:
        self._log(request)
        repo_id = f"{request.path_params['org']}/{request.path_params['name']}"
        repo, path = self.repos[repo_id], request.path_params["path"]
        return self._serve(request, repo.files[path], honour_range=path not in repo.no_range)

    @staticmethod
    def _serve(request: Request, data: bytes, *, honour_range: bool = True) -> Response:
        rng = request.headers.get("range")
        if honour_range and rng and rng.startswith("bytes="):
            start_s, end_s = rng[len("bytes=") :].split("-")
            start, end = int(start_s), min(int(end_s), len(data) - 1)
            return Response(data[start : end + 1], status_code=206, headers={"content-range": f"bytes {start}-{end}/{len(data)}"})
        return Response(data)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/models/{org}/{name}/tree/{rev}", self.tree),
                Route("/{org}/{name}/resolve/{rev}/{path:path}", self.resolve),
                Route("/cdn/{org}/{name}/{path:path}", self.cdn),
            ]
        )


class ServedHub:
    """Runs a FakeHub with uvicorn in a thread on a free port."""

    def __init__(self, hub: FakeHub):
        self.hub = hub
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            hub.port = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(hub.app(), host="127.0.0.1", port=hub.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> FakeHub:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake hub did not start")
            time.sleep(0.02)
        return self.hub

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def tiny_llama_config() -> dict[str, Any]:
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


def tiny_llama_tensors() -> dict[str, tuple[str, list[int]]]:
    tensors: dict[str, tuple[str, list[int]]] = {"model.embed_tokens.weight": ("BF16", [256, 64]), "lm_head.weight": ("BF16", [256, 64]), "model.norm.weight": ("BF16", [64])}
    for i in range(2):
        p = f"model.layers.{i}."
        tensors.update({
            p + "self_attn.q_proj.weight": ("BF16", [64, 64]),
            p + "self_attn.k_proj.weight": ("BF16", [32, 64]),
            p + "self_attn.v_proj.weight": ("BF16", [32, 64]),
            p + "self_attn.o_proj.weight": ("BF16", [64, 64]),
            p + "mlp.gate_proj.weight": ("BF16", [128, 64]),
            p + "mlp.up_proj.weight": ("BF16", [128, 64]),
            p + "mlp.down_proj.weight": ("BF16", [64, 128]),
            p + "input_layernorm.weight": ("BF16", [64]),
            p + "post_attention_layernorm.weight": ("BF16", [64]),
        })
    return tensors


def default_hub() -> FakeHub:
    cfg = json.dumps(tiny_llama_config()).encode()
    tensors = tiny_llama_tensors()
    names = list(tensors)
    shard1 = safetensors_bytes({n: tensors[n] for n in names[:10]})
    shard2 = safetensors_bytes({n: tensors[n] for n in names[10:]})
    single = safetensors_bytes(tensors)
    index = json.dumps({"metadata": {"total_size": 123_456_789}, "weight_map": {}}).encode()
    return FakeHub(
        repos={
            "acme/tiny-llama": Repo({"config.json": cfg, "model.safetensors": single, "README.md": b"hi"}, lfs={"model.safetensors"}),
            "acme/sharded": Repo({"config.json": cfg, "model-00001-of-00002.safetensors": shard1, "model-00002-of-00002.safetensors": shard2}, lfs={"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}),
            "acme/indexed": Repo({"config.json": cfg, "model.safetensors.index.json": index, "model-00001-of-00002.safetensors": shard1}),
            "acme/gated": Repo({"config.json": cfg, "model.safetensors": single}, gated=True, lfs={"model.safetensors"}),
            "acme/no-config": Repo({"README.md": b"nothing"}),
            "acme/gguf": Repo({"config.json": cfg, "tiny.Q4_K_M.gguf": b"GGUF" + bytes(60)}),
        }
    )
