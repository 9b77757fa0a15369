"""What a newcomer tripped over on the command line (issue 10): the CLI finds the embedded S3 of a
running `odh-tec serve`, takes plain paths, says "failed" (never "cancelled") when a transfer fails,
estimates VRAM offline from the UI's presets with human-readable output, and the wording of the Hub
and VRAM errors and of job titles. The CLI runs as a process (`python -m odh_tec.cli`), as a person
or a notebook runs it."""

from __future__ import annotations

import json
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import free_port
from fakehub import FakeHub, ForwardProxy
from odh_tec.embedded_s3 import EmbeddedS3
from served import WRONG_SECRET, ServedApp, clean_env, letter_files, s3_env

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend" / "src"


def odh_tec(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "odh_tec.cli", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def keys_of(s3, bucket: str, prefix: str = "") -> list[str]:
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return sorted(out)


# ---- 3. the CLI finds the embedded S3 of `odh-tec serve` ------------------------------------------


def test_cp_finds_the_embedded_s3_of_a_running_server(tmp_path):
    env = clean_env(tmp_path)
    served = ServedApp(tmp_path, env)
    s3_dir = served.data_dir / "s3"
    try:
        runtime = s3_dir / "endpoint.json"
        assert runtime.is_file(), "the server did not write its runtime file"
        assert stat.S_IMODE(runtime.stat().st_mode) == 0o600
        info = json.loads(runtime.read_text())
        assert info["endpoint"].startswith("http://127.0.0.1:")
        assert "secret" not in runtime.read_text().lower() or "credentials" in info  # keys stay in credentials.json
        with httpx.Client(base_url=served.url) as client:
            assert client.post("/api/buckets", json={"name": "notebook"}).status_code in (200, 201)
            # The Settings page may reveal the embedded S3's keys (local-only), never in GET /api/settings.
            keys = json.loads((s3_dir / "credentials.json").read_text())
            settings = client.get("/api/settings").text
            assert keys["secret_access_key"] not in settings
            revealed = client.get("/api/settings/s3/embedded-credentials")
            assert revealed.status_code == 200, revealed.text
            assert revealed.json()["secret_access_key"] == keys["secret_access_key"]
            assert revealed.json()["endpoint"] == info["endpoint"]
            assert "no-store" in revealed.headers.get("cache-control", "")

        (tmp_path / "x.txt").write_text("hello")
        # No AWS_* at all: the CLI finds the server's S3 through <data dir>/s3/endpoint.json.
        done = odh_tec("cp", str(tmp_path / "x.txt"), "s3://notebook/in/", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "NoCredentials" not in done.stderr
        back = odh_tec("cp", "s3://notebook/in/x.txt", str(tmp_path / "back.txt"), env=env, cwd=tmp_path)
        assert back.returncode == 0, back.stderr
        assert (tmp_path / "back.txt").read_text() == "hello"

        # The same file tells a notebook how to reach it.
        exports = odh_tec("s3-env", env=env, cwd=tmp_path)
        assert exports.returncode == 0, exports.stderr
        assert f"export AWS_S3_ENDPOINT={info['endpoint']}" in exports.stdout
        assert f"export AWS_SECRET_ACCESS_KEY={keys['secret_access_key']}" in exports.stdout
    finally:
        served.stop()
    assert not runtime.exists(), "a clean stop must remove the runtime file"

    # A file left by a server that died: its endpoint does not answer, so it is ignored.
    dead = free_port()
    runtime.write_text(
        json.dumps({"endpoint": f"http://127.0.0.1:{dead}", "credentials": str(s3_dir / "credentials.json")})
    )
    runtime.chmod(0o600)
    stale = odh_tec("cp", str(tmp_path / "x.txt"), "s3://notebook/in/", env=env, cwd=tmp_path)
    assert stale.returncode == 2, stale.stderr
    assert "NoCredentials" not in stale.stderr and "cancelled" not in stale.stderr
    assert "AWS_S3_ENDPOINT" in stale.stderr and "odh-tec serve" in stale.stderr


def test_embedded_credentials_are_not_served_for_a_configured_s3(api):
    r = api.get("/api/settings/s3/embedded-credentials")
    assert r.status_code == 404, r.text
    assert "secret" not in r.text.lower() or "not embedded" in r.text.lower()


def test_the_embedded_s3_runtime_file_is_ignored_when_nothing_answers(tmp_path):
    from odh_tec.embedded_s3 import find_running

    assert find_running(tmp_path) is None
    server = EmbeddedS3(tmp_path / "s3")
    server.start()
    try:
        from odh_tec.embedded_s3 import write_runtime_file

        path = write_runtime_file(server)
        found = find_running(tmp_path / "s3")
        assert found is not None and found.endpoint == server.endpoint
        assert found.credentials == server.credentials
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        server.stop()
    assert find_running(tmp_path / "s3") is None  # the endpoint is gone: stale


def test_a_failed_copy_says_failed_never_cancelled(tmp_path, s3_server, bucket):
    folder = letter_files(tmp_path / "pvc" / "three", "abc")
    # The keys are wrong: the destination refuses every request.
    env = s3_env(tmp_path, s3_server, AWS_SECRET_ACCESS_KEY=WRONG_SECRET, LOCAL_STORAGE_PATHS=str(tmp_path / "pvc"))
    for source in ("local://pvc/three/", str(folder)):
        result = odh_tec("cp", "-r", source, f"s3://{bucket}/x/", env=env, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "cancelled" not in result.stderr.lower(), result.stderr
        assert "failed" in result.stderr.lower() and "a.txt" in result.stderr, result.stderr


# ---- 4. plain paths ---------------------------------------------------------------------------------


def test_plain_paths_without_local_storage_paths(tmp_path, s3_server, bucket, s3):
    home = tmp_path / "home"
    (home / "models" / "tiny").mkdir(parents=True)
    (home / "models" / "tiny" / "config.json").write_text("{}")
    work = tmp_path / "work"
    (work / "dir" / "sub").mkdir(parents=True)
    (work / "dir" / "a.txt").write_text("a")
    (work / "dir" / "sub" / "b.txt").write_text("b")
    (tmp_path / "x").write_text("x")
    env = s3_env(tmp_path, s3_server, HOME=str(home))

    # An absolute file, ./dir and ~/dir: no LOCAL_STORAGE_PATHS needed.
    r = odh_tec("cp", str(tmp_path / "x"), f"s3://{bucket}/abs/", env=env, cwd=work)
    assert r.returncode == 0, r.stderr
    r = odh_tec("cp", "-r", "./dir", f"s3://{bucket}/rel/", env=env, cwd=work)
    assert r.returncode == 0, r.stderr
    r = odh_tec("cp", "-r", "~/models/tiny", f"s3://{bucket}/home/", env=env, cwd=work)
    assert r.returncode == 0, r.stderr
    assert keys_of(s3, bucket) == ["abs/x", "home/tiny/config.json", "rel/dir/a.txt", "rel/dir/sub/b.txt"]

    # And back down, into a folder that does not exist yet, and onto an exact file name.
    r = odh_tec("cp", "-r", f"s3://{bucket}/rel/dir/", "./restored/", env=env, cwd=work)
    assert r.returncode == 0, r.stderr
    assert (work / "restored" / "dir" / "sub" / "b.txt").read_text() == "b"
    r = odh_tec("cp", f"s3://{bucket}/abs/x", str(tmp_path / "copy-of-x"), env=env, cwd=work)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "copy-of-x").read_text() == "x"

    # A folder without -r is still refused; a missing source is an error, not a traceback.
    r = odh_tec("cp", "./dir", f"s3://{bucket}/rel2/", env=env, cwd=work)
    assert r.returncode == 2 and "--recursive" in r.stderr
    r = odh_tec("cp", "./nothing-here.txt", f"s3://{bucket}/rel2/", env=env, cwd=work)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_plain_paths_keep_the_escape_checks(tmp_path, s3_server, bucket, s3):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text("ok")
    (src / "link").symlink_to(outside)  # a link inside a copied folder never leads out of it
    (src / "flink").symlink_to(Path(__file__).resolve())  # outside the location's root (src's parent)
    env = s3_env(tmp_path, s3_server)
    r = odh_tec("cp", "-r", str(src), f"s3://{bucket}/esc/", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert keys_of(s3, bucket, "esc/") == ["esc/src/ok.txt"]


def test_named_locations_still_work(tmp_path, s3_server, bucket, s3):
    pvc = tmp_path / "pvc"
    pvc.mkdir()
    (pvc / "f.txt").write_text("f")
    env = s3_env(tmp_path, s3_server, LOCAL_STORAGE_PATHS=str(pvc))
    r = odh_tec("cp", "local://pvc/f.txt", f"s3://{bucket}/named/", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert keys_of(s3, bucket, "named/") == ["named/f.txt"]


def test_parse_target_plain_paths(tmp_path, monkeypatch):
    from odh_tec.transfers.targets import TargetError, parse_target

    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    t = parse_target("./d")
    assert t.location_id.startswith("local:") and t.path == "d/" and t.root == str(tmp_path)
    t = parse_target(str(tmp_path / "d" / "new.txt"))
    assert t.root == str(tmp_path / "d") and t.path == "new.txt"
    t = parse_target("/")
    assert t.root == "/" and t.path == ""
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_target("~/d/").root == str(tmp_path)
    assert parse_target("local://pvc/a").location_id == "local:pvc"
    with pytest.raises(TargetError):
        parse_target("bucket/key")  # neither a URL nor a path that exists: say how to write either


# ---- 9. job titles name locations, not ids --------------------------------------------------------


def test_job_titles_use_location_names(api, bucket, s3):
    s3.put_object(Bucket=bucket, Key="t/a.txt", Body=b"a")
    local = next(loc for loc in api.get("/api/locations").json()["locations"] if loc["kind"] == "local")
    r = api.post(
        "/api/transfers",
        json={
            "kind": "copy",
            "source": {"location_id": f"s3:{bucket}", "keys": ["t/a.txt"]},
            "destination": {"location_id": local["id"], "prefix": f"titles-{bucket}/"},
        },
    )
    assert r.status_code == 201, r.text
    title = r.json()["title"]
    assert "s3:" not in title and "local:" not in title, title
    assert f"{local['name']}/titles-{bucket}/" in title
    _wait_completed(api, r.json()["id"])
    r = api.post(
        "/api/transfers",
        json={
            "kind": "copy",
            "source": {"location_id": local["id"], "keys": [f"titles-{bucket}/a.txt"]},
            "destination": {"location_id": f"s3:{bucket}", "prefix": "back/"},
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["title"].endswith(f"to {bucket}/back/"), r.json()["title"]
    _wait_completed(api, r.json()["id"])  # before the bucket is emptied


def _wait_completed(api, job_id: str) -> None:
    deadline = time.monotonic() + 30
    while api.get(f"/api/transfers/{job_id}").json()["state"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.05)


# ---- 5. the VRAM command line -----------------------------------------------------------------------


def readme_vram_example() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Command line", 1)[1].split("\n## ", 1)[0]
    line = next(ln for ln in section.splitlines() if ln.startswith(("odh-tec vram estimate", ".venv/bin/odh-tec vram")))
    return line.split()[1:]


def test_the_readme_vram_example_works_offline(tmp_path):
    args = readme_vram_example()
    assert "[" not in " ".join(args), "the example must be a command one can paste"
    r = odh_tec(*args, env=clean_env(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"(Fits|Does not fit) on \d+ × ", r.stdout), r.stdout


def test_preset_gives_human_output_and_json_on_request(tmp_path):
    env = clean_env(tmp_path)

    def estimate(preset: str, *args: str) -> subprocess.CompletedProcess:
        return odh_tec("vram", "estimate", "--preset", preset, *args, env=env, cwd=tmp_path)

    r = estimate("llama-3.1-8b-instruct", "--engine", "vllm", "--gpu", "H100-80GB")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert not out.lstrip().startswith("{"), out
    assert "Fits on 1 × H100-80GB" in out and "KV cache" in out
    # Concurrency is a whole number of requests of the context length (8,192 tokens, as in the UI).
    assert re.search(r"\b\d[\d,]* concurrent requests of 8,192 tokens", out), out
    assert not re.search(r"\d\.\d+ concurrent", out), out
    r = estimate("meta-llama/Llama-3.1-8B-Instruct", "--engine", "vllm", "--json")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["fits"] and body["kv_cache_tokens"] // 8192 == int(body["max_concurrency"])
    r = estimate("no-such-model")
    assert r.returncode == 2 and "llama-3.1-8b-instruct" in r.stderr  # the error lists the presets
    r = odh_tec("vram", "presets", env=env, cwd=tmp_path)
    assert r.returncode == 0 and "gpt-oss-120b" in r.stdout and "openai/gpt-oss-120b" in r.stdout


def test_request_still_prints_exactly_one_json_object(tmp_path):
    from odh_tec.vram.presets import preset_by_id

    request = {
        "model": {"config": preset_by_id("phi-1_5").config},
        "workload": {"task": "inference", "context_length": 2048},
        "hardware": {"gpu": "L4"},
    }
    r = odh_tec("vram", "estimate", "--request", "-", env=clean_env(tmp_path), cwd=tmp_path, stdin=json.dumps(request))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n") == 1 and json.loads(r.stdout)["fits"] is True


# The UI's presets, evaluated by Node itself (TypeScript's own transpiler strips the types), so the
# comparison does not depend on how the file is formatted.
_EVAL_PRESETS = """
const ts = require('typescript');
const fs = require('fs');
const source = fs.readFileSync(process.argv[1], 'utf8');
const js = ts.transpileModule(source, {compilerOptions: {module: ts.ModuleKind.CommonJS}}).outputText;
const module = {exports: {}};
new Function('module', 'exports', 'require', js)(module, module.exports, require);
process.stdout.write(JSON.stringify(module.exports.PRESETS));
"""


def _ts_presets() -> list[dict]:
    path = FRONTEND / "screens" / "vram" / "presets.ts"
    done = subprocess.run(
        ["node", "-e", _EVAL_PRESETS, str(path)],
        cwd=FRONTEND.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [
        {"id": p["id"], "label": p["label"], "repo_id": p["repoId"], "config": p["config"]}
        for p in json.loads(done.stdout)
    ]


def test_cli_presets_are_the_ui_presets():
    from odh_tec.vram.presets import PRESETS

    ui = _ts_presets()
    assert len(ui) >= 10
    assert [{"id": p.id, "label": p.label, "repo_id": p.repo_id, "config": p.config} for p in PRESETS] == ui


def test_cli_and_ui_default_to_the_same_context_length():
    import argparse

    from odh_tec.vram import cli

    state = (FRONTEND / "screens" / "vram" / "state.ts").read_text()
    ui_context = int(re.search(r"context: '(\d+)'", state)[1])
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["vram", "estimate", "--preset", "phi-1_5"])
    assert cli.request_from_flags(args)["workload"]["context_length"] == ui_context == 8192


def test_cli_defaults_are_the_ui_defaults():
    from odh_tec.vram.presets import UI_DEFAULTS

    state = (FRONTEND / "screens" / "vram" / "state.ts").read_text()
    block = state.split("export const DEFAULT_INPUTS: Inputs = {", 1)[1].split("};", 1)[0]
    ui = dict(re.findall(r"^\s*(\w+): '?([^',]*)'?,", block, re.M))
    assert ui["task"] == UI_DEFAULTS["task"] and ui["engine"] == UI_DEFAULTS["engine"]
    assert int(ui["context"]) == UI_DEFAULTS["context"]
    assert float(ui["util"]) == UI_DEFAULTS["gpu_memory_utilization"]
    assert ui["method"] == UI_DEFAULTS["method"] and int(ui["loraRank"]) == UI_DEFAULTS["lora_rank"]
    assert ui["optimizer"] == UI_DEFAULTS["optimizer"] and ui["sharding"] == UI_DEFAULTS["sharding"]
    assert (ui["gradientCheckpointing"] == "true") is UI_DEFAULTS["gradient_checkpointing"]
    assert ui["gpu"] == UI_DEFAULTS["gpu"] and ui["count"] == UI_DEFAULTS["count"]


def test_help_points_only_at_files_in_the_repository(tmp_path):
    env = clean_env(tmp_path)
    texts = [
        odh_tec(*args, "--help", env=env, cwd=tmp_path).stdout
        for args in (("vram",), ("vram", "estimate"), ("vram", "gpus"), ("cp",), ("import-hf",))
    ]
    named = set()
    for text in texts:
        named |= set(re.findall(r"[\w./-]+\.(?:md|json|toml|txt)\b", " ".join(text.split())))
    named -= {"config.json"}  # the file name of a model's config, not a file of ours
    missing = [name for name in named if not (ROOT / name).exists() and not list(ROOT.glob(f"**/{name}"))[:1]]
    assert not missing, f"--help names files that are not in the repository: {missing}"


# ---- 8. VRAM verdicts -------------------------------------------------------------------------------


def _estimate(preset: str, **workload):
    from odh_tec.vram.estimate import estimate
    from odh_tec.vram.presets import preset_by_id

    hardware = workload.pop("hardware")
    return estimate(
        {
            "model": {"config": preset_by_id(preset).config},
            "workload": {"task": "inference", "engine": "vllm", "context_length": 8192, **workload},
            "hardware": hardware,
        }
    )


def test_weights_that_do_not_fit_are_named_with_the_gpus_that_would():
    r = _estimate("llama-3.3-70b-instruct", hardware={"gpu": "T4", "count": 1})
    words = " ".join([r["verdict"], r["binding_constraint"], *r["warnings"]])
    assert "0 tokens" not in words and "max_model_len=8192" not in words, words
    assert re.search(r"131(\.\d)? GiB of weights", words), words
    assert "14.6 GiB" in words, words
    assert re.search(r"\b\d+ × (T4|H100|[A-Z])", r["verdict"]) or re.search(r"at least \d+ ", words), words
    # With room for the weights but not for one request, vLLM's own reason is given in words.
    r = _estimate("llama-3.1-8b-instruct", context_length=1_000_000, hardware={"gpu": "L4", "count": 1})
    words = " ".join([r["verdict"], *r["warnings"]])
    assert "max_model_len=" not in words and "1,000,000-token request" in words, words


def test_concurrency_is_a_whole_number_of_requests():
    r = _estimate("llama-3.1-8b-instruct", hardware={"gpu": "H100-80GB", "count": 1})
    assert re.search(r"\b\d[\d,]* concurrent requests of 8,192 tokens", r["verdict"]), r["verdict"]
    assert not re.search(r"\d\.\d+ concurrent", r["verdict"]), r["verdict"]
    assert str(r["kv_cache_tokens"] // 8192) in r["verdict"]


def test_no_internal_phrasing_in_the_ui_strings():
    strings = (FRONTEND / "i18n" / "strings.ts").read_text() + (FRONTEND / "i18n" / "vram.ts").read_text()
    assert "range requests" not in strings
    assert "concurrent ${length}-token sequences" not in strings


# ---- 6, 7. the Hub: reachable without a token; unreachable in plain words ---------------------------


@pytest.fixture(scope="module")
def small_hub():
    with FakeHub() as hub:
        hub.add_token("hf_newcomer_token", "newcomer")
        yield hub


def test_hf_connection_test_without_a_token_checks_the_hub(make_live, small_hub):
    with ForwardProxy() as proxy:
        server = make_live(hf_endpoint=small_hub.url, http_proxy=proxy.url, https_proxy=proxy.url)
        with server.client() as c:
            r = c.post("/api/settings/huggingface/test", json={}).json()
        assert r["ok"] is True, r
        assert "token" in r["message"].lower() and "public" in r["message"].lower(), r
        assert "proxy" in r["message"].lower(), r
        assert any("/api/whoami-v2" in p.url for p in proxy.requests), proxy.requests
    server = make_live(hf_endpoint=small_hub.url, hf_token="hf_newcomer_token")
    with server.client() as c:
        r = c.post("/api/settings/huggingface/test", json={}).json()
    assert r["ok"] is True and r["name"] == "newcomer", r
    server = make_live(hf_endpoint=small_hub.url, hf_token="hf_wrong")
    with server.client() as c:
        r = c.post("/api/settings/huggingface/test", json={}).json()
    assert r["ok"] is False and r["error"] == "InvalidToken", r


def test_hf_connection_test_of_an_unreachable_hub(make_live):
    server = make_live(hf_endpoint="http://name-that-does-not-resolve.invalid")
    with server.client() as c:
        r = c.post("/api/settings/huggingface/test", json={}).json()
    assert r["ok"] is False and r["error"] == "HubUnreachable", r
    assert "Cannot reach the Hugging Face Hub" in r["message"] and "Errno" not in r["message"], r


def test_unreachable_hub_is_said_in_plain_words(tmp_path):
    import httpx as _httpx

    from odh_tec.hf.errors import unreachable

    err = unreachable("https://huggingface.co", _httpx.ConnectError("[Errno -2] Name or service not known"))
    assert "Errno" not in err.message and "Name or service" not in err.message
    assert err.message.startswith("Cannot reach the Hugging Face Hub (https://huggingface.co")
    assert "Check the proxy in Settings or HF_ENDPOINT" in err.message
    # And from the CLI, offline.
    env = clean_env(tmp_path, HF_ENDPOINT="http://name-that-does-not-resolve.invalid")
    with socket.socket() as sock:  # nothing listens here either
        sock.bind(("127.0.0.1", 0))
    r = odh_tec("import-hf", "org/model", "--to", str(tmp_path / "out") + "/", "--dry-run", env=env, cwd=tmp_path)
    assert r.returncode == 2
    assert "Cannot reach the Hugging Face Hub (http://name-that-does-not-resolve.invalid" in r.stderr, r.stderr
    assert "Errno" not in r.stderr
