"""hub.py against a fake Hub served on loopback: tree listing, config, safetensors via Range."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from fakehub import FakeHub
from fakehub.models import safetensors_bytes, tiny_llama_tensors
from odh_tec.config import Config, RuntimeSettings
from odh_tec.hf.errors import HubError
from odh_tec.hf.transport import HubTransport
from odh_tec.vram.hub import HubModel, fetch_model, summarize_header

from .helpers import TOKEN


async def fetch(endpoint: str, repo_id: str, revision: str = "main", token: str | None = None) -> HubModel:
    transport = HubTransport(RuntimeSettings.from_config(Config(_env_file=None)), endpoint, token)
    try:
        return await fetch_model(transport, repo_id, revision)
    finally:
        await transport.aclose()


def _expected_bytes() -> int:
    return sum(2 * _numel(shape) for _, shape in tiny_llama_tensors().values())


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


async def test_single_file_weight_bytes_from_header_via_range(hub: FakeHub) -> None:
    hub.log.reset()
    model = await fetch(hub.url, "acme/tiny-llama", "main", token=TOKEN)
    assert model.config["hidden_size"] == 64
    assert model.weight_source == "headers"
    assert model.weight_bytes == _expected_bytes()
    assert model.parameters_by_dtype == {"BF16": _expected_bytes() // 2}
    cdn = hub.log.find(host="lfs")
    ranges = [r.header("range") for r in cdn if r.header("range")]
    assert ranges[0] == "bytes=0-7" and ranges[1].startswith("bytes=8-") and len(ranges) == 2
    # the token goes to the Hub host, never to the CDN host it redirects to
    assert urlsplit(hub.lfs_url).hostname != urlsplit(hub.url).hostname
    assert cdn and all(r.header("authorization") is None for r in cdn)
    assert all(r.header("authorization") == f"Bearer {TOKEN}" for r in hub.log.find(host="hub"))


async def test_sharded_checkpoint_sums_every_header_and_follows_tree_pagination(hub: FakeHub) -> None:
    model = await fetch(hub.url, "acme/sharded")
    assert len([f for f in model.files if f["path"].endswith(".safetensors")]) == 2
    assert model.weight_bytes == _expected_bytes()


async def test_index_total_size_wins(hub: FakeHub) -> None:
    model = await fetch(hub.url, "acme/indexed")
    assert model.weight_source == "index" and model.weight_bytes == 123_456_789


async def test_gguf_files_are_listed(hub: FakeHub) -> None:
    model = await fetch(hub.url, "acme/gguf")
    assert [f["path"] for f in model.gguf_files] == ["tiny.Q4_K_M.gguf"]
    assert model.weight_bytes is None


@pytest.mark.parametrize(
    ("repo", "token", "status", "code"),
    [
        ("acme/missing", None, 404, "RepoNotFound"),
        ("acme/gated", None, 401, "GatedRepo"),
        ("acme/no-config", None, 404, "NoModelConfig"),
        ("../etc", None, 400, "InvalidRepoId"),
    ],
)
async def test_hub_errors(hub: FakeHub, repo: str, token: str | None, status: int, code: str) -> None:
    with pytest.raises(HubError) as exc:
        await fetch(hub.url, repo, "main", token=token)
    assert (exc.value.status, exc.value.code) == (status, code)


async def test_gated_repo_with_token(hub: FakeHub) -> None:
    model = await fetch(hub.url, "acme/gated", "main", token=TOKEN)
    assert model.weight_bytes == _expected_bytes()


async def test_unknown_revision(hub: FakeHub) -> None:
    with pytest.raises(HubError) as exc:
        await fetch(hub.url, "acme/tiny-llama", "v9")
    assert exc.value.status == 404 and exc.value.code == "RevisionNotFound"


async def test_unreachable_hub_names_the_endpoint() -> None:
    with pytest.raises(HubError) as exc:
        await fetch("http://127.0.0.1:9", "acme/tiny-llama")
    assert exc.value.status == 502 and "http://127.0.0.1:9" in exc.value.message


def test_summarize_header_counts_bytes_and_dtypes() -> None:
    import json
    import struct

    raw = safetensors_bytes({"a": ("F32", [3, 4]), "b": ("U8", [10])})
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    assert summarize_header(header) == (3 * 4 * 4 + 10, {"F32": 12, "U8": 10})
