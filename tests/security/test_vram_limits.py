"""A crafted model config must not freeze the server (security issue, item 5).

`GET /api/vram/model` is a GET, so any web page can make the browser call it (`<img src>`), and the
model it names is whatever someone uploaded to the Hub. Before the caps, a config.json saying
150,000 layers cost ~4 s of event loop; 3,000,000 layers inline in `POST /api/vram/estimate` ran
past a minute at 4.6 GB and took `/api/health` down with it.

These tests run the real app under Uvicorn (conftest's LiveServer) against the fake Hub
(`tests/fakehub`), serving crafted repositories. The cap of each quantity below is the specification:
`odh_tec.vram.limits` must cap every alias of it at that cap, and each field it caps is a 422 naming
the field just above its cap.
"""

from __future__ import annotations

import gc
import json
import math
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest

from conftest import LiveServer, make_config
from fakehub import IGNORE_RANGE, FakeHub
from fakehub.models import safetensors_bytes, tiny_llama_config, tiny_llama_tensors
from odh_tec.vram import limits

MiB = 1 << 20


# ---- the caps, as the specification --------------------------------------------------------------
# (path in the config, cap). A path with dots is nested (text_config of a multimodal model,
# rope_scaling, quantization_config). A list field's cap is its number of entries.

LAYERS, HIDDEN, INTERMEDIATE, HEADS, HEAD_DIM = 1024, 131_072, 1_048_576, 4096, 16_384
EXPERTS, VOCAB, CONTEXT = 4096, 4_194_304, 16_777_216

# The cap of each quantity, named by its usual field: `odh_tec.vram.limits` lists the aliases
# (n_layer, d_model, n_head...), each with its quantity's cap.
QUANTITY_CAPS: dict[str, float] = {
    "num_hidden_layers": LAYERS,
    "hidden_size": HIDDEN,
    "intermediate_size": INTERMEDIATE,
    "num_attention_heads": HEADS,
    "head_dim": HEAD_DIM,
    "num_local_experts": EXPERTS,
    "vocab_size": VOCAB,
    "max_position_embeddings": CONTEXT,
    "rope_scaling.factor": 1024,
    "partial_rotary_factor": 1,
    "rotary_pct": 1,
    "quantization_config.bits": 64,
    "quantization_config.w_bit": 64,
    "quantization_config.group_size": 1_048_576,
    "quantization_config.q_group_size": 1_048_576,
}
# every capped field, aliases included: each one is refused just above its cap
CONFIG_CAPS: list[tuple[str, float]] = list(limits.CONFIG_CAPS.items())
LIST_CAPS: list[tuple[str, int]] = [
    ("layer_types", LAYERS),
    ("mlp_only_layers", LAYERS),
    ("quantization_config.modules_to_not_convert", 65_536),
    ("quantization_config.llm_int8_skip_modules", 65_536),
    ("quantization_config.ignore", 65_536),
]
# request fields: (section, name, cap)
REQUEST_CAPS: list[tuple[str, str, float]] = [
    ("workload", "prompt_tokens", CONTEXT),
    ("workload", "new_tokens", CONTEXT),
    ("workload", "context_length", CONTEXT),
    ("workload", "max_num_batched_tokens", CONTEXT),
    ("workload", "ubatch", CONTEXT),
    ("workload", "batch_size", 65_536),
    ("workload", "max_num_seqs", 65_536),
    ("workload", "gpu_layers", 1_000_000),
    ("workload", "lora_rank", 65_536),
    ("workload", "lora_dropout", 1),
    ("workload", "gpu_memory_utilization", 1),
    ("hardware", "count", 1024),
    ("hardware", "tensor_parallel", 1024),
    ("hardware", "pipeline_parallel", 1024),
    ("hardware", "memory_gib", 1_048_576),
    ("hardware", "margin_gib", 1_048_576),
    ("model", "weight_bytes", 2**50),
]


def _config(**fields: Any) -> dict[str, Any]:
    return {**tiny_llama_config(), **fields}


def _with(cfg: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `cfg` with the dotted `path` set to `value`."""
    out = json.loads(json.dumps(cfg))
    *parents, leaf = path.split(".")
    node = out
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    if parents == ["quantization_config"]:
        method = {"bits": "gptq", "group_size": "gptq", "w_bit": "awq", "q_group_size": "awq"}.get(leaf, "bitsandbytes")
        node.setdefault("quant_method", method)
    return out


def _request(cfg: dict[str, Any], **workload: Any) -> dict[str, Any]:
    return {
        "model": {"config": cfg},
        "workload": {"task": "inference", "context_length": 128, **workload},
        "hardware": {"gpu": "H100-80GB", "count": 1},
    }


def _post(client: httpx.Client, body: Any, **kwargs: Any) -> httpx.Response:
    """POST an estimate request as an attacker would write it: NaN and Infinity literals included
    (Python's json, and so the server, reads them; httpx's json= refuses to write them)."""
    return client.post(
        "/api/vram/estimate", content=json.dumps(body), headers={"content-type": "application/json"}, **kwargs
    )


def _message(response: httpx.Response) -> str:
    body = response.json()
    detail = body.get("detail", body)
    return str(detail.get("message", detail)) if isinstance(detail, dict) else str(detail)


# ---- crafted Hub repositories ---------------------------------------------------------------------


def _header_claiming(length: int) -> bytes:
    """A .safetensors prefix whose 8-byte length says `length` (the file is tiny)."""
    return struct.pack("<Q", length) + b"{}" + bytes(64)


def _wide_shape_file(dims: int) -> bytes:
    """A valid-looking header with one tensor of `dims` dimensions of 2**30 each."""
    header = json.dumps({"t": {"dtype": "BF16", "shape": [1 << 30] * dims, "data_offsets": [0, 2]}}).encode()
    return struct.pack("<Q", len(header)) + header + bytes(2)


def _add_crafted_repos(hub: FakeHub) -> None:
    """The crafted repos, every file served by the Hub host itself (lfs=False): no CDN redirect stands
    between the app and the bytes it must refuse."""
    tiny = json.dumps(tiny_llama_config()).encode()
    deep = json.dumps(_config(num_hidden_layers=150_000)).encode()
    deep_mm = json.dumps(
        {
            "model_type": "llava",
            "architectures": ["LlavaForConditionalGeneration"],
            "text_config": _config(num_hidden_layers=150_000),
        }
    ).encode()
    big = json.dumps(_config(padding="x" * (2 * MiB))).encode()
    weights = safetensors_bytes(tiny_llama_tensors())
    shard = safetensors_bytes({"w": ("BF16", [4, 4])})
    many = {f"model-{i:05d}-of-00200.safetensors": shard for i in range(200)}
    absurd_index = json.dumps({"metadata": {"total_size": 10**30}, "weight_map": {}}).encode()
    repos = {
        "evil/deep": {"config.json": deep, "model.safetensors": weights},
        "evil/deep-multimodal": {"config.json": deep_mm},
        "evil/big-config": {"config.json": big},
        "evil/huge-header": {"config.json": tiny, "model.safetensors": _header_claiming(1 << 40)},
        "evil/large-header": {"config.json": tiny, "model.safetensors": _header_claiming(50 * MiB)},
        "evil/wide-shape": {"config.json": tiny, "model.safetensors": _wide_shape_file(100_000)},
        "evil/many-shards": {"config.json": tiny, **many},
        "evil/two-shards": {
            "config.json": tiny,
            "model-00001-of-00002.safetensors": shard,
            "model-00002-of-00002.safetensors": shard,
        },
        "evil/absurd-index": {
            "config.json": tiny,
            "model.safetensors": weights,
            "model.safetensors.index.json": absurd_index,
        },
        # a 48 MiB checkpoint from a server that ignores Range: only the header may be read
        "evil/no-range": {"config.json": tiny, "model.safetensors": weights + bytes(48 * MiB)},
    }
    for repo_id, files in repos.items():
        hub.add_repo(repo_id, files, lfs=False)
    hub.inject(IGNORE_RANGE, repo="evil/no-range", path="model.safetensors", times=None)


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(page_size=2) as fake:
        _add_crafted_repos(fake)
        yield fake


@pytest.fixture(scope="module")
def server(s3_server, tmp_path_factory, hub: FakeHub) -> Iterator[LiveServer]:
    config = make_config(s3_server, tmp_path_factory.mktemp("vram-limits"), hf_endpoint=hub.url)
    live = LiveServer(config, loop_debug=False).start()  # the stall test times /api/health
    yield live
    live.stop()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=15) as c:
        yield c


class HealthProbe:
    """Polls /api/health from another thread while a test's request runs; keeps the latencies."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as c:
            c.get("/api/health")  # not measured: connecting, and the app's first request
            self._ready.set()
            while not self._stop.is_set():
                start = time.monotonic()
                assert c.get("/api/health").status_code == 200
                self.latencies.append(time.monotonic() - start)
                time.sleep(0.02)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        self._ready.wait(30)
        time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(35)


# ---- the two reported attacks ---------------------------------------------------------------------


@pytest.mark.parametrize("repo", ["evil/deep", "evil/deep-multimodal"])
def test_deep_hub_model_is_refused_fast_while_health_answers(
    server: LiveServer, client: httpx.Client, repo: str
) -> None:
    with HealthProbe(server.url) as probe:
        start = time.monotonic()
        # several at once, as a page with a few <img> tags would send them
        results: list[httpx.Response] = []

        def fetch() -> None:
            results.append(client.get("/api/vram/model", params={"repo_id": repo}))

        threads = [threading.Thread(target=fetch) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - start
    assert len(results) == 3
    for r in results:
        assert r.status_code == 422, r.text
        message = _message(r)
        assert "num_hidden_layers" in message and "150000" in message and "1024" in message, message
    assert elapsed < 1.0
    assert probe.latencies and max(probe.latencies) < 0.5, probe.latencies


def test_estimate_with_three_million_layers_is_refused_without_memory(client: httpx.Client) -> None:
    request = _request(_config(num_hidden_layers=3_000_000))
    gc.collect()
    before = psutil.Process().memory_info().rss
    start = time.monotonic()
    r = _post(client, request, timeout=10)
    elapsed = time.monotonic() - start
    gc.collect()
    grown = psutil.Process().memory_info().rss - before
    assert r.status_code == 422, r.text
    message = _message(r)
    assert "num_hidden_layers: 3000000 exceeds the limit of 1024" in message, message
    assert grown < 50 * MiB, f"RSS grew by {grown / MiB:.0f} MiB"
    assert elapsed < 1.0


# ---- every capped field ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "cap"), CONFIG_CAPS, ids=[p for p, _ in CONFIG_CAPS])
def test_each_config_field_just_above_its_cap_is_422_naming_it(client: httpx.Client, path: str, cap: float) -> None:
    r = _post(client, _request(_with(tiny_llama_config(), path, cap + 1)))
    assert r.status_code == 422, r.text
    assert path.split(".")[-1] in _message(r) and "limit" in _message(r), _message(r)


@pytest.mark.parametrize(("path", "cap"), LIST_CAPS, ids=[p for p, _ in LIST_CAPS])
def test_each_config_list_longer_than_its_cap_is_422_naming_it(client: httpx.Client, path: str, cap: int) -> None:
    entry: Any = 0 if path == "mlp_only_layers" else "full_attention" if path == "layer_types" else "lm_head"
    r = _post(client, _request(_with(tiny_llama_config(), path, [entry] * (cap + 1))))
    assert r.status_code == 422, r.text
    assert path.split(".")[-1] in _message(r) and "limit" in _message(r), _message(r)


@pytest.mark.parametrize(
    "path", ["num_hidden_layers", "hidden_size", "num_attention_heads", "vocab_size", "intermediate_size"]
)
def test_nested_text_config_is_capped_too(client: httpx.Client, path: str) -> None:
    cap = dict(CONFIG_CAPS)[path]
    cfg = {"model_type": "llava", "text_config": _with(tiny_llama_config(), path, cap + 1)}
    r = _post(client, _request(cfg))
    assert r.status_code == 422, r.text
    assert f"text_config.{path}" in _message(r), _message(r)


@pytest.mark.parametrize(
    "value", [-1, 1e308, math.nan, math.inf, "many"], ids=["negative", "1e308", "nan", "inf", "text"]
)
@pytest.mark.parametrize(("path", "cap"), [(p, c) for p, c in CONFIG_CAPS if "." not in p][::3])
def test_config_fields_refuse_absurd_numbers(client: httpx.Client, path: str, cap: float, value: Any) -> None:
    r = _post(client, _request(_with(tiny_llama_config(), path, value)))
    assert r.status_code == 422, r.text
    assert path in _message(r), _message(r)


def _request_with(section: str, name: str, value: Any) -> dict[str, Any]:
    request = _request(tiny_llama_config())
    if name in ("prompt_tokens", "new_tokens"):
        request["workload"].pop("context_length")
    if name in ("lora_rank", "lora_dropout"):
        request["workload"].update(task="finetune", method="lora")
    if name == "gpu_layers" or name == "ubatch":
        request["workload"].update(engine="llamacpp", weights="gguf-q4_k_m")
    if name in ("max_num_seqs", "max_num_batched_tokens"):
        request["workload"].update(engine="vllm")
    request[section][name] = value
    return request


@pytest.mark.parametrize(("section", "name", "cap"), REQUEST_CAPS, ids=[n for _, n, _ in REQUEST_CAPS])
def test_each_request_field_just_above_its_cap_is_422_naming_it(
    client: httpx.Client, section: str, name: str, cap: float
) -> None:
    r = _post(client, _request_with(section, name, cap + 1))
    assert r.status_code == 422, r.text
    assert name in _message(r), _message(r)


@pytest.mark.parametrize(
    "value", [-1, 1e308, math.nan, math.inf, -math.inf], ids=["negative", "1e308", "nan", "inf", "-inf"]
)
@pytest.mark.parametrize(("section", "name", "cap"), REQUEST_CAPS, ids=[n for _, n, _ in REQUEST_CAPS])
def test_request_numbers_refuse_negative_huge_and_nan(
    client: httpx.Client, section: str, name: str, cap: float, value: Any
) -> None:
    r = _post(client, _request_with(section, name, value))
    assert r.status_code == 422, r.text
    assert name in _message(r), _message(r)


@pytest.mark.parametrize(("section", "name", "cap"), REQUEST_CAPS, ids=[n for _, n, _ in REQUEST_CAPS])
def test_request_fields_at_their_cap_are_accepted(client: httpx.Client, section: str, name: str, cap: float) -> None:
    """The caps refuse only what is above them: a value at the cap still gets an estimate."""
    value = 0.5 if name == "lora_dropout" else cap
    r = _post(client, _request_with(section, name, value))
    assert r.status_code == 200, r.text


# the slowest capped workloads: the GPU-count search walks up to 64 layouts of 1024 layers each
WORST_WORKLOADS = {
    "inference": {"task": "inference", "context_length": CONTEXT, "batch_size": 65_536},
    "finetune-zero3": {
        "task": "finetune",
        "method": "lora",
        "lora_rank": 65_536,
        "sharding": "zero3",
        "context_length": CONTEXT,
        "batch_size": 65_536,
    },
}


@pytest.mark.parametrize("workload", list(WORST_WORKLOADS))
def test_a_config_at_every_cap_is_estimated_without_stalling_the_loop(
    server: LiveServer, client: httpx.Client, workload: str
) -> None:
    """The caps are what bound the work: the largest config they let through still finishes well
    within the time limit, and in its worker thread it leaves the event loop free."""
    cfg = _config(
        num_hidden_layers=LAYERS,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_attention_heads=HEADS,
        num_key_value_heads=HEADS,
        head_dim=HEAD_DIM,
        vocab_size=VOCAB,
        max_position_embeddings=CONTEXT,
        num_local_experts=EXPERTS,
        num_experts_per_tok=EXPERTS,
        model_type="mixtral",
        layer_types=["sliding_attention"] * LAYERS,
        sliding_window=CONTEXT,
    )
    request = {
        "model": {"config": cfg},
        "workload": WORST_WORKLOADS[workload],
        "hardware": {"gpu": "H100-80GB", "count": "auto"},
    }
    with HealthProbe(server.url) as probe:
        start = time.monotonic()
        r = _post(client, request)
        elapsed = time.monotonic() - start
    assert r.status_code == 200, r.text
    assert elapsed < 4.0
    assert max(probe.latencies) < 0.5, probe.latencies


def test_the_implementation_caps_every_quantity_as_specified() -> None:
    for path, cap in QUANTITY_CAPS.items():
        assert limits.CONFIG_CAPS[path] == cap, path
    assert set(limits.CONFIG_CAPS.values()) == set(QUANTITY_CAPS.values())  # an alias shares its quantity's cap
    assert dict(LIST_CAPS) == limits.CONFIG_LIST_CAPS


# ---- the Hub fetch -------------------------------------------------------------------------------------


def test_config_json_over_one_mib_is_refused(client: httpx.Client) -> None:
    r = client.get("/api/vram/model", params={"repo_id": "evil/big-config"})
    assert r.status_code == 422, r.text
    assert "config.json" in _message(r) and "1048576" in _message(r), _message(r)


@pytest.mark.parametrize("repo", ["evil/huge-header", "evil/large-header"])
def test_safetensors_header_length_is_capped(client: httpx.Client, repo: str) -> None:
    gc.collect()
    before = psutil.Process().memory_info().rss
    r = client.get("/api/vram/model", params={"repo_id": repo})
    assert r.status_code == 422, r.text
    assert "safetensors header" in _message(r) and "limit" in _message(r), _message(r)
    assert psutil.Process().memory_info().rss - before < 50 * MiB


def test_safetensors_shape_with_absurd_rank_is_refused_fast(client: httpx.Client) -> None:
    start = time.monotonic()
    r = client.get("/api/vram/model", params={"repo_id": "evil/wide-shape"})
    assert r.status_code in (422, 502), r.text
    assert "shape" in _message(r), _message(r)
    assert time.monotonic() - start < 1.0


def test_too_many_shards_without_an_index_reads_no_header(client: httpx.Client, hub: FakeHub) -> None:
    """Past the shard limit the weight bytes are unknown (not a partial sum), and no header is read."""
    hub.log.reset()
    r = client.get("/api/vram/model", params={"repo_id": "evil/many-shards"})
    assert r.status_code == 200, r.text
    assert r.json()["weight_bytes"] is None
    assert not [q for q in hub.log.requests if q.header("range")]


def test_all_headers_of_a_repository_share_one_budget(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    one = struct.unpack("<Q", safetensors_bytes({"w": ("BF16", [4, 4])})[:8])[0]
    monkeypatch.setattr(limits, "SAFETENSORS_HEADERS_TOTAL", one + one // 2)  # room for one header and a half
    r = client.get("/api/vram/model", params={"repo_id": "evil/two-shards"})
    assert r.status_code == 422, r.text
    assert "model-00002-of-00002.safetensors" in _message(r) and "all headers" in _message(r), _message(r)


def test_an_absurd_index_total_is_ignored_for_the_headers(client: httpx.Client) -> None:
    r = client.get("/api/vram/model", params={"repo_id": "evil/absurd-index"})
    assert r.status_code == 200, r.text
    assert r.json()["weight_source"] == "headers"
    assert r.json()["weight_bytes"] == r.json()["parameters"] * 2


def test_a_server_ignoring_range_is_read_only_as_far_as_the_header(client: httpx.Client) -> None:
    gc.collect()
    before = psutil.Process().memory_info().rss
    r = client.get("/api/vram/model", params={"repo_id": "evil/no-range"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["weight_bytes"] == body["parameters"] * 2
    assert psutil.Process().memory_info().rss - before < 40 * MiB


# ---- the time limit -----------------------------------------------------------------------------------


def test_work_past_the_time_limit_answers_503_and_the_loop_stays_free(
    server: LiveServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from odh_tec.api import vram as vram_api

    def slow_estimate(*args: Any, **kwargs: Any) -> dict[str, Any]:
        time.sleep(1.5)
        return {}

    monkeypatch.setattr(limits, "WORK_SECONDS", 0.3)
    monkeypatch.setattr(vram_api, "estimate", slow_estimate)
    with HealthProbe(server.url) as probe:
        start = time.monotonic()
        r = _post(client, _request(tiny_llama_config()))
        elapsed = time.monotonic() - start
    assert r.status_code == 503, r.text
    assert "time limit" in _message(r), _message(r)
    assert elapsed < 1.2
    assert max(probe.latencies) < 0.5
    time.sleep(1.5)  # let the abandoned worker finish before the next test
