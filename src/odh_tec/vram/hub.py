"""Hub metadata for the estimator: `config.json` and the checkpoint's real weight bytes.

The only module of `vram/` with I/O. Weight bytes come from the files, never from a formula:
`model.safetensors.index.json` -> `metadata.total_size`, or else the header of every
`.safetensors` file, read with two Range requests (8-byte length, then the JSON header).

Redirects are followed by hand so the token only ever goes to the Hub endpoint's own host:
LFS files redirect to a CDN with a pre-signed URL that must not receive it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

MAX_REDIRECTS = 5
MAX_TREE_PAGES = 50
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


def _same_host(a: str, b: str) -> bool:
    sa, sb = urlsplit(a), urlsplit(b)
    return (sa.scheme, sa.hostname, sa.port) == (sb.scheme, sb.hostname, sb.port)


class _HubSession:
    def __init__(self, client: httpx.AsyncClient, endpoint: str, token: str | None, repo_id: str):
        self.client = client
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.repo_id = repo_id

    async def get(self, url: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET following redirects; Authorization only towards the endpoint's own host."""
        for _ in range(MAX_REDIRECTS + 1):
            send_headers = dict(headers or {})
            if self.token and _same_host(url, self.endpoint):
                send_headers["Authorization"] = f"Bearer {self.token}"
            try:
                response = await self.client.get(url, headers=send_headers, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise HubError(502, "hub_unreachable", f"Hugging Face Hub at {self.endpoint} is unreachable: {exc}") from exc
            if response.status_code in (301, 302, 303, 307, 308) and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            return response
        raise HubError(502, "hub_redirect_loop", f"too many redirects from {self.endpoint}")

    def check(self, response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status < 400:
            return
        error_code = response.headers.get("x-error-code", "")
        text = response.text[:200] if response.content else ""
        if status == 401 or error_code == "GatedRepo" or "gated" in text.lower():
            code = 403 if (self.token and status == 403) else 401
            raise HubError(code, "gated_repo", f"{self.repo_id}: access denied ({what}); the repository is gated or private — set an HF token with access")
        if status == 403:
            raise HubError(403, "forbidden", f"{self.repo_id}: access denied ({what})")
        if status == 404:
            if error_code == "RevisionNotFound":
                raise HubError(404, "revision_not_found", f"{self.repo_id}: revision not found ({what})")
            if error_code == "EntryNotFound":
                raise HubError(404, "entry_not_found", f"{self.repo_id}: {what} not found")
            raise HubError(404, "repo_not_found", f"repository {self.repo_id} not found on {self.endpoint} ({what})")
        raise HubError(502, "hub_error", f"Hub at {self.endpoint} answered {status} for {what}")

    def resolve_url(self, revision: str, path: str) -> str:
        return f"{self.endpoint}/{self.repo_id}/resolve/{quote(revision, safe='')}/{quote(path)}"


async def list_files(session: _HubSession, revision: str) -> list[dict[str, Any]]:
    url = f"{session.endpoint}/api/models/{session.repo_id}/tree/{quote(revision, safe='')}?recursive=true"
    files: list[dict[str, Any]] = []
    for _ in range(MAX_TREE_PAGES):
        response = await session.get(url)
        session.check(response, "file list")
        try:
            entries = response.json()
        except ValueError as exc:
            raise HubError(502, "hub_error", f"Hub at {session.endpoint} returned a non-JSON file list") from exc
        for entry in entries:
            if entry.get("type", "file") == "file":
                size = entry.get("size")
                lfs = entry.get("lfs") or {}
                files.append({"path": entry["path"], "size": int(lfs.get("size", size) or 0)})
        next_link = response.links.get("next", {}).get("url")
        if not next_link:
            break
        url = urljoin(url, next_link)
    return files


async def read_safetensors_header(session: _HubSession, url: str) -> dict[str, Any]:
    """The JSON header of a remote .safetensors file: bytes 0-7 give its length N (u64 LE),
    bytes 8..8+N-1 hold it."""
    first = await session.get(url, headers={"Range": "bytes=0-7"})
    session.check(first, "safetensors header length")
    raw = first.content[:8]
    if len(raw) < 8:
        raise HubError(502, "bad_safetensors", f"{url}: short read of the safetensors header length")
    (length,) = struct.unpack("<Q", raw)
    if length <= 0 or length > MAX_HEADER_BYTES:
        raise HubError(502, "bad_safetensors", f"{url}: implausible safetensors header length {length}")
    if first.status_code == 200 and len(first.content) >= 8 + length:
        body = first.content[8 : 8 + length]  # server ignored Range and sent the file
    else:
        second = await session.get(url, headers={"Range": f"bytes=8-{8 + length - 1}"})
        session.check(second, "safetensors header")
        body = second.content[:length]
    try:
        header = json.loads(body)
    except ValueError as exc:
        raise HubError(502, "bad_safetensors", f"{url}: the safetensors header is not JSON") from exc
    if not isinstance(header, dict):
        raise HubError(502, "bad_safetensors", f"{url}: the safetensors header is not an object")
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


async def fetch_model(client: httpx.AsyncClient, endpoint: str, repo_id: str, revision: str = "main", token: str | None = None) -> HubModel:
    """Fetch config.json and the weight bytes of a Hub model repository."""
    repo_id = repo_id.strip().strip("/")
    if not repo_id or repo_id.count("/") > 1 or any(part in ("", ".", "..") for part in repo_id.split("/")):
        raise HubError(400, "invalid_repo_id", f"invalid repo_id {repo_id!r}; expected org/name")
    revision = revision or "main"
    session = _HubSession(client, endpoint, token, repo_id)

    files = await list_files(session, revision)
    names = {f["path"] for f in files}

    response = await session.get(session.resolve_url(revision, "config.json"))
    if response.status_code == 404 and "config.json" not in names and files:
        raise HubError(404, "no_config", f"{repo_id} has no config.json (is it a transformers model?)")
    session.check(response, "config.json")
    try:
        config = response.json()
    except ValueError as exc:
        raise HubError(502, "bad_config", f"{repo_id}: config.json is not valid JSON") from exc
    if not isinstance(config, dict):
        raise HubError(502, "bad_config", f"{repo_id}: config.json is not a JSON object")

    model = HubModel(repo_id, revision, config, files)
    model.gguf_files = [f for f in files if f["path"].endswith(".gguf")]
    index_name = "model.safetensors.index.json"
    shards = sorted(f["path"] for f in files if f["path"].endswith(".safetensors") and "/" not in f["path"])
    if any(not name.startswith("consolidated") for name in shards):
        # Mistral-style repos ship the same weights twice (consolidated + HF shards)
        shards = [name for name in shards if not name.startswith("consolidated")]
    if index_name in names:
        response = await session.get(session.resolve_url(revision, index_name))
        session.check(response, index_name)
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
            header = await read_safetensors_header(session, session.resolve_url(revision, name))
            size, counts = summarize_header(header)
            total += size
            for dtype, count in counts.items():
                per_dtype[dtype] = per_dtype.get(dtype, 0) + count
        model.weight_bytes = total
        model.weight_source = "headers"
        model.parameters_by_dtype = per_dtype
    return model
