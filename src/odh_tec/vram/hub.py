"""Hub metadata for the estimator: `config.json` and the checkpoint's real weight bytes.

The only module of `vram/` with I/O. Weight bytes come from the files, never from a formula:
`model.safetensors.index.json` -> `metadata.total_size`, or else the header of every
`.safetensors` file, read with two Range requests (8-byte length, then the JSON header).

Every read is bounded (`odh_tec.vram.limits`): config.json, the index and each safetensors header
are read only up to their cap, whatever the server sends (a server that ignores Range sends the
whole checkpoint), and JSON bigger than a few KiB is parsed off the event loop.

It talks to the Hub through the importer's client (`odh_tec.hf`): the same redirect handling (the
token only ever goes to the Hub's own host, never to the CDN an LFS file redirects to), the same
proxy and CA settings, the same tree pagination and the same reading of the Hub's error answers.
"""

from __future__ import annotations

import asyncio
import json
import struct
from dataclasses import dataclass, field
from typing import Any

import httpx

from odh_tec.errors import ApiError, LimitExceeded, UnsupportedModel
from odh_tec.hf import errors as hf_errors
from odh_tec.hf.client import HubClient
from odh_tec.hf.models import RepoRef
from odh_tec.hf.transport import HubTransport
from odh_tec.vram import limits

MAX_HEADER_FILES = limits.SAFETENSORS_FILES
MAX_HEADER_BYTES = limits.SAFETENSORS_HEADER_BYTES


@dataclass
class HubModel:
    repo_id: str
    revision: str
    config: dict[str, Any]
    files: list[dict[str, Any]] = field(default_factory=list)  # {"path", "size"}
    weight_bytes: int | None = None  # stored bytes of the safetensors weights
    weight_source: str | None = None  # "index" | "headers"
    parameters_by_dtype: dict[str, int] = field(default_factory=dict)
    gguf_files: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "repo_id": self.repo_id,
            "revision": self.revision,
            "weight_bytes": self.weight_bytes,
            "weight_source": self.weight_source,
            "parameters_by_dtype": self.parameters_by_dtype,
            "safetensors_files": [f for f in self.files if f["path"].endswith(".safetensors")],
            "gguf_files": self.gguf_files,
        }


class _RepoFiles:
    """GETs of one repo's files at one revision, through the shared Hub transport."""

    def __init__(self, transport: HubTransport, ref: RepoRef):
        self.transport = transport
        self.ref = ref

    async def get(self, path: str, *, limit: int, headers: dict[str, str] | None = None) -> tuple[httpx.Response, bool]:
        """GET `path`, reading at most `limit` bytes of its body: (the response holding what was
        read, whether that was the whole body). Error answers are bounded the same way."""
        url = self.transport.url(self.ref.resolve_path(self.ref.revision, path))
        try:
            response = await self.transport.send("GET", url, headers=headers, stream=True)
            try:
                body, complete = await _read_at_most(response, limit)
            finally:
                await response.aclose()
        except httpx.TransportError as exc:
            raise hf_errors.unreachable(self.transport.endpoint, exc) from exc
        return _with_body(response, body), complete

    def check(self, response: httpx.Response, path: str) -> None:
        if response.status_code >= 400:
            raise hf_errors.hub_error(
                response,
                endpoint=self.transport.endpoint,
                ref=self.ref,
                path=path,
                token_sent=self.transport.token_sent,
            )


async def _read_at_most(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of a streamed body (decoded: a compressed bomb counts at its real
    size), and whether the body ended within them."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if size + len(chunk) > limit:
            chunks.append(chunk[: limit - size])
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), True


def _with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A read, closed copy of a streamed response holding `body` (already decoded, hence
    without the encoding and length headers)."""
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(response.status_code, headers=headers, content=body, request=response.request)


async def _parse_json(body: bytes) -> Any:
    """json.loads, in a thread when the body is big enough to stall the event loop."""
    if len(body) <= 64 * 1024:
        return json.loads(body)
    return await asyncio.to_thread(json.loads, body)


async def read_safetensors_header(
    repo: _RepoFiles, path: str, budget: int = MAX_HEADER_BYTES
) -> tuple[dict[str, Any], int]:
    """The JSON header of a remote .safetensors file and its length: bytes 0-7 give the length N
    (u64 LE), bytes 8..8+N-1 hold it. N is whatever the file says: beyond `budget` (at most
    MAX_HEADER_BYTES) nothing more is read."""
    limit = min(budget, MAX_HEADER_BYTES)
    # a server that ignores Range sends the file: then the header is in this first body
    first, _ = await repo.get(path, headers={"Range": "bytes=0-7"}, limit=8 + limit)
    repo.check(first, path)
    raw = first.content[:8]
    if len(raw) < 8:
        raise hf_errors.BadModelFile(f"{path}: short read of the safetensors header length")
    (length,) = struct.unpack("<Q", raw)
    if length <= 0:
        raise hf_errors.BadModelFile(f"{path}: empty safetensors header")
    if length > limit:
        shared = (
            ""
            if limit == MAX_HEADER_BYTES
            else (f" left of the {limits.SAFETENSORS_HEADERS_TOTAL} bytes all headers of a repository may take")
        )
        raise LimitExceeded(
            f"{path}: the safetensors header of {length} bytes exceeds the limit of {limit}{shared}",
        )
    if first.status_code == 200 and len(first.content) >= 8 + length:
        body = first.content[8 : 8 + length]
    else:
        second, _ = await repo.get(path, headers={"Range": f"bytes=8-{8 + length - 1}"}, limit=length)
        repo.check(second, path)
        body = second.content
    try:
        header = await _parse_json(body)
    except (ValueError, RecursionError) as exc:
        raise hf_errors.BadModelFile(f"{path}: the safetensors header is not JSON") from exc
    if not isinstance(header, dict):
        raise hf_errors.BadModelFile(f"{path}: the safetensors header is not an object")
    return header, length


class BadHeader(ValueError):
    """A safetensors header entry no real file has (its message names the tensor)."""


def _bounded_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limits.MAX_WEIGHT_BYTES:
        raise BadHeader(f"{what} {limits.show_value(value)} is not an integer in [0, 2**50]")
    return value


def _elements(name: str, shape: Any) -> int:
    """Element count of one tensor. The rank is capped first: the product of a crafted shape with
    100,000 dimensions is a number whose multiplication alone takes seconds."""
    if not isinstance(shape, list) or len(shape) > limits.SAFETENSORS_RANK:
        rank = len(shape) if isinstance(shape, list) else limits.show_value(shape)
        raise BadHeader(f"tensor {name[:80]!r} has a shape of {rank} dimensions (at most {limits.SAFETENSORS_RANK})")
    count = 1
    for dim in shape:
        count *= _bounded_int(dim, f"tensor {name[:80]!r}: shape dimension")
    return _bounded_int(count, f"tensor {name[:80]!r}: shape with element count")


def summarize_header(header: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """(stored bytes, element count per dtype) of one safetensors header; BadHeader for an entry
    whose offsets or shape are not small non-negative integers."""
    total = 0
    per_dtype: dict[str, int] = {}
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        offsets = info.get("data_offsets", (0, 0))
        if not isinstance(offsets, (list, tuple)) or len(offsets) != 2:
            raise BadHeader(f"tensor {name[:80]!r}: data_offsets is not a [start, end] pair")
        start, end = (_bounded_int(v, f"tensor {name[:80]!r}: data offset") for v in offsets)
        total += max(0, end - start)
        dtype = str(info.get("dtype", "?"))[:16]
        per_dtype[dtype] = per_dtype.get(dtype, 0) + _elements(name, info.get("shape", []))
    return total, per_dtype


async def fetch_model(transport: HubTransport, repo_id: str, revision: str = "main") -> HubModel:
    """Fetch config.json and the weight bytes of a Hub model repository."""
    repo_id = repo_id.strip().strip("/")
    if not repo_id or repo_id.count("/") > 1 or any(part in ("", ".", "..") for part in repo_id.split("/")):
        raise hf_errors.InvalidRepoId(f"invalid repo_id {repo_id!r}; expected org/name")
    try:
        ref = RepoRef(repo_id, "model", revision or "main")
    except ApiError as exc:
        raise hf_errors.InvalidRepoId(exc.message) from exc
    return await _fetch_model(transport, ref)


async def _fetch_model(transport: HubTransport, ref: RepoRef) -> HubModel:
    repo = _RepoFiles(transport, ref)
    # An interactive page waits on this: one retry, not the importer's four.
    listed = await HubClient(transport, attempts=2).list_files(ref, ref.revision)
    files: list[dict[str, Any]] = [{"path": f.path, "size": f.size} for f in listed]
    names = {f["path"] for f in files}

    config = await _read_config(repo, names, bool(files))
    model = HubModel(ref.repo_id, ref.revision, config, files)
    model.gguf_files = [f for f in files if f["path"].endswith(".gguf")]
    index_name = "model.safetensors.index.json"
    shards = sorted(f["path"] for f in files if f["path"].endswith(".safetensors") and "/" not in f["path"])
    if any(not name.startswith("consolidated") for name in shards):
        # Mistral-style repos ship the same weights twice (consolidated + HF shards)
        shards = [name for name in shards if not name.startswith("consolidated")]
    if index_name in names:
        total = await _index_total_size(repo, index_name)
        if total:
            model.weight_bytes = total
            model.weight_source = "index"
    # past MAX_HEADER_FILES shards the weight bytes stay unknown: a partial sum would be wrong
    if model.weight_bytes is None and 0 < len(shards) <= MAX_HEADER_FILES:
        model.weight_bytes, model.parameters_by_dtype = await _sum_headers(repo, shards)
        model.weight_source = "headers"
    return model


async def _read_config(repo: _RepoFiles, names: set[str], listed: bool) -> dict[str, Any]:
    """config.json, read up to its cap and checked against the config limits before anything
    else is fetched: a crafted config is refused without reading a single weight header."""
    repo_id = repo.ref.repo_id
    response, complete = await repo.get("config.json", limit=limits.CONFIG_JSON_BYTES)
    if response.status_code == 404 and "config.json" not in names and listed:
        raise hf_errors.NoModelConfig(f"{repo_id} has no config.json (is it a transformers model?)")
    repo.check(response, "config.json")
    if not complete:
        raise UnsupportedModel(
            f"{repo_id}: config.json is larger than the limit of {limits.CONFIG_JSON_BYTES} bytes",
        )
    try:
        config = await _parse_json(response.content)
    except (ValueError, RecursionError) as exc:
        raise hf_errors.BadModelFile(f"{repo_id}: config.json is not valid JSON") from exc
    if not isinstance(config, dict):
        raise hf_errors.BadModelFile(f"{repo_id}: config.json is not a JSON object")
    try:
        limits.check_config(config)
    except limits.LimitExceeded as exc:
        raise UnsupportedModel(f"{repo_id}: {exc}") from exc
    return config


async def _index_total_size(repo: _RepoFiles, index_name: str) -> int | None:
    """metadata.total_size of the index, or None when it is missing, absurd or the index is over
    its cap (the headers are the fallback)."""
    response, complete = await repo.get(index_name, limit=limits.INDEX_JSON_BYTES)
    repo.check(response, index_name)
    if not complete:
        return None
    try:
        total = (await _parse_json(response.content)).get("metadata", {}).get("total_size")
        total = limits.check_number("total_size", total, limits.MAX_WEIGHT_BYTES)
    except (ValueError, TypeError, AttributeError, RecursionError):  # LimitExceeded is a ValueError
        return None
    return int(total)


async def _sum_headers(repo: _RepoFiles, shards: list[str]) -> tuple[int, dict[str, int]]:
    """Stored bytes and elements per dtype over the shards' headers, all headers together within
    SAFETENSORS_HEADERS_TOTAL bytes."""
    total = 0
    per_dtype: dict[str, int] = {}
    budget = limits.SAFETENSORS_HEADERS_TOTAL
    for name in shards:
        header, length = await read_safetensors_header(repo, name, budget)
        try:
            # tens of thousands of entries in a big header: counted off the event loop
            size, counts = await asyncio.to_thread(summarize_header, header)
        except BadHeader as exc:
            raise hf_errors.BadModelFile(f"{name}: {exc}") from exc
        budget -= length
        total += size
        for dtype, count in counts.items():
            per_dtype[dtype] = per_dtype.get(dtype, 0) + count
    return total, per_dtype
