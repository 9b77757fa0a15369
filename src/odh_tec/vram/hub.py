"""Hub metadata for the estimator: `config.json` and the checkpoint's real weight bytes.

The only module of `vram/` with I/O. Weight bytes come from the files, never from a formula:
`model.safetensors.index.json` -> `metadata.total_size`, or else the header of every
`.safetensors` file, read with two Range requests (8-byte length, then the JSON header).

It talks to the Hub through the importer's client (`odh_tec.hf`): the same redirect handling (the
token only ever goes to the Hub's own host, never to the CDN an LFS file redirects to), the same
proxy and CA settings, the same tree pagination and the same reading of the Hub's error answers.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

import httpx

from odh_tec.errors import ApiError
from odh_tec.hf import errors as hf_errors
from odh_tec.hf.client import HubClient
from odh_tec.hf.models import RepoRef
from odh_tec.hf.transport import HubTransport

MAX_HEADER_FILES = 128
MAX_HEADER_BYTES = 100 * 1024 * 1024  # safetensors caps its header at 100 MB

SAFETENSORS_DTYPE_BYTES = {
    "F64": 8, "I64": 8, "U64": 8,
    "F32": 4, "I32": 4, "U32": 4,
    "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "I8": 1, "U8": 1, "BOOL": 1,
}


class HubError(Exception):
    """A Hub failure with the HTTP status the API should answer with."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# The importer's error classes, in the estimator's vocabulary (its API and CLI report these codes).
_CODES = {
    hf_errors.RepoNotFound: "repo_not_found",
    hf_errors.GatedRepo: "gated_repo",
    hf_errors.GatedNotApproved: "gated_repo",
    hf_errors.InvalidToken: "invalid_token",
    hf_errors.RevisionNotFound: "revision_not_found",
    hf_errors.EntryNotFound: "entry_not_found",
    hf_errors.HubUnreachable: "hub_unreachable",
}


def _translated(exc: hf_errors.HubError) -> HubError:
    return HubError(exc.status, _CODES.get(type(exc), "hub_error"), exc.message)


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

    async def get(self, path: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        url = self.transport.url(self.ref.resolve_path(self.ref.revision, path))
        try:
            return await self.transport.send("GET", url, headers=headers)
        except httpx.TransportError as exc:
            raise hf_errors.unreachable(self.transport.endpoint, exc) from exc

    def check(self, response: httpx.Response, path: str) -> None:
        if response.status_code >= 400:
            raise hf_errors.hub_error(response, endpoint=self.transport.endpoint, repo_id=self.ref.repo_id,
                                      revision=self.ref.revision, path=path,
                                      token_sent=self.transport.token_sent)


async def read_safetensors_header(repo: _RepoFiles, path: str) -> dict[str, Any]:
    """The JSON header of a remote .safetensors file: bytes 0-7 give its length N (u64 LE),
    bytes 8..8+N-1 hold it."""
    first = await repo.get(path, headers={"Range": "bytes=0-7"})
    repo.check(first, path)
    raw = first.content[:8]
    if len(raw) < 8:
        raise HubError(502, "bad_safetensors", f"{path}: short read of the safetensors header length")
    (length,) = struct.unpack("<Q", raw)
    if length <= 0 or length > MAX_HEADER_BYTES:
        raise HubError(502, "bad_safetensors", f"{path}: implausible safetensors header length {length}")
    if first.status_code == 200 and len(first.content) >= 8 + length:
        body = first.content[8 : 8 + length]  # server ignored Range and sent the file
    else:
        second = await repo.get(path, headers={"Range": f"bytes=8-{8 + length - 1}"})
        repo.check(second, path)
        body = second.content[:length]
    try:
        header = json.loads(body)
    except ValueError as exc:
        raise HubError(502, "bad_safetensors", f"{path}: the safetensors header is not JSON") from exc
    if not isinstance(header, dict):
        raise HubError(502, "bad_safetensors", f"{path}: the safetensors header is not an object")
    return header


def summarize_header(header: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """(stored bytes, element count per dtype) of one safetensors header."""
    total = 0
    per_dtype: dict[str, int] = {}
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        start, end = info.get("data_offsets", (0, 0))
        total += int(end) - int(start)
        count = 1
        for dim in info.get("shape", []):
            count *= int(dim)
        dtype = str(info.get("dtype", "?"))
        per_dtype[dtype] = per_dtype.get(dtype, 0) + count
    return total, per_dtype


async def fetch_model(transport: HubTransport, repo_id: str, revision: str = "main") -> HubModel:
    """Fetch config.json and the weight bytes of a Hub model repository."""
    repo_id = repo_id.strip().strip("/")
    if not repo_id or repo_id.count("/") > 1 or any(part in ("", ".", "..") for part in repo_id.split("/")):
        raise HubError(400, "invalid_repo_id", f"invalid repo_id {repo_id!r}; expected org/name")
    try:
        ref = RepoRef(repo_id, "model", revision or "main")
    except ApiError as exc:
        raise HubError(400, "invalid_repo_id", exc.message) from exc
    try:
        return await _fetch_model(transport, ref)
    except hf_errors.HubError as exc:
        raise _translated(exc) from exc


async def _fetch_model(transport: HubTransport, ref: RepoRef) -> HubModel:
    repo = _RepoFiles(transport, ref)
    # An interactive page waits on this: one retry, not the importer's four.
    listed = await HubClient(transport, attempts=2).list_files(ref, ref.revision)
    files = [{"path": f.path, "size": f.size} for f in listed]
    names = {f["path"] for f in files}

    response = await repo.get("config.json")
    if response.status_code == 404 and "config.json" not in names and files:
        raise HubError(404, "no_config", f"{ref.repo_id} has no config.json (is it a transformers model?)")
    repo.check(response, "config.json")
    try:
        config = response.json()
    except ValueError as exc:
        raise HubError(502, "bad_config", f"{ref.repo_id}: config.json is not valid JSON") from exc
    if not isinstance(config, dict):
        raise HubError(502, "bad_config", f"{ref.repo_id}: config.json is not a JSON object")

    model = HubModel(ref.repo_id, ref.revision, config, files)
    model.gguf_files = [f for f in files if f["path"].endswith(".gguf")]
    index_name = "model.safetensors.index.json"
    shards = sorted(f["path"] for f in files if f["path"].endswith(".safetensors") and "/" not in f["path"])
    if any(not name.startswith("consolidated") for name in shards):
        # Mistral-style repos ship the same weights twice (consolidated + HF shards)
        shards = [name for name in shards if not name.startswith("consolidated")]
    if index_name in names:
        response = await repo.get(index_name)
        repo.check(response, index_name)
        try:
            total = int(response.json().get("metadata", {}).get("total_size"))
        except (ValueError, TypeError, AttributeError):
            total = None
        if total:
            model.weight_bytes = total
            model.weight_source = "index"
    if model.weight_bytes is None and shards:
        total = 0
        per_dtype: dict[str, int] = {}
        for name in shards[:MAX_HEADER_FILES]:
            header = await read_safetensors_header(repo, name)
            size, counts = summarize_header(header)
            total += size
            for dtype, count in counts.items():
                per_dtype[dtype] = per_dtype.get(dtype, 0) + count
        model.weight_bytes = total
        model.weight_source = "headers"
        model.parameters_by_dtype = per_dtype
    return model
